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

"""The sweep: tasks whose job the board lost are failed or posted again."""

import datetime

from glance_tasks.db import api as db_api
from glance_tasks.engine import sweep
from glance_tasks.tests.unit.jobboard import test_conductor


class SweepTest(test_conductor.JobTestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('sweep_interval', 10, group='jobboard')
        self.board.connect()
        self.sweeper = sweep.Sweeper(self.conf, self.board, self.backend,
                                     self.registry(), self.lifecycle)
        self.later = db_api.utcnow() + datetime.timedelta(seconds=11)

    def test_a_processing_task_whose_job_is_gone_is_failed(self):
        task = self.create()
        job = self.post(task)
        self.lifecycle.start(self.context, task)
        self.board.wipe()

        self.assertEqual((1, 0), self.sweeper.sweep())

        done = self.task(task.id)
        self.assertEqual('failure', done.status)
        self.assertEqual(sweep.LOST_MESSAGE, done.message)
        self.assertEqual(['task.create', 'task.processing', 'task.failure'],
                         self.events(task.id))
        self.assertNotIn(job, self.board.jobs)

    def test_a_pending_task_without_a_job_is_posted_again(self):
        task = self.create()
        self.post(task, claim_for=None)
        self.board.wipe()

        # Not yet: its poster may be about to post it.
        self.assertEqual((0, 0), self.sweeper.sweep())
        self.assertEqual((0, 1), self.sweeper.sweep(now=self.later))

        [job] = self.board.jobs_of(task.id)
        # The flow saved at the first posting is reused.
        self.assertEqual(task.id, job.book.uuid)
        self.assertEqual((0, 0), self.sweeper.sweep(now=self.later))

    def test_a_pending_task_never_posted_gets_its_flow_saved(self):
        task = self.create()

        self.assertEqual((0, 1), self.sweeper.sweep(now=self.later))

        self.assertEqual([task.id], self.checkpoints())
        [job] = self.board.jobs_of(task.id)
        self.board.claim(job, test_conductor.ME)
        self.assertEqual('consume', self.jobs.run(job, self.control(job)))
        self.assertEqual('success', self.task(task.id).status)

    def test_tasks_with_a_job_are_left_alone(self):
        running = self.create()
        self.post(running)
        self.lifecycle.start(self.context, running)
        waiting = self.create()
        self.post(waiting, claim_for=None)

        self.assertEqual((0, 0), self.sweeper.sweep(now=self.later))
        self.assertEqual('processing', self.task(running.id).status)
        self.assertEqual(1, len(self.board.jobs_of(waiting.id)))

    def test_nothing_is_swept_while_the_board_is_unreachable(self):
        task = self.create()
        self.lifecycle.start(self.context, task)
        self.board.close()

        self.assertEqual((0, 0), self.sweeper.sweep(now=self.later))
        self.assertEqual('processing', self.task(task.id).status)
