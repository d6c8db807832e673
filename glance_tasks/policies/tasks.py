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

"""Rules of the tasks API (Glance's rule names)."""

from oslo_policy import policy

from glance_tasks.policies import base

GET_TASK = 'get_task'
GET_TASKS = 'get_tasks'
ADD_TASK = 'add_task'

rules = [
    policy.DocumentedRuleDefault(
        name=GET_TASK,
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='Show a task, with its input, result and message. '
                    'A task this rule refuses is answered 404, as if it '
                    'did not exist.',
        operations=[{'path': '/v2/tasks/{task_id}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=GET_TASKS,
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='List tasks. Callers who pass ``context_is_admin`` '
                    'see every project\'s tasks, others their own '
                    'project\'s.',
        operations=[{'path': '/v2/tasks', 'method': 'GET'},
                    {'path': '/v2/images/{image_id}/tasks',
                     'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name=ADD_TASK,
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Create a task. The target also holds ``task_type``, '
                    'so a rule may allow some types only, for example '
                    '``rule:context_is_admin or "import":%(task_type)s``. '
                    'Which types exist at all is ``[task] '
                    'enabled_task_types``.',
        operations=[{'path': '/v2/tasks', 'method': 'POST'}]),
]


def list_rules():
    return rules
