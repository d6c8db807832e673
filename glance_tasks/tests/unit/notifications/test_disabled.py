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

"""``[DEFAULT] disabled_notifications``, with Glance's semantics.

An event type disables that event only; a group (the part before the
first dot) disables every event of the group. Disabled events are not
written to the outbox at all.
"""

from glance_tasks.db import outbox as outbox_db
from glance_tasks.db import tasks as task_db
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures

ALL = ['task.create', 'task.processing', 'task.success']


class DisabledNotificationsTest(gt_fixtures.ServiceTestCase):

    def run_tasks(self, disabled, *inputs):
        """Run noop tasks to their end; return them and their events."""
        self.conf.set_override('disabled_notifications', disabled)
        service = self.make_service()
        tasks = [service.create_task(self.context, 'noop', task_input)
                 for task_input in inputs]
        for task in tasks:
            self.wait_until_finished(service, task.id)
        # stop() flushes the outbox: whatever was written is sent now.
        service.stop()
        self.assertEqual(0, outbox_db.unsent_count(self.context))
        return tasks

    def outbox_events(self):
        return [row['event_type'] for row in
                self.db.rows('notification_outbox', order_by='id')]

    def test_nothing_disabled(self):
        [task] = self.run_tasks([], {'atoms': 1})
        self.assertEqual(ALL, self.notifications.event_types(task.id))
        self.assertEqual(ALL, self.outbox_events())

    def test_one_event_type(self):
        [task] = self.run_tasks(['task.success'], {'atoms': 1})
        self.assertEqual(['task.create', 'task.processing'],
                         self.notifications.event_types(task.id))
        self.assertEqual(['task.create', 'task.processing'],
                         self.outbox_events())

    def test_one_event_type_leaves_the_others_of_its_group(self):
        ok, failed = self.run_tasks(['task.success'], {'atoms': 1},
                                    {'atoms': 1, 'fail_at': 0})
        self.assertEqual(['task.create', 'task.processing', 'task.failure'],
                         self.notifications.event_types(failed.id))
        self.assertNotIn('task.success', self.outbox_events())

    def test_several_event_types(self):
        [task] = self.run_tasks(['task.create', 'task.failure'],
                                {'atoms': 1, 'fail_at': 0})
        self.assertEqual(['task.processing'],
                         self.notifications.event_types(task.id))
        self.assertEqual(['task.processing'], self.outbox_events())

    def test_whole_group(self):
        [task] = self.run_tasks(['task'], {'atoms': 1})
        self.assertEqual('success',
                         task_db.get(self.context, task.id).status)
        self.assertEqual([], self.notifications.messages)
        self.assertEqual([], self.outbox_events())

    def test_other_group_and_partial_names_disable_nothing(self):
        [task] = self.run_tasks(['image', 'tas', 'task.succ', 'task.*'],
                                {'atoms': 1})
        self.assertEqual(ALL, self.notifications.event_types(task.id))
