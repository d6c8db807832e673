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

"""Personas shared by every rule, after Glance's secure-RBAC defaults.

A project reader reads its project's tasks and images, a project member
also changes them and creates tasks, the admin role reads and changes
everything. The target of every check carries ``project_id``: the owner of
the task or image, or the caller's own project for lists and creation.
"""

from oslo_policy import policy

ADMIN = 'rule:context_is_admin'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
ADMIN_OR_PROJECT_READER = f'{ADMIN} or ({PROJECT_READER})'
ADMIN_OR_PROJECT_MEMBER = f'{ADMIN} or ({PROJECT_MEMBER})'

rules = [
    policy.RuleDefault(
        name='context_is_admin', check_str='role:admin',
        description='Who is an administrator: sees and changes the tasks '
                    'and images of every project.'),
]


def list_rules():
    return rules
