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
"""

import webob

from glance_tasks.api.handlers import images as image_handlers
from glance_tasks.api import policy
from glance_tasks.api import util
from glance_tasks.db import images as image_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.policies import image_data as rules

LOCATION_IMPORT = 'location_import'
BODY_FIELDS = frozenset({'url', 'validation_data'})


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
    if image.status != image_domain.QUEUED:
        raise exception.ImageNotQueued(image_id=image.id,
                                       status=image.status)
    task_input = dict(body, image_id=image.id)
    # The task type's schema checks url and validation_data (400 naming
    # the field); the task runs as the image's owner.
    task = req.state.service.create_task(req.context, LOCATION_IMPORT,
                                         task_input, owner=image.owner)
    response = webob.Response(status=202, content_type=None)
    response.headers['Location'] = '/v2/tasks/%s' % task.id
    return response


def list_locations(req):
    """``GET /v2/images/{image_id}/locations``: url and metadata."""
    image = image_handlers.find_image(req)
    policy.authorize(req, rules.FETCH_LOCATIONS, {'project_id': image.owner})
    return util.json_response([
        {'url': location['url'], 'metadata': location['metadata'] or {}}
        for location in image_db.get_locations(req.context, image.id)])
