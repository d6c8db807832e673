"""Test bases: real configuration, real databases through oslo.db fixtures.

Set ``GLANCE_TASKS_REQUIRE_SERVICES=1`` (``.ci/run`` does) to turn "MySQL /
PostgreSQL / RabbitMQ not available" from a skip into a failure.
"""

import os

import fixtures
from oslo_config import fixture as config_fixture
from oslo_db.sqlalchemy import test_fixtures
from oslotest import base

from glance_tasks import conf as gt_conf
from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import migration


def services_required():
    """True when a missing real service must fail the test, not skip it."""
    return os.environ.get('GLANCE_TASKS_REQUIRE_SERVICES', '') not in (
        '', '0', 'false', 'False')


class TestCase(base.BaseTestCase):
    """Base for every test: a fresh, fully registered ``ConfigOpts``."""

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
