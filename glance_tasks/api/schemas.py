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

"""JSON schemas served at /v2/schemas/*, after Glance's.

python-glanceclient builds its models from these and validates every body
it receives against them, so they must accept what the views write.
Differences from Glance: a task's ``type`` lists the types enabled here,
and ``owner`` may be null (tasks created without a project under noauth).
"""

import copy

from glance_tasks.domain import image as image_domain
from glance_tasks.domain import task as task_domain

UUID_PATTERN = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
                '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')
_READ_ONLY_STRING = {'readOnly': True, 'type': 'string'}
_NULL_STRING = ['null', 'string']


def _task_properties(task_types):
    return {
        'id': {'description': 'An identifier for the task',
               'pattern': UUID_PATTERN, 'type': 'string'},
        'type': {'description': 'The type of task represented by this '
                                'content',
                 'enum': list(task_types), 'type': 'string'},
        'status': {'description': 'The current status of this task',
                   'enum': list(task_domain.TABLE.statuses),
                   'type': 'string'},
        'input': {'description': 'The parameters required by task, JSON '
                                 'blob', 'type': ['null', 'object']},
        'result': {'description': 'The result of current task, JSON blob',
                   'type': ['null', 'object']},
        'owner': {'description': 'An identifier for the owner of this task',
                  'type': _NULL_STRING},
        'message': {'description': 'Human-readable informative message '
                                   'only included when appropriate '
                                   '(usually on failure)',
                    'type': 'string'},
        'image_id': {'description': 'Image associated with the task',
                     'type': 'string'},
        'request_id': {'description': 'Human-readable informative '
                                      'request-id', 'type': 'string'},
        'user_id': {'description': 'User associated with the task',
                    'type': 'string'},
        'expires_at': {'description': 'Datetime when this resource would '
                                      'be subject to removal',
                       'type': _NULL_STRING},
        'created_at': {'description': 'Datetime when this resource was '
                                      'created', 'type': 'string'},
        'updated_at': {'description': 'Datetime when this resource was '
                                      'updated', 'type': 'string'},
        'self': dict(_READ_ONLY_STRING),
        'schema': dict(_READ_ONLY_STRING),
    }


def task(task_types):
    """Glance's ``task`` schema (its minimal form, as Glance serves it)."""
    return {'name': 'task', 'properties': _task_properties(task_types)}


def tasks(task_types):
    """The collection schema: list items have no input/result/message."""
    item = task(task_types)
    for name in ('input', 'result', 'message'):
        del item['properties'][name]
    return {
        'name': 'tasks',
        'properties': {'tasks': {'type': 'array', 'items': item},
                       'schema': {'type': 'string'}},
        'links': [{'rel': 'describedby', 'href': '{schema}'}],
    }


_DISK_FORMATS = [None, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw',
                 'qcow2', 'vdi', 'iso', 'ploop']
_CONTAINER_FORMATS = [None, 'ami', 'ari', 'aki', 'bare', 'ovf', 'ova',
                      'docker', 'compressed']
VISIBILITIES = ('community', 'public', 'private', 'shared')
DISK_FORMATS = tuple(_DISK_FORMATS[1:])
CONTAINER_FORMATS = tuple(_CONTAINER_FORMATS[1:])
# The columns are 32-bit integers; a bigger value is a 400, not a 500.
MAX_INT = 2 ** 31 - 1
TAG_MAX_LENGTH = 255
PROPERTY_NAME_MAX_LENGTH = 255
# Glance's write rules (glance/api/v2/images.py): read-only fields are
# refused with 403 on create and update, reserved ones too; ``id`` may be
# chosen on create only.
READ_ONLY = frozenset({'status', 'size', 'virtual_size', 'checksum',
                       'os_hash_algo', 'os_hash_value', 'created_at',
                       'updated_at', 'direct_url', 'self', 'file',
                       'schema', 'locations', 'stores'})
