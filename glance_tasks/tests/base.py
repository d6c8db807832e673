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

"""Test bases: real configuration, real databases through oslo.db fixtures.

Set ``GLANCE_TASKS_REQUIRE_SERVICES=1`` (``.ci/run`` does) to turn "MySQL /
PostgreSQL / RabbitMQ not available" from a skip into a failure.

A test's logs, stdout and stderr are captured and attached to its result,
so a reader sees them for a failing test only (stestr prints the details
of failures). ``OS_LOG_CAPTURE=0`` / ``OS_STDOUT_CAPTURE=0`` /
``OS_STDERR_CAPTURE=0`` print them live instead, and ``OS_DEBUG`` sets the
captured level (``DEBUG`` unless told; ``TRACE`` adds TaskFlow's traces).
"""

import logging
import os
import socket

import fixtures
from oslo_config import fixture as config_fixture
from oslo_db.sqlalchemy import test_fixtures
from oslotest import base
from oslotest import log as oslotest_log
from oslotest import output

from glance_tasks import conf as gt_conf
from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import migration


def services_required():
    """True when a missing real service must fail the test, not skip it."""
    return os.environ.get('GLANCE_TASKS_REQUIRE_SERVICES', '') not in (
        '', '0', 'false', 'False')


def free_port(host='127.0.0.1'):
    """A TCP port nothing listens on now, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _env_flag(name):
    """False only when the variable says so: capturing is the default."""
    return os.environ.get(name, '') not in ('0', 'false', 'False', 'no')


def capture_logs_and_output(test):
    """Capture ``test``'s logs, stdout and stderr as its details.

    testtools attaches details to the result; stestr prints them for a
    failing test only, so a passing test prints nothing.
    """
    if _env_flag('OS_LOG_CAPTURE'):
        # nuke_handlers: no handler an earlier test (or basicConfig) left
        # on the root logger prints this test's records.
        test.useFixture(fixtures.FakeLogger(
            format=oslotest_log.ConfigureLogging.DEFAULT_FORMAT,
            level=oslotest_log.ConfigureLogging().level or logging.DEBUG,
            nuke_handlers=True))
    test.useFixture(output.CaptureOutput(
        do_stdout=_env_flag('OS_STDOUT_CAPTURE'),
        do_stderr=_env_flag('OS_STDERR_CAPTURE')))


class CaptureMixin:
    """Quiet a test class not built on :class:`TestCase` (mix in first)."""

    def setUp(self):
        super().setUp()
        capture_logs_and_output(self)


class TestCase(base.BaseTestCase):
    """Base for every test: a fresh, fully registered ``ConfigOpts``."""

    def _fake_output(self):
        """Captured together with the logs, in :meth:`_fake_logs`."""

    def _fake_logs(self):
        # oslotest's default (no OS_LOG_CAPTURE) is logging.basicConfig at
        # level NOTSET: every record of every later test in the worker
        # printed, TaskFlow's TRACE included.
        capture_logs_and_output(self)

    def setUp(self):
        super().setUp()
        self.conf = gt_conf.load(args=[])
        self.useFixture(config_fixture.Config(self.conf))
        self.state_path = self.useFixture(fixtures.TempDir()).path
        self.conf.set_override('state_path', self.state_path)


class _MigratedSchema(test_fixtures.GeneratesSchemaFromMigrations):
    """Build each provisioned database by running our alembic migrations."""

    def get_enginefacade(self):
        return db_api.context_manager

    def generate_schema_migrations(self, engine):
        migration.db_sync(engine)


class SQLiteFixture(_MigratedSchema, test_fixtures.OpportunisticDbFixture):
    pass


class MySQLFixture(_MigratedSchema, test_fixtures.MySQLOpportunisticFixture):
    pass


class PostgreSQLFixture(_MigratedSchema,
                        test_fixtures.PostgresqlOpportunisticFixture):
    pass


class DbTestCase(test_fixtures.OpportunisticDBTestMixin, TestCase):
    """A test on a real, migrated database; SQLite unless a subclass says.

    Subclasses set ``FIXTURE = MySQLFixture`` or ``PostgreSQLFixture`` to
    run the same tests on a real server.
    """

    FIXTURE = SQLiteFixture
    SKIP_ON_UNAVAILABLE_DB = not services_required()

    def setUp(self):
        super().setUp()
        self.context = gt_context.get_admin_context()

    @property
    def db_engine(self):
        """The engine of the database provisioned for this test."""
        return db_api.get_engine()
