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

"""The ``noop`` type: its flow run by bare TaskFlow, and its schema."""

import time

import jsonschema
from taskflow import engines
from taskflow import states

from glance_tasks.task_types import base as type_base
from glance_tasks.task_types import noop
from glance_tasks.tests import base


class NoopFlowTest(base.TestCase):

    def test_flow_has_the_atoms_asked_for(self):
        flow = noop.build_flow('t-1', {'atoms': 4})
        self.assertEqual(['noop-0', 'noop-1', 'noop-2', 'noop-3'],
                         [atom.name for atom in flow])
        # Only the last atom provides the flow's result.
        self.assertEqual([set(), set(), set(), {type_base.RESULT}],
                         [set(atom.provides) for atom in flow])

    def test_result(self):
        result = engines.run(noop.build_flow('t-1', {'atoms': 3}))
        self.assertEqual({'atoms': 3}, result[type_base.RESULT])

    def test_fail_at_raises_and_reverts(self):
        engine = engines.load(noop.build_flow('t-1', {'atoms': 3,
                                                      'fail_at': 1}))
        exc = self.assertRaises(noop.NoopFailure, engine.run)
        self.assertEqual('noop atom 1 failed on purpose (fail_at=1)',
                         str(exc))
        self.assertEqual(states.REVERTED, engine.storage.get_flow_state())
        self.assertEqual(states.REVERTED,
                         engine.storage.get_atom_state('noop-0'))
        # The atoms after the failing one never ran.
        self.assertEqual(states.PENDING,
                         engine.storage.get_atom_state('noop-2'))

    def test_fail_at_beyond_the_flow_never_fails(self):
        result = engines.run(noop.build_flow('t-1', {'atoms': 2,
                                                     'fail_at': 2}))
        self.assertEqual({'atoms': 2}, result[type_base.RESULT])

    def test_sleep_per_atom(self):
        started = time.monotonic()
        engines.run(noop.build_flow('t-1', {'atoms': 3, 'sleep': 0.1}))
        self.assertGreaterEqual(time.monotonic() - started, 0.3)


class NoopSchemaTest(base.TestCase):

    def errors(self, task_input):
        validator = jsonschema.Draft7Validator(noop.Noop.input_schema)
        return [error.message for error in validator.iter_errors(task_input)]

    def test_valid(self):
        for task_input in ({'atoms': 1}, {'atoms': 1000},
                           {'atoms': 3, 'sleep': 0.5, 'fail_at': 0}):
            self.assertEqual([], self.errors(task_input))

    def test_invalid(self):
        for task_input in ({}, {'atoms': 0}, {'atoms': 1001},
                           {'atoms': 1.5}, {'atoms': 2, 'sleep': -0.1},
                           {'atoms': 2, 'fail_at': -1},
                           {'atoms': 2, 'extra': True}):
            self.assertNotEqual([], self.errors(task_input), task_input)

    def test_declared_name_and_factory(self):
        self.assertEqual('noop', noop.Noop.name)
        module, _sep, name = noop.Noop.flow_factory.rpartition('.')
        self.assertEqual('glance_tasks.task_types.noop', module)
        self.assertIs(noop.build_flow, getattr(noop, name))
