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

"""Rules of the image data API (Glance's rule names)."""

from oslo_policy import policy

from glance_tasks.policies import base

UPLOAD_IMAGE = 'upload_image'
DOWNLOAD_IMAGE = 'download_image'
ADD_LOCATION = 'add_image_location'
FETCH_LOCATIONS = 'fetch_image_location'

rules = [
    policy.DocumentedRuleDefault(
        name=UPLOAD_IMAGE,
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Upload the data of a queued image.',
        operations=[{'path': '/v2/images/{image_id}/file',
                     'method': 'PUT'}]),
    policy.DocumentedRuleDefault(
        name=DOWNLOAD_IMAGE,
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='Download the data of an image. A deactivated image '
                    'is refused (403) to anyone but an administrator.',
        operations=[{'path': '/v2/images/{image_id}/file',
                     'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=ADD_LOCATION,
        check_str='role:service or (%s)' % base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Add the first location of a queued image (runs a '
                    'location_import task).',
        operations=[{'path': '/v2/images/{image_id}/locations',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=FETCH_LOCATIONS,
        check_str='role:service',
        scope_types=['project'],
        description='List the locations of an image. Glance gives them '
                    'to the service role only, since a location may '
                    'reveal how the store is laid out.',
        operations=[{'path': '/v2/images/{image_id}/locations',
                     'method': 'GET'}]),
]


def list_rules():
    return rules
