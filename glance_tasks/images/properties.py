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

"""What a user may set on an image, as Glance's image schema allows it.

The columns of an image a request may set (``name``, the formats,
``visibility``, ...) and the JSON schema of ``image_properties`` in task
input: those columns, plus extra properties as strings, never a name the
service sets itself.
"""

DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2',
                'vdi', 'iso', 'ploop']
CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker',
                     'compressed']
VISIBILITIES = ['public', 'private', 'shared', 'community']
# Image columns a user sets through image_properties.
BASE_PROPERTIES = ('name', 'disk_format', 'container_format', 'visibility',
                   'min_disk', 'min_ram', 'protected', 'os_hidden')
# Names the service sets itself; refused in image_properties.
RESERVED_PROPERTIES = ['id', 'status', 'owner', 'size', 'virtual_size',
                       'checksum', 'os_hash_algo', 'os_hash_value',
                       'created_at', 'updated_at', 'deleted', 'deleted_at',
                       'locations', 'location', 'direct_url', 'self',
                       'file', 'schema', 'tags']
_INT32 = {'type': 'integer', 'minimum': 0, 'maximum': 2 ** 31 - 1}

IMAGE_PROPERTIES_SCHEMA = {
    'type': 'object',
    'properties': {
        'name': {'type': ['string', 'null'], 'maxLength': 255},
        'disk_format': {'enum': DISK_FORMATS},
        'container_format': {'enum': CONTAINER_FORMATS},
        'visibility': {'enum': VISIBILITIES},
        'min_disk': _INT32,
        'min_ram': _INT32,
        'protected': {'type': 'boolean'},
        'os_hidden': {'type': 'boolean'},
    },
    'propertyNames': {'maxLength': 255,
                      'not': {'enum': RESERVED_PROPERTIES}},
    'additionalProperties': {'type': 'string', 'maxLength': 65535},
}


def extra(image_properties):
    """The image_properties that are not image columns."""
    return {name: value for name, value in image_properties.items()
            if name not in BASE_PROPERTIES}
