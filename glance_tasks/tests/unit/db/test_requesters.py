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

"""``task_requesters``: kept while a task lives, gone when it ends."""

from glance_tasks.api.handlers import image_import
from glance_tasks.db import requesters as requester_db
from glance_tasks.db import tasks as task_db
from glance_tasks.lifecycle import tasks as task_lifecycle
from glance_tasks.tests import base
from glance_tasks.tests.unit.db import test_tasks


class TestRequesters(test_tasks.TaskDbMixin, base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.lifecycle = task_lifecycle.TaskLifecycle(self.conf)

    def requested(self, token=None):
        task = self.create_task(type=image_import.TASK_TYPE,
                                input={'image_id': 'i'})
        requester_db.record(self.context, task.id, 'user-a',
                            ['member', 'reader'], auth_token=token)
        return task

    def test_recorded_as_given(self):
        task = self.requested('gAAAA-token')
        requester = requester_db.get(self.context, task.id)
        self.assertEqual(('user-a', ['member', 'reader'], 'gAAAA-token'),
                         (requester.user_id, requester.roles,
                          requester.auth_token))
        self.assertNotIn('gAAAA', repr(requester))
        self.assertIsNone(requester_db.get(self.context, 'no-such-task'))

    def test_kept_while_processing_gone_with_the_end(self):
        succeeded, failed, running = (self.requested('t') for _ in range(3))
        for task in (succeeded, failed, running):
            self.lifecycle.start(self.context, task)
        self.lifecycle.succeed(self.context, self.lifecycle_task(succeeded),
                               {'image_id': 'i'})
        self.lifecycle.fail(self.context, self.lifecycle_task(failed), 'no')

        self.assertIsNone(requester_db.get(self.context, succeeded.id))
        self.assertIsNone(requester_db.get(self.context, failed.id))
        self.assertEqual('t', requester_db.get(self.context,
                                               running.id).auth_token)

    def test_gone_with_a_deleted_task(self):
        task = self.requested('t')
        self.lifecycle.delete(self.context, task.id)
        self.assertIsNone(requester_db.get(self.context, task.id))
        self.assertEqual(0, self.count_rows('task_requesters'))

    def test_the_import_call_type_is_one_that_records(self):
        # The final move looks for a requester only for these types.
        self.assertIn(image_import.TASK_TYPE, requester_db.RECORDED_TYPES)

    def test_another_type_ends_without_looking(self):
        task = self.create_task()
        requester_db.record(self.context, task.id, 'user-a', ['member'])
        self.lifecycle.start(self.context, task)
        self.lifecycle.succeed(self.context, self.lifecycle_task(task),
                               {'image_id': 'i'})
        # Nothing records one for an 'import' task; were one there, it
        # would stay until the task is purged (the foreign key cascades).
        self.assertEqual(1, self.count_rows('task_requesters'))

    def lifecycle_task(self, task):
        """The task as now (started), for the next compare-and-swap."""
        return task_db.get(self.context, task.id)
