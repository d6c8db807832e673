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

"""Engines on a jobboard through a database outage: no job dropped.

Two ``glance-tasks-engine`` processes run tasks from a Redis jobboard on
a private PostgreSQL (:mod:`..dbserver`), which is stopped for 20 s
while they work and then started again. A job whose handling hits the
database error is abandoned for another try, never consumed: once the
database is back every task ends, without restarting anything, and
every job is consumed.
"""

import time

from testtools import content

from glance_tasks.tests.functional import dbserver
from glance_tasks.tests.functional.jobboard import base as jb_base
from glance_tasks.tests.functional.jobboard import fixtures as jb_fixtures

OUTAGE = 20.0
TASKS = 60
# Tasks abandoned during the outage are claimed again within a second;
# those whose job was lost from view are posted again by a sweep.
BOUND = 60


class PrivateDatabase(jb_fixtures.SharedDatabase):
    """The shared database, on a server of this test's own."""

    def __init__(self, conf, directory, url):
        super().__init__(conf, directory)
        self._url = url

    def _provision_postgresql(self):
        return self._url


class EngineOutageTest(jb_base.JobboardTestCase):

    SWEEP_INTERVAL = 5

    def database_fixture(self):
        self.server = self.useFixture(dbserver.PostgreSQLServer())
        return PrivateDatabase(self.conf, self.state_path, self.server.url)

    def test_every_task_ends_after_a_20_s_outage(self):
        engines = self.engines.start(2)
        service = self.poster()
        ids = self.create(service, TASKS, sleep=0.5)
        time.sleep(1)
        self.server.stop()
        time.sleep(OUTAGE)
        self.server.start()
        back = time.monotonic()

        statuses = self.wait_all_ended(ids, BOUND)

        ended_after = time.monotonic() - back
        self.assertEqual({'success'}, {statuses[i][0] for i in ids},
                         {i: statuses[i] for i in ids
                          if statuses[i][0] != 'success'})
        for engine in engines:
            engine.check_alive()
        jb_fixtures.wait_until(lambda: self.job_count() == 0, 30,
                               'every job to be consumed')
        self.addDetail('figures', content.text_content(
            'seconds to end after the database returned: %.1f'
            % ended_after))
