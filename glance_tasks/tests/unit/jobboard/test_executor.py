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

"""The API's side with ``backend = jobboard``: tasks become jobs."""

from glance_tasks.engine import jobboard
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures
from glance_tasks.tests.unit.jobboard import test_status


class UnreachableBoardTest(gt_fixtures.ServiceTestCase):

    def test_a_task_created_while_the_board_is_down_stays_pending(self):
        self.conf.set_override('backend', 'jobboard', group='task_executor')
        self.conf.set_override('port', test_status.closed_port(),
                               group='jobboard')
        self.conf.set_override('redis_socket_timeout', 0.5,
                               group='jobboard')
        service = self.make_service()
        self.assertIsInstance(service.executor, jobboard.JobboardExecutor)

        task = service.create_task(self.context, 'noop', {'atoms': 1})

        self.assertEqual('pending', task.status)
        self.assertEqual('pending',
                         service.get_task(self.context, task.id).status)
        # Its flow is saved, so that a sweep only has to post it.
        self.assertIsNotNone(
            service.backend.get_connection().get_logbook(task.id))
