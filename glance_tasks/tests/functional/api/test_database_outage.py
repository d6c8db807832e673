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

"""A real app whose database cannot be reached answers 503, not 500.

The app starts on its SQLite database with seeded tasks and images; the
enginefacade is then pointed at a database that is not there: a
PostgreSQL or MariaDB URL on a closed port, or a SQLite file in a
directory that does not exist. Every route that reads or writes the
database must answer 503 with ``Retry-After`` and an API-SIG body, and
neither the body nor the log may show the SQL, the URL or its password.
"""

import os
import socket
import time

import fixtures
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures
import testtools
import webob

from glance_tasks.api import errors
from glance_tasks.db import api as db_api
from glance_tasks.tests.functional.api import fixtures as api_fixtures
from glance_tasks.tests.functional import dbserver

PASSWORD = 'sekrit-db-pw'
ADMIN = {'X-Roles': 'admin', 'X-Project-Id': api_fixtures.PROJECT_A}
MEMBER = {'X-Roles': 'member,reader', 'X-Project-Id': api_fixtures.PROJECT_A}
TASK = b'{"type": "noop", "input": {"atoms": 1}}'


def closed_port():
    """A bound socket that does not listen: connecting is refused."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    return sock


def request(path, method='GET', body=None, headers=MEMBER):
    req = webob.Request.blank(path, method=method, headers=headers)
    if body is not None:
        req.body = body
        req.content_type = 'application/json'
    return req


class OutageTests:
    """Mixed into a TestCase that gives ``unreachable_url()``."""

    def setUp(self):
        super().setUp()
        self.env = api_fixtures.APIEnvironment()
        self.addCleanup(self.env.stop)
        self.images = self.env.seed_images()
        self.image_id = self.images['ACTIVE_IMAGE']
        self.task_id = self.env.seed_image_task(self.image_id,
                                                api_fixtures.PROJECT_A)
        self._wait_for_success(self.task_id)
        self.tasks_before = self._task_ids()
        # The API's own log lines; the relay and oslo.db log the outage
        # in their own way.
        self.logger = self.useFixture(fixtures.FakeLogger(
            name='glance_tasks.api', level='DEBUG'))
        broken = enginefacade.transaction_context()
        # No connection test at start and no reconnect loop: the outage is
        # the point.
        broken.configure(connection=self.unreachable_url(), max_retries=0)
        self.outage = test_fixtures.ReplaceEngineFacadeFixture(
            db_api.context_manager, broken)
        self.outage.setUp()

    def _wait_for_success(self, task_id):
        path = '/v2/tasks/%s' % task_id
        for _attempt in range(200):
            response = request(path).get_response(self.env.app)
            if response.json['status'] == 'success':
                return
            time.sleep(0.05)
        self.fail('task %s did not end: %s' % (task_id, response.text))

    def _task_ids(self):
        response = request('/v2/tasks', headers=ADMIN).get_response(
            self.env.app)
        self.assertEqual(200, response.status_code, response.text)
        return sorted(task['id'] for task in response.json['tasks'])

    def assert_unavailable(self, response):
        self.assertEqual(503, response.status_code, response.text)
        self.assertEqual(str(errors.DATABASE_RETRY_AFTER),
                         response.headers['Retry-After'])
        self.assertEqual('application/json', response.content_type)
        error = response.json['errors'][0]
        self.assertEqual('image.database_unavailable', error['code'])
        self.assertEqual(503, error['status'])
        self.assertIn('database is unavailable', error['detail'])
        self.assertEqual(error['detail'], response.json['message'])
        for leak in ('Traceback', 'SELECT', 'INSERT', 'SQL', PASSWORD,
                     'sqlalchemy', 'psycopg2', 'pymysql'):
            self.assertNotIn(leak, response.text)

    def assert_log_is_clean(self):
        output = self.logger.output
        self.assertIn('the database is unavailable', output)
        for leak in ('Traceback', 'SELECT', 'INSERT', '[SQL', PASSWORD,
                     '"atoms"'):
            self.assertNotIn(leak, output)

    def test_reads_are_503(self):
        for path in ('/v2/tasks', '/v2/tasks/%s' % self.task_id,
                     '/v2/images', '/v2/images/%s' % self.image_id,
                     '/v2/images/%s/tasks' % self.image_id):
            for headers in (MEMBER, ADMIN):
                with self.subTest(path=path, headers=headers):
                    self.assert_unavailable(request(
                        path, headers=headers).get_response(self.env.app))
        self.assert_log_is_clean()

    def test_writes_are_503_and_leave_nothing(self):
        for path, method, body in (
                ('/v2/tasks', 'POST', TASK),
                ('/v2/images/%s/actions/deactivate' % self.image_id, 'POST',
                 None),
                ('/v2/images/%s' % self.image_id, 'DELETE', None)):
            with self.subTest(path=path, method=method):
                self.assert_unavailable(request(
                    path, method, body).get_response(self.env.app))
        self.assert_log_is_clean()
        self.outage.cleanUp()
        # Back on the real database: no task was created, the image is
        # still there and active.
        self.assertEqual(self.tasks_before, self._task_ids())
        image = request('/v2/images/%s' % self.image_id).get_response(
            self.env.app)
        self.assertEqual('active', image.json['status'])

    def test_requests_without_the_database_still_answer(self):
        # Schemas, versions and the healthcheck need no database. The
        # healthcheck reports the process, not the database: every API
        # process shares it, so a balancer that drained them all on a
        # database outage would only turn 503s into refused connections.
        for path, status in (('/versions', 200), ('/v2/schemas/task', 200),
                             ('/healthcheck', 200)):
            with self.subTest(path=path):
                response = request(path).get_response(self.env.app)
                self.assertEqual(status, response.status_code)

    def test_bad_requests_stay_4xx(self):
        # Checked before any query: a client error is not an outage.
        for path, status in (('/v2/tasks?sort_key=bogus', 400),
                             ('/v2/tasks/not-a-uuid', 404)):
            with self.subTest(path=path):
                response = request(path).get_response(self.env.app)
                self.assertEqual(status, response.status_code,
                                 response.text)


class TestPostgreSQLClosedPort(OutageTests, testtools.TestCase):

    def unreachable_url(self):
        sock = closed_port()
        self.addCleanup(sock.close)
        return ('postgresql+psycopg2://openstack_citest:%s@127.0.0.1:%d/'
                'openstack_citest' % (PASSWORD, sock.getsockname()[1]))


class TestMariaDBClosedPort(OutageTests, testtools.TestCase):

    def unreachable_url(self):
        sock = closed_port()
        self.addCleanup(sock.close)
        return ('mysql+pymysql://openstack_citest:%s@127.0.0.1:%d/'
                'openstack_citest' % (PASSWORD, sock.getsockname()[1]))


class TestSQLiteMissingFile(OutageTests, testtools.TestCase):

    def unreachable_url(self):
        # A file in a directory that is gone (an unmounted volume).
        return 'sqlite:///%s' % os.path.join(
            self.env.tempdir, 'gone', 'glance.sqlite')


class TestPostgreSQLStopped(testtools.TestCase):
    """A real server stopped under the app, then started again."""

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(dbserver.PostgreSQLServer())
        # The API environment on a private PostgreSQL instead of SQLite.
        self.env = api_fixtures.APIEnvironment(
            backend=self.server.url, facade={'max_retries': 0})
        self.addCleanup(self.env.stop)
        self.logger = self.useFixture(fixtures.FakeLogger(
            name='glance_tasks.api', level='DEBUG'))

    def _call(self, path, method='GET', body=None, headers=MEMBER):
        return request(path, method, body, headers).get_response(
            self.env.app)

    def test_outage_is_503_then_service_resumes(self):
        created = self._call('/v2/tasks', 'POST', TASK)
        self.assertEqual(201, created.status_code, created.text)
        before = self._call('/v2/tasks', headers=ADMIN).json['tasks']
        self.server.stop()
        try:
            for path, method, body in (('/v2/tasks', 'GET', None),
                                       ('/v2/tasks', 'POST', TASK),
                                       ('/v2/images', 'GET', None)):
                with self.subTest(path=path, method=method):
                    response = self._call(path, method, body)
                    self.assertEqual(503, response.status_code,
                                     response.text)
                    self.assertEqual(str(errors.DATABASE_RETRY_AFTER),
                                     response.headers['Retry-After'])
                    self.assertEqual(
                        'image.database_unavailable',
                        response.json['errors'][0]['code'])
                    self.assertNotIn(dbserver.PASSWORD, response.text)
        finally:
            self.server.start()
        # No restart of the app: the pool reconnects, and the POST
        # answered 503 created nothing.
        after = self._call('/v2/tasks', headers=ADMIN)
        self.assertEqual(200, after.status_code, after.text)
        self.assertEqual(sorted(task['id'] for task in before),
                         sorted(task['id'] for task in after.json['tasks']))
        self.assertEqual(201, self._call('/v2/tasks', 'POST',
                                         TASK).status_code)
        self.assertNotIn(dbserver.PASSWORD, self.logger.output)
        self.assertNotIn('SELECT', self.logger.output)
