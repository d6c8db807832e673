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

"""Task creates committed together: the group commit of the lifecycle.

The coordinator runs on threads with a commit function that records the
batches it gets; the service test below runs real creates on SQLite.
"""

import json
import threading
import time

from oslo_utils import uuidutils
import sqlalchemy as sa

from glance_tasks.common import grouping
from glance_tasks.lifecycle import tasks as lifecycle
from glance_tasks.tests import base
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures

TIMEOUT = 10


class GroupCommitTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.batches = []
        self.first_started = threading.Event()
        self.release_first = threading.Event()
        self.group = grouping.GroupCommit(self.commit)
        self.results = {}

    def commit(self, context, items):
        values = [value for value, _also in items]
        self.batches.append(values)
        if len(self.batches) == 1:
            self.first_started.set()
            self.release_first.wait(TIMEOUT)
        if 'bad' in values:
            raise ValueError('bad value')
        return ['task-%s' % value for value in values]

    def create(self, value):
        try:
            self.results[value] = self.group.submit(None, (value, None))
        except ValueError as exc:
            self.results[value] = exc

    def start(self, *values):
        threads = [threading.Thread(target=self.create, args=(value,))
                   for value in values]
        for thread in threads:
            thread.start()
        return threads

    def wait_queued(self, count):
        deadline = time.monotonic() + TIMEOUT
        while len(self.group._waiting) < count:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.01)

    def run_behind_a_first_create(self, *values):
        threads = self.start('first')
        self.first_started.wait(TIMEOUT)
        threads += self.start(*values)
        self.wait_queued(len(values))
        self.release_first.set()
        for thread in threads:
            thread.join(TIMEOUT)

    def test_creates_arriving_during_a_commit_share_the_next(self):
        self.run_behind_a_first_create('a', 'b', 'c')

        self.assertEqual(['first'], self.batches[0])
        self.assertEqual(['a', 'b', 'c'], sorted(self.batches[1]))
        self.assertEqual(2, len(self.batches))
        self.assertEqual({value: 'task-%s' % value
                          for value in ('first', 'a', 'b', 'c')},
                         self.results)

    def test_a_failed_shared_commit_is_tried_create_by_create(self):
        self.run_behind_a_first_create('a', 'bad', 'c')

        # The shared one failed; then each alone: only 'bad' fails.
        self.assertEqual(5, len(self.batches))
        self.assertEqual([['a'], ['bad'], ['c']],
                         sorted(self.batches[2:]))
        self.assertEqual('task-a', self.results['a'])
        self.assertEqual('task-c', self.results['c'])
        self.assertIsInstance(self.results['bad'], ValueError)

    def test_a_lone_create_commits_at_once(self):
        self.release_first.set()
        self.assertEqual('task-x', self.group.submit(None, ('x', None)))
        self.assertEqual([['x']], self.batches)


class ConcurrentCreatesTest(gt_fixtures.ServiceTestCase):

    def test_every_request_gets_its_own_committed_task(self):
        service = self.make_service()
        created = []

        def client():
            for _ in range(10):
                created.append(service.create_task(self.context, 'noop',
                                                   {'atoms': 1}))

        threads = [threading.Thread(target=client) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        self.assertEqual(60, len({task.id for task in created}))
        rows = {row['id']: row for row in self.db.rows('tasks')}
        self.assertEqual({task.id for task in created}, set(rows))
        for task in created:
            self.assertEqual('success', self.wait_until_finished(
                service, task.id).status)


class SharedTransactionTest(gt_fixtures.ServiceTestCase):
    """The transaction a batch of creates shares, on a real database."""

    def setUp(self):
        super().setUp()
        self.lifecycle = lifecycle.TaskLifecycle(self.conf)
        self.seen = []

    def values(self, name):
        return {'id': uuidutils.generate_uuid(), 'type': 'noop',
                'input': {'atoms': 1, 'name': name}, 'owner': 'project-a',
                'user_id': 'user-a', 'request_id': 'req-' + name,
                'executor': None}

    def also(self, context, task):
        # What the shared transaction already holds when an also runs.
        self.seen.append((task.id, context.session.execute(
            sa.text('SELECT count(*) FROM tasks')).scalar()))

    def test_tasks_inputs_and_create_events_commit_in_order(self):
        items = [(self.values(name), self.also) for name in 'abc']

        tasks = self.lifecycle._commit_creates(self.context, items)

        ids = [values['id'] for values, _also in items]
        self.assertEqual(ids, [task.id for task in tasks])
        self.assertEqual(['pending'] * 3, [task.status for task in tasks])
        self.assertEqual(
            {task_id: {'atoms': 1, 'name': name}
             for task_id, name in zip(ids, 'abc')},
            {row['task_id']: json.loads(row['input'])
             for row in self.db.rows('task_info')})
        outbox = self.db.rows('notification_outbox', order_by='id')
        self.assertEqual(['task.create'] * 3,
                         [row['event_type'] for row in outbox])
        self.assertEqual(ids, [json.loads(row['payload'])['id']
                               for row in outbox])
        self.assertEqual(['req-a', 'req-b', 'req-c'],
                         [json.loads(row['context'])['request_id']
                          for row in outbox])
        # Each also ran once, in the transaction, after every insert.
        self.assertEqual([(task_id, 3) for task_id in ids], self.seen)

    def test_an_also_that_raises_undoes_the_whole_batch(self):
        def refuse(context, task):
            raise ValueError('refused')

        items = [(self.values('a'), None), (self.values('b'), refuse)]

        self.assertRaises(ValueError, self.lifecycle._commit_creates,
                          self.context, items)
        self.assertEqual([], self.db.rows('tasks'))
        self.assertEqual([], self.db.rows('task_info'))
        self.assertEqual([], self.db.rows('notification_outbox'))
