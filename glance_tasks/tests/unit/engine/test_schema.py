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

"""Every table comes from the migrations: running tasks creates none.

After ``glance-tasks-manage db sync`` (the fixtures run what it runs), a
service starts and runs tasks with no DDL, whether the flow checkpoints
live in the service database or in a database of their own; a database
that was not synced is refused at start with a message saying so.
"""

import sqlalchemy as sa

from glance_tasks import exception
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures


class NoRunTimeDDLTest(gt_fixtures.ServiceTestCase):

    def setUp(self):
        super().setUp()
        self.ddl = []
        # Every engine, also the one made for a separate database.
        sa.event.listen(sa.engine.Engine, 'before_cursor_execute',
                        self._record)
        self.addCleanup(sa.event.remove, sa.engine.Engine,
                        'before_cursor_execute', self._record)

    def _record(self, conn, cursor, statement, *args):
        if statement.split()[0].upper() in ('CREATE', 'ALTER', 'DROP'):
            self.ddl.append(statement)

    def run_a_task(self):
        service = self.make_service()
        task = service.create_task(self.context, 'noop', {'atoms': 2})
        self.assertEqual('success',
                         self.wait_until_finished(service, task.id).status)

    def test_a_separate_persistence_database(self):
        self.run_a_task()
        self.assertEqual([], self.ddl)

    def test_checkpoints_in_the_service_database(self):
        self.conf.clear_override('persistence_connection',
                                 group='task_executor')
        self.run_a_task()
        self.assertEqual([], self.ddl)

    def test_an_unsynced_persistence_database_is_refused_at_start(self):
        self.conf.set_override(
            'persistence_connection', gt_fixtures.sqlite_url(
                self.state_path + '/never-synced.sqlite'),
            group='task_executor')
        error = self.assertRaises(exception.SchemaNotSynced,
                                  self.make_service, start=False)
        self.assertIn("glance-tasks-manage db sync", error.message)
        self.assertIn('glance_tasks_flow_checkpoints', error.message)
