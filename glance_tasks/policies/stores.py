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

"""Rules of the multi-store API (Glance's rule names and defaults).

``stores_info_detail`` is Glance's discovery rule; the two location rules
are the image rules Glance checks when data is removed from one store.
"""

from oslo_policy import policy

from glance_tasks.policies import base

STORES_INFO_DETAIL = 'stores_info_detail'
GET_IMAGE_LOCATION = 'get_image_location'
DELETE_IMAGE_LOCATION = 'delete_image_location'

rules = [
    policy.DocumentedRuleDefault(
        name=STORES_INFO_DETAIL,
        check_str='%s or role:service' % base.ADMIN,
        scope_types=['project'],
        description='Show the stores with their type and properties '
                    '(directories, chunk sizes): store internals, for '
                    'administrators and services.',
        operations=[{'path': '/v2/info/stores/detail', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=GET_IMAGE_LOCATION,
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='Read the locations of an image, checked when its '
                    'data is removed from one store.',
        operations=[{'path': '/v2/stores/{store_id}/{image_id}',
                     'method': 'DELETE'}]),
    policy.DocumentedRuleDefault(
        name=DELETE_IMAGE_LOCATION,
        check_str=base.ADMIN,
        scope_types=['project'],
        description='Remove a location of an image: its data in one '
                    'store of a multi-store service.',
        operations=[{'path': '/v2/stores/{store_id}/{image_id}',
                     'method': 'DELETE'}]),
]


def list_rules():
    return rules
