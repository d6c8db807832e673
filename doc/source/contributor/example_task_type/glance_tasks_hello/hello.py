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

"""``hello``: greet someone by name.

Input: ``{"name": <string>}``; result: ``{"greeting": "Hello, <name>!"}``.
The smallest complete task type: an input schema, a flow factory
importable by its dotted name, and one atom.
"""

from oslo_log import log as logging
from taskflow.patterns import linear_flow

from glance_tasks.task_types import base

LOG = logging.getLogger(__name__)


class Greet(base.Atom):
    """Provides the task's result: the greeting.

    It changes nothing outside the flow, so running it again after a
    crash is harmless and its revert has nothing to undo.
    """

    default_provides = base.RESULT

    def __init__(self, name):
        super().__init__(name='greet')
        self._name = name

    def execute(self, services):
        # The engine hands every atom its services; never log the input,
        # which may hold secrets in other task types.
        LOG.info('Greeting for request %s.',
                 services.notify_context['request_id'])
        return {'greeting': 'Hello, %s!' % self._name}

    def revert(self, *args, **kwargs):
        """Nothing to undo: execute changes nothing."""


def build_flow(task_id, task_input):
    """The flow factory: the same flow from the same arguments, anywhere."""
    return linear_flow.Flow('hello-%s' % task_id).add(
        Greet(task_input['name']))


class Hello(base.TaskType):
    name = 'hello'
    description = 'Greet someone by name (an example task type).'
    flow_factory = __name__ + '.build_flow'
    # Checked when the task is created: anything else is a 400.
    input_schema = {
        'type': 'object',
        'properties': {
            'name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        },
        'required': ['name'],
        'additionalProperties': False,
    }
