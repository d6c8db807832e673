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

"""One owner per running task: leases, takeover, a lost lease, the sweep.

Real task services on one SQLite file (two executors in one test process
share it as two processes would); the database rules themselves are in
``tests/unit/db/test_ownership.py``, real processes in
``tests/functional/engine/test_owners.py``.
"""

import datetime
import sqlite3
import time

from glance_tasks.db import leases
from glance_tasks.db import tasks as task_db
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures

DEAD = 'executor/dead-host:1:0000dead'


class OwnershipTest(gt_fixtures.ServiceTestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('lease_duration', 3, group='task_executor')
        self.conf.set_override('sweep_interval', 1, group='task_executor')

    def create_for(self, executor, task_input=None):
        """A pending task recorded as ``executor``'s, never submitted."""
        return self.make_service(start=False).lifecycle.create(
            self.context, {
                'id': self.getUniqueString('t')[-36:].rjust(36, '0'),
                'type': 'noop', 'input': task_input or {'atoms': 2},
                'owner': 'project-a', 'executor': executor})

    def task(self, task_id):
        return task_db.get(self.context, task_id, include_expired=True)

    def test_created_tasks_name_their_executor(self):
        service = self.make_service()
        task = service.create_task(self.context, 'noop', {'atoms': 1})
        self.assertEqual(service.executor.owner, task.executor)
        self.assertTrue(task.executor.startswith('executor/'))
        self.assertEqual('success',
                         self.wait_until_finished(service, task.id).status)
        holder, _expires = leases.current(self.context, task.executor)
        self.assertEqual(task.executor, holder)

    def test_a_live_owners_tasks_are_left_to_it(self):
        owner = self.make_service()
        other = self.make_service()
        task = owner.create_task(self.context, 'noop',
                                 {'atoms': 2, 'sleep': 0.5})
        self.assertEqual(0, other.executor.sweep())
        self.assertEqual(
            'success', self.wait_until_finished(owner, task.id).status)
        self.assertEqual(owner.executor.owner, self.task(task.id).executor)

    def test_a_dead_owners_task_is_taken_over_once_its_lease_lapses(self):
        leases.acquire(self.context, DEAD, DEAD, 2)
        task = self.create_for(DEAD)
        lapses = time.monotonic() + 2
        service = self.make_service()

        done = self.wait_until_finished(service, task.id)

        self.assertGreaterEqual(time.monotonic(), lapses)
        self.assertEqual('success', done.status)
        self.assertEqual(service.executor.owner, done.executor)

    def test_a_task_without_owner_is_taken_over_at_start(self):
        task = self.create_for(None)
        service = self.make_service()
        done = self.wait_until_finished(service, task.id, timeout=5)
        self.assertEqual(service.executor.owner, done.executor)

    def test_a_released_lease_is_taken_over_at_once(self):
        first = self.make_service()
        name = first.executor.owner
        first.stop()
        task = self.create_for(name)
        second = self.make_service()
        done = self.wait_until_finished(second, task.id, timeout=3)
        # Within 3 s, far less than a lease: the released one was free.
        self.assertEqual('success', done.status)
        self.assertEqual(second.executor.owner, done.executor)

    def test_the_sweep_reruns_own_tasks_not_running_here(self):
        # Committed for this process but never submitted (or dropped
        # after a database error): no restart is needed.
        service = self.make_service()
        task = self.create_for(service.executor.owner)
        done = self.wait_until_finished(service, task.id, timeout=5)
        self.assertEqual('success', done.status)
        self.assertEqual(service.executor.owner, done.executor)

    def test_an_owner_that_cannot_renew_stops_and_the_task_is_taken_over(
            self):
        service = self.make_service()
        first = service.executor.owner
        task = service.create_task(self.context, 'noop',
                                   {'atoms': 8, 'sleep': 0.5})
        gt_fixtures.wait_for(
            lambda: self.task(task.id).status == 'processing',
            what='the task to start')
        # Every writer of the service database now waits: the lease
        # cannot be renewed (a database outage, as the process sees it).
        blocker = sqlite3.connect(self.db.path, isolation_level=None)
        self.addCleanup(blocker.close)
        blocker.execute('BEGIN EXCLUSIVE')
        gt_fixtures.wait_for(lambda: service.executor.owner != first,
                             timeout=5, what='the lease to be lost')
        blocker.execute('COMMIT')

        done = self.wait_until_finished(service, task.id, timeout=30)

        self.assertEqual('success', done.status)
        self.assertEqual({'atoms': 8}, done.result)
        # Taken over, once the lost lease lapsed, under the new name.
        self.assertNotEqual(first, done.executor)
        self.assertEqual(service.executor.owner, done.executor)

    def test_lapsed_executor_leases_are_purged_by_the_sweep(self):
        old = datetime.datetime(2000, 1, 1)
        leases.acquire(self.context, DEAD, DEAD, 1, now=old)
        service = self.make_service()
        gt_fixtures.wait_for(
            lambda: leases.current(self.context, DEAD) is None,
            what='the lapsed lease to go')
        self.assertIsNotNone(leases.current(self.context,
                                            service.executor.owner))
