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

"""``trace``: a noop-like task type whose atoms leave a trace on disk.

Each atom appends ``start <name> <pid>`` and ``done <name> <pid>`` lines to
the file named by the input's ``trace``, so a test can tell which process
ran which atom, and how often. When the environment variable
:data:`CRASH_AT` names an atom's index, that atom kills its process with
``os._exit`` as it starts: a crash in the middle of a flow, after TaskFlow
saved the earlier atoms' results.
"""

import os
import time

from taskflow.patterns import linear_flow
from taskflow import task

from glance_tasks.task_types import base

CRASH_AT = 'GLANCE_TASKS_TEST_CRASH_AT'
CRASH_EXIT_CODE = 75


def _append(path, line):
    with open(path, 'a') as f:
        f.write(line + '\n')
        f.flush()
        os.fsync(f.fileno())


class TraceAtom(task.Task):

    def __init__(self, index, atoms, sleep, trace):
        super().__init__(
            name='trace-%d' % index,
            provides=base.RESULT if index == atoms - 1 else None)
        self._index = index
        self._atoms = atoms
        self._sleep = sleep
        self._trace = trace

    def execute(self):
        if os.environ.get(CRASH_AT) == str(self._index):
            os._exit(CRASH_EXIT_CODE)
        _append(self._trace, 'start %s %d' % (self.name, os.getpid()))
        time.sleep(self._sleep)
        _append(self._trace, 'done %s %d' % (self.name, os.getpid()))
        return {'atoms': self._atoms}

    def revert(self, *args, **kwargs):
        _append(self._trace, 'revert %s %d' % (self.name, os.getpid()))


def build_flow(task_id, task_input):
    flow = linear_flow.Flow('trace-%s' % task_id)
    for index in range(task_input['atoms']):
        flow.add(TraceAtom(index, task_input['atoms'],
                           task_input.get('sleep', 0), task_input['trace']))
    return flow


class Trace(base.TaskType):
    name = 'trace'
    flow_factory = __name__ + '.build_flow'
    input_schema = {
        'type': 'object',
        'properties': {
            'atoms': {'type': 'integer', 'minimum': 1},
            'sleep': {'type': 'number', 'minimum': 0},
            'trace': {'type': 'string'},
        },
        'required': ['atoms', 'trace'],
        'additionalProperties': False,
    }
