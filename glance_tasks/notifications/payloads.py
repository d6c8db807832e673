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

"""Notification payloads, with Glance's field names and formats."""

from glance_tasks.utils import isotime as _isotime


def task_payload(task):
    """Glance's task payload plus image, user and request ids.

    Unlike Glance, ``result`` and ``message`` carry their real values.
    The task ``input`` is never included: it may hold credentials.
    """
    return {
        'id': task.id,
        'type': task.type,
        'status': task.status,
        'result': task.result,
        'owner': task.owner,
        'message': task.message,
        'expires_at': _isotime(task.expires_at),
        'created_at': _isotime(task.created_at),
        'updated_at': _isotime(task.updated_at),
        'deleted': task.deleted,
        'deleted_at': _isotime(task.deleted_at),
        'image_id': task.image_id,
        'user_id': task.user_id,
        'request_id': task.request_id,
    }


def image_payload(image, properties, tags=()):
    """Glance's image notification payload (never the locations)."""
    return {
        'id': image.id,
        'name': image.name,
        'status': image.status,
        'created_at': _isotime(image.created_at),
        'updated_at': _isotime(image.updated_at),
        'min_disk': image.min_disk,
        'min_ram': image.min_ram,
        'protected': image.protected,
        'checksum': image.checksum,
        'owner': image.owner,
        'disk_format': image.disk_format,
        'container_format': image.container_format,
        'size': image.size,
        'virtual_size': image.virtual_size,
        'is_public': image.visibility == 'public',
        'visibility': image.visibility,
        'properties': dict(properties),
        'tags': sorted(tags),
        'deleted': image.deleted,
        'deleted_at': _isotime(image.deleted_at),
        'os_hash_algo': image.os_hash_algo,
        'os_hash_value': image.os_hash_value,
    }
