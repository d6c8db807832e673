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

"""Expiry: finished tasks vanish after their time to live, then are purged."""

import datetime

from oslo_utils import fixture as utils_fixture
from oslo_utils import timeutils
import sqlalchemy as sa

from glance_tasks.db import outbox as outbox_db
from glance_tasks.db import tasks as task_db
from glance_tasks import exception
from glance_tasks.notifications import events
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures

TTL = 2


class ExpiryTest(gt_fixtures.ServiceTestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('task_time_to_live', TTL, group='task')

    def finished_task(self, service, task_input):
        task = service.create_task(self.context, 'noop', task_input)
        return self.wait_until_finished(service, task.id)

    def listed_ids(self, service):
        return {task.id for task in service.list_tasks(self.context)}

    def test_expired_task_vanishes_then_is_purged(self):
        service = self.make_service()
        done = self.finished_task(service, {'atoms': 1})
        failed = self.finished_task(service, {'atoms': 1, 'fail_at': 0})
        self.wait_for_events(failed.id, 3)
        service.stop()  # flush the outbox: every row sent
        # A task that never ends never expires.
        waiting = service.lifecycle.create(self.context, {
            'id': 'abcdef00-0000-4000-8000-000000000001', 'type': 'noop',
            'input': {'atoms': 1}, 'owner': 'project-a'})
        # A notification not yet delivered is kept, however old.
        self.assertEqual(1, outbox_db.unsent_count(self.context))

        self.assertEqual({done.id, failed.id, waiting.id},
                         self.listed_ids(service))
        self.assertEqual(6, len([row for row in
                                 self.db.rows('notification_outbox')
                                 if row['sent_at'] is not None]))

        now = timeutils.utcnow()
        clock = self.useFixture(utils_fixture.TimeFixture(
            now + datetime.timedelta(hours=TTL, minutes=1)))

        # Past expires_at: gone from lists and from get, still in the table.
        self.assertEqual({waiting.id}, self.listed_ids(service))
        self.assertRaises(exception.TaskNotFound, task_db.get, self.context,
                          done.id)
        self.assertEqual(3, len(self.db.rows('tasks')))

        # The purge removes them; delivered notifications stay a day.
        self.assertEqual((2, 0), service.purge())
        self.assertEqual([waiting.id],
                         [row['id'] for row in self.db.rows('tasks')])
        self.assertEqual([waiting.id], [row['task_id'] for row in
                                        self.db.rows('task_info',
                                                     'task_id')])
        self.assertEqual(7, len(self.db.rows('notification_outbox')))

        clock.advance_time_delta(datetime.timedelta(days=1))
        self.assertEqual((0, 6), service.purge())
        self.assertEqual([events.TASK_CREATE],
                         [row['event_type'] for row in
                          self.db.rows('notification_outbox')])
        self.assertEqual([waiting.id], [t.id for t in
                                        service.list_tasks(self.context)])
        self.assertEqual((0, 0), service.purge())

    def test_not_yet_expired_tasks_are_kept(self):
        service = self.make_service()
        done = self.finished_task(service, {'atoms': 1})
        self.useFixture(utils_fixture.TimeFixture(
            timeutils.utcnow() + datetime.timedelta(hours=TTL, minutes=-5)))
        self.assertEqual(0, service.purge()[0])
        self.assertIn(done.id, self.listed_ids(service))

    def test_running_service_purges_periodically(self):
        self.conf.set_override('purge_interval', 1, group='task')
        service = self.make_service()
        done = self.finished_task(service, {'atoms': 1})
        # Age the task instead of the clock: the service's threads read
        # the real clock.
        with self.db.engine.begin() as conn:
            conn.execute(sa.text(
                'UPDATE tasks SET expires_at = :past WHERE id = :id'),
                {'past': datetime.datetime(2000, 1, 1), 'id': done.id})

        gt_fixtures.wait_for(lambda: not self.db.rows('tasks'), timeout=20,
                             what='the periodic purge')
        self.assertRaises(exception.TaskNotFound, task_db.get, self.context,
                          done.id, include_expired=True)
