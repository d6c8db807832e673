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

"""The ownership rules in the database: who may take a task, and write it.

:class:`OwnershipDbTests` runs here on SQLite and again on MySQL/MariaDB
and PostgreSQL in ``tests/functional/db/test_backends.py``.
"""

import datetime

from glance_tasks.db import leases
from glance_tasks.db import tasks as task_db
from glance_tasks import exception
from glance_tasks.tests import base
from glance_tasks.tests.unit.db import helpers

A, B, C = 'executor/a', 'executor/b', 'executor/c'
TTL = 48


def seconds(n):
    return datetime.timedelta(seconds=n)


class OwnershipDbTests(helpers.DbHelpers):

    def setUp(self):
        super().setUp()
        self.set_clock(helpers.T0)
        self.count = 0

    def create(self, executor=None, status='pending'):
        self.count += 1
        task = task_db.create(self.context, {
            'id': '00000000-0000-4000-8000-%012d' % self.count,
            'type': 'noop', 'input': {'atoms': 1}, 'owner': 'p',
            'executor': executor})
        if status != 'pending':
            task = task_db.advance(self.context, task, 'processing',
                                   ttl_hours=TTL)
        if status in ('success', 'failure'):
            task = task_db.advance(self.context, task, status, ttl_hours=TTL)
        return task

    def hold(self, name, duration=10, at=0):
        self.assertTrue(leases.acquire(self.context, name, name, duration,
                                       now=helpers.T0 + seconds(at)))

    def orphans(self, executor, at=0):
        return [task.id for task in task_db.orphans(
            self.context, executor, now=helpers.T0 + seconds(at))]

    def test_a_task_records_its_executor(self):
        task = self.create(A)
        self.assertEqual(A, task.executor)
        self.assertEqual(A, task_db.get(self.context, task.id).executor)

    def test_tasks_of_a_live_executor_are_not_orphans(self):
        self.hold(A)
        self.create(A)
        self.create(A, status='processing')
        self.assertEqual([], self.orphans(B, at=9))

    def test_tasks_of_a_lapsed_or_missing_lease_are_orphans(self):
        self.hold(A)
        pending = self.create(A)
        processing = self.create(A, status='processing')
        nobody = self.create(None)
        never_held = self.create(C)
        self.assertEqual([nobody.id, never_held.id], self.orphans(B, at=9))
        self.assertEqual([pending.id, processing.id, nobody.id,
                          never_held.id], self.orphans(B, at=10))

    def test_ended_and_deleted_tasks_are_never_orphans(self):
        self.create(C, status='success')
        self.create(C, status='failure')
        task_db.delete(self.context, self.create(C).id)
        self.assertEqual([], self.orphans(B))

    def test_own_tasks_are_not_orphans_but_are_owned(self):
        self.hold(A)
        mine = self.create(A)
        self.create(A, status='success')
        self.hold(B, duration=120)
        self.create(B)
        self.assertEqual([], self.orphans(A, at=60))
        self.assertEqual({mine.id}, task_db.owned_ids(self.context, A))

    def test_take_over_is_a_compare_and_swap_on_the_owner(self):
        task = self.create(A)
        self.assertTrue(task_db.take_over(self.context, task, B))
        # C read the task before B took it: C's swap finds B, not A.
        self.assertFalse(task_db.take_over(self.context, task, C))
        self.assertEqual(B, task_db.get(self.context, task.id).executor)

    def test_take_over_of_a_task_without_executor(self):
        task = self.create(None)
        self.assertTrue(task_db.take_over(self.context, task, B))
        self.assertFalse(task_db.take_over(self.context, task, C))

    def test_take_over_needs_the_status_read(self):
        task = self.create(A)
        task_db.advance(self.context, task, 'processing', ttl_hours=TTL)
        self.assertFalse(task_db.take_over(self.context, task, B))

    def test_the_old_owner_cannot_move_a_task_taken_over(self):
        task = self.create(A, status='processing')
        self.assertTrue(task_db.take_over(self.context, task, B))
        self.assertRaises(exception.TaskStatusConflict, task_db.advance,
                          self.context, task, 'success', ttl_hours=TTL)
        self.assertEqual('processing',
                         task_db.get(self.context, task.id).status)
        taken = task_db.get(self.context, task.id)
        done = task_db.advance(self.context, taken, 'success', ttl_hours=TTL,
                               result={'ok': True})
        self.assertEqual('success', done.status)

    def test_a_task_without_executor_moves_as_before(self):
        task = self.create(None)
        moved = task_db.advance(self.context, task, 'processing',
                                ttl_hours=TTL)
        self.assertEqual('processing', moved.status)
        self.assertIsNone(moved.executor)

    def test_lapsed_executor_leases_are_purged(self):
        self.hold(A, at=0)
        self.hold(B, at=50)
        self.hold('notification-relay', at=0)
        self.assertEqual(1, leases.purge_lapsed(
            self.context, 'executor/', helpers.T0 + seconds(30)))
        self.assertIsNone(leases.current(self.context, A))
        self.assertIsNotNone(leases.current(self.context, B))
        self.assertIsNotNone(leases.current(self.context,
                                            'notification-relay'))

    def test_a_purged_lease_makes_its_tasks_orphans(self):
        self.hold(A)
        task = self.create(A)
        leases.purge_lapsed(self.context, 'executor/',
                            helpers.T0 + seconds(60))
        self.assertEqual([task.id], self.orphans(B, at=1))


class TestOwnershipDb(OwnershipDbTests, base.DbTestCase):
    pass
