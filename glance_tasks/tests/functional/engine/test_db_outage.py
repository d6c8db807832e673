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

"""A database outage under load: no 500, no task dropped, no restart.

``glance-tasks-api`` (the console script, local executor, default lease
and sweep) runs on a private PostgreSQL or MariaDB (:mod:`..dbserver`)
while 4 clients create tasks and list them. The server is stopped for
20 s, then started again. The API answers 503 (with ``Retry-After``)
rather than 500 meanwhile; once the database is back, without any
restart, every task that was created ends within a bound -- one lease,
two sweeps and the runs -- and every notification leaves the outbox.
"""

import collections
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

import sqlalchemy as sa
from testtools import content

from glance_tasks.tests import base
from glance_tasks.tests.functional import dbserver
from glance_tasks.tests.functional import service

CLIENTS = 4
OUTAGE = 20.0
# [task_executor] defaults: the figure is what an operator gets.
LEASE, SWEEP = 30, 10
# After the database is back: the lost leases lapse, a sweep takes the
# tasks over, they run.
BOUND = LEASE + 2 * SWEEP + 30
TASK = json.dumps({'type': 'noop', 'input': {'atoms': 3, 'sleep': 0.1}})
HEADERS = {'X-Project-Id': 'p1', 'Content-Type': 'application/json'}


class OutageMixin:
    """A subclass names the ``SERVER`` fixture class."""

    SERVER = None

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(self.SERVER())
        self.engine = sa.create_engine(self.server.url)
        self.addCleanup(self.engine.dispose)
        config = service.api_config(
            self.state_path, database=self.server.url,
            options={'DEFAULT': {'log_file': self.log}})
        config.db_sync()
        self.addOnException(self._attach_log)
        self.api = self.useFixture(service.APIProcess(config.path))
        self.addCleanup(self._stop_api)
        self.base = self.api.url

    def _stop_api(self):
        try:
            self.api.stop(90)
        except subprocess.TimeoutExpired:
            self.api.kill()

    @property
    def log(self):
        return os.path.join(self.state_path, 'api.log')

    def _attach_log(self, exc_info):
        if os.path.exists(self.log):
            with open(self.log) as f:
                lines = [line for line in f if ' DEBUG ' not in line]
            self.addDetail('api.log', content.text_content(
                ''.join(lines)[-40000:]))

    def _request(self, number):
        if number % 2:
            request = urllib.request.Request(
                self.base + '/v2/tasks', data=TASK.encode(),
                headers=HEADERS, method='POST')
        else:
            request = urllib.request.Request(self.base + '/v2/tasks',
                                             headers=HEADERS)
        try:
            with urllib.request.urlopen(request, timeout=90) as response:
                body = json.load(response)
                return response.status, body.get('id'), None
        except urllib.error.HTTPError as exc:
            return exc.code, None, exc.headers.get('Retry-After')
        except OSError as exc:
            return type(exc).__name__, None, None

    def _clients(self, answers, created, stop):
        def run():
            number = 0
            while not stop.is_set():
                number += 1
                status, task_id, retry_after = self._request(number)
                answers[(status, retry_after is not None)] += 1
                if status == 201:
                    created.append(task_id)
                time.sleep(0.05)
        threads = [threading.Thread(target=run, daemon=True)
                   for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        return threads

    def _live_and_unsent(self):
        with self.engine.connect() as conn:
            statuses = dict(conn.execute(sa.text(
                'SELECT id, status FROM tasks')).all())
            unsent = conn.execute(sa.text(
                'SELECT count(*) FROM notification_outbox '
                'WHERE sent_at IS NULL')).scalar()
        return statuses, unsent

    def test_every_task_ends_after_a_20_s_outage_without_restart(self):
        answers, created, stop = collections.Counter(), [], \
            threading.Event()
        threads = self._clients(answers, created, stop)
        time.sleep(5)
        self.server.stop()
        time.sleep(OUTAGE)
        self.server.start()
        back = time.monotonic()
        time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join(120)

        deadline = back + BOUND
        while True:
            statuses, unsent = self._live_and_unsent()
            live = {i: s for i, s in statuses.items()
                    if s in ('pending', 'processing')}
            if not live and not unsent:
                break
            self.assertLess(time.monotonic(), deadline,
                            'after %d s: %d tasks live %s, %d notifications '
                            'unsent' % (BOUND, len(live),
                                        collections.Counter(live.values()),
                                        unsent))
            time.sleep(0.5)
        ended_after = time.monotonic() - back

        self.addDetail('figures', content.text_content(json.dumps({
            'answers': {'%s%s' % (status, ' +Retry-After' if retry else ''):
                        count for (status, retry), count in answers.items()},
            'tasks': len(statuses),
            'by_status': collections.Counter(statuses.values()),
            'seconds_to_end_after_the_database_returned':
                round(ended_after, 1)}, default=str)))
        self.assertIsNone(self.api.poll(), 'the API died')
        self.assertEqual(0, answers[(500, False)] + answers[(500, True)],
                         answers)
        self.assertGreater(answers[(503, True)], 0, answers)
        # Every task a client was told about exists and ended.
        self.assertEqual(set(), set(created) - set(statuses))
        self.assertEqual({'success'}, set(statuses.values()))
        self.assertLess(ended_after, BOUND)


class TestPostgreSQLOutage(OutageMixin, base.TestCase):
    SERVER = dbserver.PostgreSQLServer


class TestMariaDBOutage(OutageMixin, base.TestCase):
    SERVER = dbserver.MariaDBServer
