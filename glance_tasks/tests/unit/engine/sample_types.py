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

"""Task types that exist only for tests, each a real plugin.

Their flow factories are importable by dotted name from here, as a
conductor on another host would import them.
"""

from taskflow.patterns import linear_flow
from taskflow import task

from glance_tasks.task_types import base
from glance_tasks.task_types import noop

MODULE = __name__

# A value that must never leave the service: not in a notification, not
# in a log line.
SECRET = 'hunter2-Secret-Marker-5f1d'

EXPLODE_MESSAGE = 'the source image is corrupt'
REVERT_MESSAGE = 'could not remove the scratch file /tmp/scratch-1'
BUILD_MESSAGE = 'no store is configured for this task type'


class UsesSecret(task.Task):
    """Holds a credential, as an import from an authenticated URL would."""

    def __init__(self, index, atoms, password):
        super().__init__(
            name='secret-%d' % index,
            provides=base.RESULT if index == atoms - 1 else None)
        self._atoms = atoms
        self._password = password

    def execute(self):
        return {'atoms': self._atoms, 'authenticated': bool(self._password)}

    def revert(self, *args, **kwargs):
        pass


def build_secretive(task_id, task_input):
    flow = linear_flow.Flow('secretive-%s' % task_id)
    for index in range(task_input['atoms']):
        flow.add(UsesSecret(index, task_input['atoms'],
                            task_input['password']))
    return flow


class Secretive(base.TaskType):
    name = 'secretive'
    flow_factory = MODULE + '.build_secretive'
    input_schema = {
        'type': 'object',
        'properties': {
            'atoms': {'type': 'integer', 'minimum': 1},
            'password': {'type': 'string'},
        },
        'required': ['atoms', 'password'],
    }


class Prepare(task.Task):
    """Does work, but cannot undo it."""

    def execute(self):
        return None

    def revert(self, *args, **kwargs):
        raise RuntimeError(REVERT_MESSAGE)


class Explode(task.Task):
    def execute(self):
        raise ValueError(EXPLODE_MESSAGE)

    def revert(self, *args, **kwargs):
        pass


def build_revert_fails(task_id, task_input):
    return linear_flow.Flow('revert-fails-%s' % task_id).add(
        Prepare('prepare'), Explode('explode'))


class RevertFails(base.TaskType):
    name = 'revert_fails'
    flow_factory = MODULE + '.build_revert_fails'


def build_broken(task_id, task_input):
    raise RuntimeError(BUILD_MESSAGE)


class BrokenFactory(base.TaskType):
    name = 'broken_factory'
    flow_factory = MODULE + '.build_broken'


class MissingFactory(base.TaskType):
    """Its factory's module exists, the function does not."""

    name = 'missing_factory'
    flow_factory = MODULE + '.no_such_factory'


class MissingModule(base.TaskType):
    """Its factory's module does not exist."""

    name = 'missing_module'
    flow_factory = 'glance_tasks.tests.no_such_module.build_flow'


class Unstorable:
    """A value no JSON column can hold."""

    def __repr__(self):
        return '<Unstorable>'


class GiveUnstorable(task.Task):
    def execute(self):
        return {'value': Unstorable()}


def build_unstorable(task_id, task_input):
    return linear_flow.Flow('unstorable-%s' % task_id).add(
        GiveUnstorable('give', provides=base.RESULT))


class UnstorableResult(base.TaskType):
    """A bug in a plugin: its result cannot be saved."""

    name = 'unstorable_result'
    flow_factory = MODULE + '.build_unstorable'


ALL = (noop.Noop, Secretive, RevertFails, BrokenFactory, MissingFactory,
       MissingModule, UnstorableResult)
