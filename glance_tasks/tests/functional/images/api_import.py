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
/v2/images/{id}/import`` (see the import contract): the import lock
set, the image moved to ``importing`` (copy-image: left ``active``), the
target stores listed, the task created, all committed together; then
the executor is told. The tests of the flow start imports with it, so
they run the flow alone, on the real service and engines.
"""

from oslo_utils import uuidutils

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.domain import image as image_domain
from glance_tasks.images import staging
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types.api_image_import import claim

TYPE = 'api_image_import'


def import_input(image_id, method, uri=None, backend=None,
                 must_succeed=True, validation_data=None):
    """The task input the import call writes."""
    method_body = {'name': method}
    if uri is not None:
        method_body['uri'] = uri
    if validation_data is not None:
        method_body['validation_data'] = validation_data
    request = {'method': method_body, 'all_stores': False,
               'all_stores_must_succeed': must_succeed}
    if backend:
        request['stores'] = list(backend)
    return {'image_id': image_id, 'import_req': request,
            'backend': list(backend) if backend else None}


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


def begin_import(service, context, image_id, task_input, task_id=None,
                 submit=True):
    """The import call's one transaction, then the executor told.

    ``submit=False``: the executor is not told, as when the process
    making the call dies right after its commit.
    """
    admin = gt_context.get_admin_context()
    method = task_input['import_req']['method']['name']
    task_id = task_id or uuidutils.generate_uuid()
    images = service.services.images
    with images.transaction(admin):
        image = image_db.get(admin, image_id)
        if method != claim.COPY_IMAGE:
            images.move(admin, image, image_domain.IMPORTING)
        image_db.set_property(admin, image_id, claim.LOCK, task_id)
        if task_input.get('backend'):
            image_db.set_property(admin, image_id, claim.IMPORTING_TO,
                                  ','.join(task_input['backend']))
        task = service.lifecycle.create(admin, {
            'id': task_id, 'type': TYPE, 'input': task_input,
            'owner': context.project_id, 'user_id': context.user_id,
            'request_id': context.request_id, 'image_id': image_id,
            'executor': service.executor.owner})
    if submit:
        service.executor.submit(task)
    return task
