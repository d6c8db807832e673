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

"""Serializers: domain objects as Glance v2 writes them.

Fields Glance leaves out when they have no value (``expires_at``,
``image_id``, ``user_id``, ``request_id`` on a task) are left out here too;
fields it always writes are written, ``null`` included.
"""

from glance_tasks.utils import isotime

TASK_SCHEMA = '/v2/schemas/task'
IMAGE_SCHEMA = '/v2/schemas/image'
_IMAGE_ATTRIBUTES = ('name', 'disk_format', 'container_format', 'visibility',
                     'size', 'virtual_size', 'status', 'checksum',
                     'protected', 'min_ram', 'min_disk', 'owner',
                     'os_hidden', 'os_hash_algo', 'os_hash_value')


def task_location(task_id):
    return '/v2/tasks/%s' % task_id


def task_stub(task):
    """A task in a list: no input, result or message (Glance's)."""
    view = {
        'id': task.id,
        'type': task.type,
        'status': task.status,
        'owner': task.owner,
        'created_at': isotime(task.created_at),
        # Glance sets updated_at when it creates a task; the schema (and
        # so glanceclient) wants a string.
        'updated_at': isotime(task.updated_at or task.created_at),
        'self': task_location(task.id),
        'schema': TASK_SCHEMA,
    }
    if task.expires_at:
        view['expires_at'] = isotime(task.expires_at)
    return view


def task(task):
    """One task with its input, result and message."""
    view = task_stub(task)
    # Glance's schema types message as a string; it writes '' until set.
    view.update(input=task.input, result=task.result,
                message=task.message or '')
    for name in ('image_id', 'request_id', 'user_id'):
        if getattr(task, name):
            view[name] = getattr(task, name)
    return view


def _db_time(value):
    # GET /v2/images/{id}/tasks returns Glance's database rows as
    # oslo.serialization writes datetimes, not the isotime of /v2/tasks.
    return None if value is None else value.strftime('%Y-%m-%dT%H:%M:%S.%f')


def image_task(task):
    """A task as GET /v2/images/{id}/tasks lists it (Glance's row)."""
    return {
        'id': task.id, 'image_id': task.image_id,
        'request_id': task.request_id, 'user_id': task.user_id,
        'type': task.type, 'status': task.status, 'owner': task.owner,
        'expires_at': _db_time(task.expires_at),
        'created_at': _db_time(task.created_at),
        'updated_at': _db_time(task.updated_at),
        'deleted_at': _db_time(task.deleted_at), 'deleted': task.deleted,
        'input': task.input, 'result': task.result,
        'message': task.message or '',
    }


def image(image, properties, tags=(), stores=()):
    """An image with its extra properties at the top level (Glance's).

    ``stores``: names of the stores holding its data (multi-store),
    shown comma-joined as Glance's ``stores``, left out when none.
    """
    view = dict(properties)
    view.update({name: getattr(image, name) for name in _IMAGE_ATTRIBUTES})
    view.update({
        'id': image.id,
        'created_at': isotime(image.created_at),
        'updated_at': isotime(image.updated_at or image.created_at),
        'tags': sorted(tags),
        'self': '/v2/images/%s' % image.id,
        'file': '/v2/images/%s/file' % image.id,
        'schema': IMAGE_SCHEMA,
    })
    if stores:
        view['stores'] = ','.join(stores)
    return view