RESERVED = frozenset({'location', 'deleted', 'deleted_at'})
RESERVED_PREFIX = 'os_glance'
# Fields stored in the image row; the rest of a body are extra properties.
BASE_FIELDS = frozenset({'id', 'name', 'disk_format', 'container_format',
                         'visibility', 'min_disk', 'min_ram', 'protected',
                         'os_hidden', 'owner', 'tags'})
_IMAGE_PROPERTIES = {
    'id': {'pattern': UUID_PATTERN, 'type': 'string'},
    'name': {'maxLength': 255, 'type': _NULL_STRING},
    'status': {'enum': list(image_domain.TABLE.statuses), 'readOnly': True,
               'type': 'string'},
    'visibility': {'enum': list(VISIBILITIES), 'type': 'string'},
    'protected': {'type': 'boolean'},
    'os_hidden': {'type': 'boolean'},
    'checksum': {'maxLength': 32, 'readOnly': True, 'type': _NULL_STRING},
    'os_hash_algo': {'maxLength': 64, 'readOnly': True,
                     'type': _NULL_STRING},
    'os_hash_value': {'maxLength': 128, 'readOnly': True,
                      'type': _NULL_STRING},
    'owner': {'maxLength': 255, 'type': _NULL_STRING},
    'size': {'readOnly': True, 'type': ['null', 'integer']},
    'virtual_size': {'readOnly': True, 'type': ['null', 'integer']},
    'min_ram': {'maximum': MAX_INT, 'minimum': 0, 'type': 'integer'},
    'min_disk': {'maximum': MAX_INT, 'minimum': 0, 'type': 'integer'},
    'disk_format': {'enum': _DISK_FORMATS, 'type': _NULL_STRING},
    'container_format': {'enum': _CONTAINER_FORMATS, 'type': _NULL_STRING},
    'tags': {'items': {'maxLength': TAG_MAX_LENGTH, 'type': 'string'},
             'type': 'array'},
    'created_at': dict(_READ_ONLY_STRING),
    'updated_at': dict(_READ_ONLY_STRING),
    'self': dict(_READ_ONLY_STRING),
    'file': dict(_READ_ONLY_STRING),
    'schema': dict(_READ_ONLY_STRING),
    'stores': dict(_READ_ONLY_STRING, description=(
        'Store in which image data resides.  Only present when the '
        'operator has enabled multiple stores.  May be a comma-separated '
        'list of store identifiers.')),
}


def image():
    """Glance's ``image`` schema: extra properties are strings."""
    return {
        'name': 'image',
        'properties': copy.deepcopy(_IMAGE_PROPERTIES),
        'additionalProperties': {'type': 'string'},
        'links': [{'href': '{self}', 'rel': 'self'},
                  {'href': '{file}', 'rel': 'enclosure'},
                  {'href': '{schema}', 'rel': 'describedby'}],
    }


def images():
    return {
        'name': 'images',
        'properties': {'images': {'type': 'array', 'items': image()},
                       'first': {'type': 'string'},
                       'next': {'type': 'string'},
                       'schema': {'type': 'string'}},
        'links': [{'rel': 'first', 'href': '{first}'},
                  {'rel': 'next', 'href': '{next}'},
                  {'rel': 'describedby', 'href': '{schema}'}],
    }


def refused_field(name, on_create):
    """Glance's 403 reason for writing ``name``, or None if writable."""
    if name in READ_ONLY or (name == 'id' and not on_create):
        return "Attribute '%s' is read-only." % name
    if name in RESERVED or name.startswith(RESERVED_PREFIX):
        return "Attribute '%s' is reserved." % name
    return None


def image_create():
    """What ``POST /v2/images`` validates a body against.

    The served schema minus the read-only fields; extra properties are
    strings with names that fit the property table.
    """
    writable = {name: spec for name, spec in _IMAGE_PROPERTIES.items()
                if name in BASE_FIELDS}
    return {'type': 'object', 'properties': copy.deepcopy(writable),
            'propertyNames': {'maxLength': PROPERTY_NAME_MAX_LENGTH,
                              'minLength': 1},
            'additionalProperties': {'type': 'string'}}
