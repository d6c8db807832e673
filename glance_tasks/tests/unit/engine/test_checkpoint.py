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

"""The checkpoint backend: what it writes, and resuming from what it wrote.

Real TaskFlow engines on a real SQLite file; statements are counted with
SQLAlchemy's cursor events.
"""

import contextlib
import os

from oslo_db.sqlalchemy import engines as oslo_engines
from oslo_serialization import jsonutils
import sqlalchemy as sa
from taskflow import engines
from taskflow.patterns import linear_flow
from taskflow.persistence import models
from taskflow import states
from taskflow import task

from glance_tasks.db import migration
from glance_tasks.db import sqlite
from glance_tasks.engine import checkpoint
from glance_tasks.engine import persistence
from glance_tasks.tests import base

ATOMS = 3


class Counted(task.Task):
    """Notes each run in a list shared by the test."""

    def __init__(self, index, runs, fail=False):
        super().__init__(name='counted-%d' % index,
                         provides='out-%d' % index)
        self._index = index
        self._runs = runs
        self._fail = fail

    def execute(self):
        self._runs.append(self.name)
        if self._fail:
            raise RuntimeError('atom %d failed' % self._index)
        return self._index

    def revert(self, **kwargs):
        self._runs.append('revert ' + self.name)


def build(runs, fail_at=None):
    flow = linear_flow.Flow('counted')
    for index in range(ATOMS):
        flow.add(Counted(index, runs, fail=index == fail_at))
    return flow


class CheckpointTest(base.TestCase):

    def setUp(self):
        super().setUp()
        path = os.path.join(self.state_path, 'flows.sqlite')
        self.engine = sqlite.tune(oslo_engines.create_engine(
            'sqlite:///%s' % path, thread_checkin=False))
        self.addCleanup(self.engine.dispose)
        self.addCleanup(lambda: sqlite._keepers.pop(self.engine).close())
        migration.persistence_sync(self.engine)
        self.statements = []
        sa.event.listen(self.engine, 'before_cursor_execute',
                        self._record)

    def _record(self, conn, cursor, statement, *args):
        if checkpoint.checkpoints.name in statement:
            self.statements.append(statement.split()[0])

    def backend(self):
        backend = checkpoint.CheckpointBackend(self.engine)
        backend.get_connection()  # checks the table is there
        return backend

    def run_flow(self, backend, runs, book_uuid, fail_at=None):
        flow_engine = engines.load(
            build(runs, fail_at), backend=backend,
            book=persistence.new_logbook(book_uuid))
        with contextlib.suppress(RuntimeError):
            flow_engine.run()
        return flow_engine

    def saved(self, book_uuid):
        with self.engine.connect() as conn:
            data = conn.execute(sa.select(checkpoint.checkpoints.c.data)
                                .where(checkpoint.checkpoints.c.book_uuid
                                       == book_uuid)).scalar()
        return jsonutils.loads(data)['flows'][0]

    def test_a_row_before_the_first_atom_then_an_update_before_each(self):
        backend = self.backend()
        self.statements.clear()
        runs = []
        flow_engine = self.run_flow(backend, runs, 'book-1')

        self.assertEqual(states.SUCCESS, flow_engine.storage.get_flow_state())
        # The first atom's start inserts the row; each next atom's start
        # saves the outcome before it; the last outcome and the flow's
        # success go with the task's success (the runner's), not here.
        self.assertEqual(['INSERT'] + ['UPDATE'] * (ATOMS - 1),
                         self.statements)
        saved = self.saved('book-1')
        self.assertEqual([states.SUCCESS] * (ATOMS - 1) + [states.RUNNING],
                         [atom['atom']['state'] for atom in saved['atoms']])

    def test_an_outcome_is_saved_at_once_while_another_atom_runs(self):
        backend = self.backend()
        conn = backend.get_connection()
        book = persistence.new_logbook('book-par')
        flow = models.FlowDetail('par', uuid='flow-par')
        first = models.TaskDetail('first', uuid='atom-1')
        second = models.TaskDetail('second', uuid='atom-2')
        flow.add(first)
        flow.add(second)
        book.add(flow)
        conn.save_logbook(book)
        self.statements.clear()
        for atom in (first, second):
            atom.state = states.RUNNING
            conn.update_atom_details(atom)
        first.state = states.SUCCESS
        conn.update_atom_details(first)

        # INSERT before the first atom started, none for the second (no
        # outcome to save), UPDATE for the first's success: the second
        # still runs.
        self.assertEqual(['INSERT', 'UPDATE'], self.statements)
        self.assertEqual([states.SUCCESS, states.RUNNING],
                         [atom['atom']['state'] for atom in
                          self.saved('book-par')['atoms']])

    def test_kept_logbooks_also_record_the_flow_success(self):
        backend = checkpoint.CheckpointBackend(self.engine,
                                               keep_finished=True)
        backend.get_connection()
        self.statements.clear()
        self.run_flow(backend, [], 'book-kept')

        self.assertEqual(['INSERT'] + ['UPDATE'] * ATOMS, self.statements)
        saved = self.saved('book-kept')
        self.assertEqual(states.SUCCESS, saved['flow']['state'])
        self.assertEqual([states.SUCCESS] * ATOMS,
                         [atom['atom']['state'] for atom in saved['atoms']])

    def test_a_flow_whose_last_outcome_was_unsaved_reruns_only_it(self):
        # The process died after the last atom, before recording the
        # task's success (which saves that outcome): another process
        # loads the row and runs the last atom only.
        self.run_flow(self.backend(), [], 'book-2')
        other_process = self.backend()
        detail = persistence.find_flow_detail(other_process, 'book-2')
        runs = []
        resumed = engines.load(build(runs), flow_detail=detail,
                               backend=other_process)
        resumed.run()

        self.assertEqual(['counted-%d' % (ATOMS - 1)], runs)
        self.assertEqual(states.SUCCESS, resumed.storage.get_flow_state())
        self.assertEqual(0, resumed.storage.fetch('out-0'))

    def test_a_saved_success_resumes_without_running_anything(self):
        backend = checkpoint.CheckpointBackend(self.engine,
                                               keep_finished=True)
        self.run_flow(backend, [], 'book-4')
        other_process = self.backend()
        detail = persistence.find_flow_detail(other_process, 'book-4')
        runs = []
        resumed = engines.load(build(runs), flow_detail=detail,
                               backend=other_process)
        resumed.run()

        self.assertEqual([], runs)
        self.assertEqual(states.SUCCESS, resumed.storage.get_flow_state())
        self.assertEqual(ATOMS - 1, resumed.storage.fetch('out-%d'
                                                          % (ATOMS - 1)))

    def test_a_reverted_flow_saves_its_final_state(self):
        runs = []
        flow_engine = self.run_flow(self.backend(), runs, 'book-3',
                                    fail_at=1)

        self.assertEqual(states.REVERTED,
                         flow_engine.storage.get_flow_state())
        self.assertEqual(states.REVERTED,
                         self.saved('book-3')['flow']['state'])
        self.assertEqual(['counted-0', 'counted-1', 'revert counted-1',
                          'revert counted-0'], runs)
