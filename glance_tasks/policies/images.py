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

"""Rules of the images API (Glance's rule names)."""

from oslo_policy import policy

from glance_tasks.policies import base

GET_IMAGE = 'get_image'
GET_IMAGES = 'get_images'
DELETE_IMAGE = 'delete_image'
DEACTIVATE = 'deactivate'
REACTIVATE = 'reactivate'
ADD_IMAGE = 'add_image'
MODIFY_IMAGE = 'modify_image'
PUBLICIZE_IMAGE = 'publicize_image'
COMMUNITIZE_IMAGE = 'communitize_image'
COPY_IMAGE = 'copy_image'

rules = [
    policy.DocumentedRuleDefault(
        name=ADD_IMAGE,
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Create an image. The target\'s project_id is the '
                    'owner the image will have (the caller\'s project '
                    'unless the body names another).',
        operations=[{'path': '/v2/images', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=MODIFY_IMAGE,
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Update an image: its fields, extra properties and '
                    'tags; and, as in Glance, stage its data and import '
                    'it (every import method but copy-image).',
        operations=[{'path': '/v2/images/{image_id}', 'method': 'PATCH'},
                    {'path': '/v2/images/{image_id}/tags/{tag_value}',
                     'method': 'PUT'},
                    {'path': '/v2/images/{image_id}/tags/{tag_value}',
                     'method': 'DELETE'},
                    {'path': '/v2/images/{image_id}/stage',
                     'method': 'PUT'},
                    {'path': '/v2/images/{image_id}/import',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=COPY_IMAGE,
        check_str=base.ADMIN,
        scope_types=['project'],
        description='Copy an active image into more stores (the '
                    'copy-image import method). Glance\'s default: '
                    'administrators only.',
        operations=[{'path': '/v2/images/{image_id}/import',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=PUBLICIZE_IMAGE,
        check_str=base.ADMIN,
        scope_types=['project'],
        description='Give an image the public visibility (every project '
                    'sees it in Glance), on create or update.',
        operations=[{'path': '/v2/images', 'method': 'POST'},
                    {'path': '/v2/images/{image_id}', 'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        name=COMMUNITIZE_IMAGE,
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Give an image the community visibility, on create '
                    'or update.',
        operations=[{'path': '/v2/images', 'method': 'POST'},
                    {'path': '/v2/images/{image_id}', 'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        name=GET_IMAGE,
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='Show an image. An image this rule refuses is '
                    'answered 404, as if it did not exist.',
        operations=[{'path': '/v2/images/{image_id}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=GET_IMAGES,
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='List images. Callers who pass ``context_is_admin`` '
                    'see every project\'s images, others their own '
                    'project\'s.',
        operations=[{'path': '/v2/images', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=DELETE_IMAGE,
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Delete an image.',
        operations=[{'path': '/v2/images/{image_id}', 'method': 'DELETE'}]),
    policy.DocumentedRuleDefault(
        name=DEACTIVATE,
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Deactivate an image.',
        operations=[{'path': '/v2/images/{image_id}/actions/deactivate',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name=REACTIVATE,
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Reactivate an image.',
        operations=[{'path': '/v2/images/{image_id}/actions/reactivate',
                     'method': 'POST'}]),
]


def list_rules():
    return rules
