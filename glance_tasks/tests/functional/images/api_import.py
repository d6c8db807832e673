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

"""Starting an ``api_image_import`` the way the import call does.

:func:`begin_import` is the transaction of ``POST
/v2/images/{id}/import`` after its checks, made by the same code
(``ImageLifecycle.claim_import`` in the task's creation): the import
lock set, the image moved to ``importing`` (copy-image: left
``active``), the target stores listed, the task created, all committed
together; then the executor is told. The flow's tests start imports
with it, to reach states the API would refuse to set up (a lock lost,
no data staged) and to crash a child process on a known step;
``test_api_image_import_http`` makes the real HTTP calls.
"""

from oslo_utils import uuidutils

from glance_tasks import context as gt_context
from glance_tasks.db import requesters as requester_db
from glance_tasks.domain import image as image_domain
from glance_tasks.images import staging
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types.api_image_import import claim

TYPE = 'api_image_import'


def import_input(image_id, method, uri=None, backend=None,
                 must_succeed=True, validation_data=None, remote=None):
    """The task input the import call writes.

    ``remote``: glance-download's ``(endpoint, region, remote image id)``.
    """
    method_body = {'name': method}
    if remote is not None:
        endpoint, region, remote_id = remote
        method_body.update(glance_image_id=remote_id, glance_region=region,
                           glance_service_interface='public')
    if uri is not None:
        method_body['uri'] = uri
    if validation_data is not None:
        method_body['validation_data'] = validation_data
    request = {'method': method_body, 'all_stores': False,
               'all_stores_must_succeed': must_succeed}
    if backend:
        request['stores'] = list(backend)
    task_input = {'image_id': image_id, 'import_req': request,
                  'backend': list(backend) if backend else None}
    if remote is not None:
        task_input['glance_endpoint'] = remote[0]
    return task_input


def new_image(conf, owner='project-a', disk_format='raw'):
    """A ``queued`` image with its formats set."""
    return image_lifecycle.ImageLifecycle(conf).create(
        gt_context.get_admin_context(), {
            'id': uuidutils.generate_uuid(), 'name': 'imported',
            'disk_format': disk_format, 'container_format': 'bare',
            'owner': owner})


def stage(conf, image, path):
    """What ``PUT /stage`` leaves: the data staged, the image uploading."""
    with open(path, 'rb') as src, \
            open(staging.path_of(conf, image.id), 'wb') as dest:
        dest.write(src.read())
    return image_lifecycle.ImageLifecycle(conf).move(
        gt_context.get_admin_context(), image, image_domain.UPLOADING)


def begin_import(service, context, image_id, task_input, submit=True,
                 token=None):
    """The import call's one transaction, then the executor told.

    What ``POST /v2/images/{id}/import`` does once it has checked the
    request: the task created, the image's lock taken and the requester
    (``context``'s user and roles; ``token`` for glance-download)
    recorded by the same code, in one transaction. ``submit=False``: the
    executor is not told, as when the process making the call dies
    right after its commit.
    """
    admin = gt_context.get_admin_context()
    method = task_input['import_req']['method']['name']
    to_status = None if method == claim.COPY_IMAGE else \
        image_domain.IMPORTING
    properties = {}
    if task_input.get('backend'):
        properties[claim.IMPORTING_TO] = ','.join(task_input['backend'])

    def take_lock(ctx, task):
        service.services.images.claim_import(
            ctx, image_id, task, to_status=to_status,
            set_properties=properties)
        requester_db.record(ctx, task.id, context.user_id, context.roles,
                            auth_token=token)
    task = service.lifecycle.create(admin, {
        'id': uuidutils.generate_uuid(), 'type': TYPE, 'input': task_input,
        'owner': context.project_id, 'user_id': context.user_id,
        'request_id': context.request_id, 'image_id': image_id,
        'executor': service.executor.owner}, also=take_lock)
    if submit:
        service.executor.submit(task)
    return task
