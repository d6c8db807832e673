# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""``/v2/images/{image_id}/locations``: Glance's newer locations API.

``POST`` adds the first location of a ``queued`` image by running a
``location_import`` task (the data is read once, hashed, compared with
``validation_data`` and inspected before the image becomes active), and
answers 202 as Glance does; the task is listed by ``GET
/v2/images/{id}/tasks``. ``GET`` lists the image's locations, for the
service role (Glance's default: locations may reveal store internals).

Older clients (glanceclient ``location-add``, openstacksdk
``add_image_location``) add a location with ``PATCH /v2/images/{id}``
and the op ``add /locations/-``; :func:`patch_image` runs that as an
``in_place`` ``location_import`` task (the image goes ``queued →
active`` once the data is read and hashed, the seed's "add location"
edge), waits for it and answers 200 with the image, as Glance does.
Every other patch is :func:`~.images.update_image`'s.
"""

import time

import webob

from glance_tasks.api.handlers import images as image_handlers
from glance_tasks.api import image_body
from glance_tasks.api import policy
from glance_tasks.api import util
from glance_tasks.db import images as image_db
from glance_tasks.domain import image as image_domain
from glance_tasks.domain import task as task_domain
from glance_tasks import exception
from glance_tasks.policies import image_data as rules

LOCATION_IMPORT = 'location_import'
BODY_FIELDS = frozenset({'url', 'validation_data'})
LEGACY_VALUE_FIELDS = frozenset({'url', 'metadata', 'validation_data'})
# How often a legacy location add looks whether its task has ended.
POLL_INTERVAL = 0.05


def add_location(req):
    """``POST /v2/images/{image_id}/locations``: 202, a task runs."""
    image = image_handlers.find_image(req)
    policy.authorize(req, rules.ADD_LOCATION, {'project_id': image.owner})
    body = util.json_body(req)
    unknown = sorted(set(body) - BODY_FIELDS)
    if unknown:
        raise exception.MalformedRequestBody(
            reason='unknown field(s) %s; a location takes url and '
                   'validation_data' % ', '.join(unknown))
    task = _start_import(req, image, body)
    response = webob.Response(status=202, content_type=None)
    response.headers['Location'] = '/v2/tasks/%s' % task.id
    return response


def _start_import(req, image, body, in_place=False):
    if image.status != image_domain.QUEUED:
        raise exception.ImageNotQueued(image_id=image.id,
                                       status=image.status)
    task_input = dict(body, image_id=image.id)
    if in_place:
        task_input['in_place'] = True
    # The task type's schema checks url and validation_data (400 naming
    # the field); the task runs as the image's owner.
    return req.state.service.create_task(req.context, LOCATION_IMPORT,
                                         task_input, owner=image.owner)


def patch_image(req):
    """``PATCH /v2/images/{image_id}``: a location add, or an update."""
    operations = util.json_body(req, image_body.PATCH_MEDIA_TYPES, list)
    value = image_body.location_add(operations, req.content_type)
    if value is None:
        return image_handlers.update_image(req, operations)
    image = image_handlers.find_image(req)
    policy.authorize(req, rules.ADD_LOCATION, {'project_id': image.owner})
    unknown = sorted(set(value) - LEGACY_VALUE_FIELDS)
    if unknown:
        raise exception.MalformedRequestBody(
            reason='unknown field(s) %s in the location; it takes url, '
                   'metadata and validation_data' % ', '.join(unknown))
    if value.get('metadata'):
        raise exception.MalformedRequestBody(
            reason='location metadata is not supported; send "metadata": '
                   '{}')
    body = {name: value[name] for name in BODY_FIELDS if name in value}
    task = _start_import(req, image, body, in_place=True)
    task = _wait_for(req, task.id)
    if task.status == task_domain.FAILURE:
        raise exception.LocationNotAdded(reason=task.message)
    return util.json_response(
        image_handlers.image_view(req, image_handlers.find_image(req)))


def _wait_for(req, task_id):
    """The task once it has ended, or as it is after the fetch timeout."""
    service = req.state.service
    deadline = time.monotonic() + req.state.conf.image_import.fetch_timeout
    while True:
        task = service.get_task(req.context, task_id)
        if (task.status in task_domain.TABLE.terminal
                or time.monotonic() > deadline):
            return task
        time.sleep(POLL_INTERVAL)


def list_locations(req):
    """``GET /v2/images/{image_id}/locations``: url and metadata."""
    image = image_handlers.find_image(req)
    policy.authorize(req, rules.FETCH_LOCATIONS, {'project_id': image.owner})
    return util.json_response([
        {'url': location['url'], 'metadata': location['metadata'] or {}}
        for location in image_db.get_locations(req.context, image.id)])
