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

"""``noop``: a linear flow of trivial atoms, for tests and benchmarks.

Input: ``{"atoms": N, "sleep": seconds per atom, "fail_at": index}``.
The atom at ``fail_at`` raises, so the flow reverts; the result of a
successful run is ``{"atoms": N}``. Not enabled by default.
"""

import time

from taskflow.patterns import linear_flow

from glance_tasks.task_types import base


class NoopFailure(Exception):
    """Raised on purpose by the atom at ``fail_at``."""


class NoopAtom(base.Atom):
    """Sleeps a little, or fails on purpose; idempotent, nothing to undo.

    The last atom of the flow provides the flow's result.
    """

    def __init__(self, index, atoms, sleep, fail):
        last = index == atoms - 1
        super().__init__(name='noop-%d' % index,
                         provides=base.RESULT if last else None)
        self._index = index
        self._atoms = atoms
        self._sleep = sleep
        self._fail = fail

    def execute(self):
        if self._sleep:
            time.sleep(self._sleep)
        if self._fail:
            raise NoopFailure('noop atom %d failed on purpose (fail_at=%d)'
                              % (self._index, self._index))
        return {'atoms': self._atoms}

    def revert(self, *args, **kwargs):
        """Nothing to undo: execute has no side effects."""


def build_flow(task_id, task_input):
    """The flow factory named by :class:`Noop`."""
    atoms = task_input['atoms']
    sleep = task_input.get('sleep', 0)
    fail_at = task_input.get('fail_at')
    flow = linear_flow.Flow('noop-%s' % task_id)
    for index in range(atoms):
        flow.add(NoopAtom(index, atoms, sleep, index == fail_at))
    return flow


class Noop(base.TaskType):
    name = 'noop'
    description = 'A flow of trivial atoms, for tests and benchmarks.'
    flow_factory = 'glance_tasks.task_types.noop.build_flow'
    input_schema = {
        'type': 'object',
        'properties': {
            'atoms': {'type': 'integer', 'minimum': 1, 'maximum': 1000},
            'sleep': {'type': 'number', 'minimum': 0, 'maximum': 3600},
            'fail_at': {'type': 'integer', 'minimum': 0},
        },
        'required': ['atoms'],
        'additionalProperties': False,
    }
