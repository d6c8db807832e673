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

"""Models and alembic migrations agree, on SQLite, MySQL and PostgreSQL.

These fixtures provision an *empty* database (no ``GeneratesSchema``): the
tests run the migrations themselves.
"""

import os
import re

from oslo_db.sqlalchemy import test_fixtures
from oslo_db.sqlalchemy import test_migrations
import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.db import migration
from glance_tasks.db.sqlalchemy import models
from glance_tasks.tests import base

VERSIONS_DIR = os.path.join(os.path.dirname(migration.__file__),
                            'sqlalchemy', 'alembic', 'versions')


class _EmptyDatabase:
    def get_enginefacade(self):
        return db_api.context_manager


class EmptySQLite(_EmptyDatabase, test_fixtures.OpportunisticDbFixture):
    pass


class EmptyMySQL(_EmptyDatabase, test_fixtures.MySQLOpportunisticFixture):
    pass


class EmptyPostgreSQL(_EmptyDatabase,
                      test_fixtures.PostgresqlOpportunisticFixture):
    pass


def _revisions_in_files():
    """``{revision: down_revision}`` read from the version files' text."""
    found = {}
    for name in sorted(os.listdir(VERSIONS_DIR)):
        if not name.endswith('.py'):
            continue
        with open(os.path.join(VERSIONS_DIR, name)) as source:
            text = source.read()
        revision = re.search(r"^revision = '(\w+)'$", text, re.M).group(1)
        down = re.search(r"^down_revision = '?(\w+)'?$", text, re.M).group(1)
        found[revision] = None if down == 'None' else down
    return found


class MigrationsMixin(test_migrations.ModelsMigrationsSync):
    """``test_models_sync`` from oslo.db, plus our version bookkeeping."""

    def get_metadata(self):
        return models.Base.metadata

    def get_engine(self):
        return db_api.get_engine()

    def db_sync(self, engine):
        migration.db_sync(engine)

    def include_object(self, object_, name, type_, reflected, compare_to):
        # Alembic's bookkeeping, under the name migration.py gives it.
        return not (type_ == 'table' and name == migration.VERSION_TABLE)

    def test_head_revision_is_the_one_head_of_the_files(self):
        revisions = _revisions_in_files()
        heads = set(revisions) - set(revisions.values())
        self.assertEqual(1, len(heads), 'one head, no branches: %s' % heads)
        self.assertEqual(heads.pop(), migration.head_revision())
        self.assertEqual(1, list(revisions.values()).count(None),
                         'exactly one first revision')

    def test_version_before_and_after_sync(self):
        engine = self.get_engine()
        self.assertIsNone(migration.db_version(engine))
        migration.db_sync(engine)
        self.assertEqual(migration.head_revision(),
                         migration.db_version(engine))
        # A second sync is a no-op that keeps the revision.
        migration.db_sync(engine)
        self.assertEqual(migration.head_revision(),
                         migration.db_version(engine))
        self.assertIn(migration.VERSION_TABLE,
                      sa.inspect(engine).get_table_names())
        self.assertNotIn('alembic_version',
                         sa.inspect(engine).get_table_names())

    def test_sync_one_revision_at_a_time(self):
        engine = self.get_engine()
        revisions = _revisions_in_files()
        order, current = [], None
        while len(order) < len(revisions):
            current = next(r for r, down in revisions.items()
                           if down == current)
            order.append(current)
        for revision in order:
            migration.db_sync(engine, revision=revision)
            self.assertEqual(revision, migration.db_version(engine))
        self.assertEqual(migration.head_revision(), order[-1])

    def test_defaults_to_the_service_engine(self):
        self.assertIsNone(migration.db_version())
        migration.db_sync()
        self.assertEqual(migration.head_revision(), migration.db_version())
        self.assertEqual(
            {table.name for table in models.Base.metadata.sorted_tables},
            set(sa.inspect(self.get_engine()).get_table_names())
            - {migration.VERSION_TABLE})


class PersistenceMigrationsMixin(test_migrations.ModelsMigrationsSync):
    """A separate flow persistence database: the checkpoint table only."""

    def get_metadata(self):
        return models.checkpoint_metadata()

    def get_engine(self):
        return db_api.get_engine()

    def db_sync(self, engine):
        migration.persistence_sync(engine)

    def include_object(self, object_, name, type_, reflected, compare_to):
        return not (type_ == 'table' and
                    name == migration.PERSISTENCE_VERSION_TABLE)

    def test_sync_creates_the_checkpoint_table_only(self):
        engine = self.get_engine()
        self.assertIsNone(migration.persistence_version(engine))
        migration.persistence_sync(engine)
        migration.persistence_sync(engine)
        self.assertEqual(migration.persistence_head_revision(),
                         migration.persistence_version(engine))
        self.assertEqual(
            {models.FlowCheckpoint.__tablename__,
             migration.PERSISTENCE_VERSION_TABLE},
            set(sa.inspect(engine).get_table_names()))

    def test_a_table_created_at_run_time_is_adopted(self):
        # Releases before 0005 created the table when a process started.
        engine = self.get_engine()
        models.checkpoint_metadata().create_all(engine)
        migration.persistence_sync(engine)
        self.assertEqual(migration.persistence_head_revision(),
                         migration.persistence_version(engine))


class AdoptionMixin:
    """0005 adopts a checkpoint table an older release created."""

    def test_0005_adopts_a_checkpoint_table_created_at_run_time(self):
        engine = db_api.get_engine()
        migration.db_sync(engine, revision='0004')
        models.checkpoint_metadata().create_all(engine)
        with engine.begin() as conn:
            conn.execute(models.FlowCheckpoint.__table__.insert().values(
                book_uuid='kept', data='{}', updated_at=db_api.utcnow()))
        migration.db_sync(engine)
        self.assertEqual(migration.head_revision(),
                         migration.db_version(engine))
        with engine.connect() as conn:
            self.assertEqual(['kept'], list(conn.execute(sa.select(
                models.FlowCheckpoint.__table__.c.book_uuid)).scalars()))


class _MigrationsTestCase(test_fixtures.OpportunisticDBTestMixin,
                          base.TestCase):
    SKIP_ON_UNAVAILABLE_DB = not base.services_required()


class TestMigrationsSQLite(MigrationsMixin, AdoptionMixin,
                           _MigrationsTestCase):
    FIXTURE = EmptySQLite


class TestMigrationsMySQL(MigrationsMixin, AdoptionMixin,
                          _MigrationsTestCase):
    FIXTURE = EmptyMySQL


class TestMigrationsPostgreSQL(MigrationsMixin, AdoptionMixin,
                               _MigrationsTestCase):
    FIXTURE = EmptyPostgreSQL


class TestPersistenceMigrationsSQLite(PersistenceMigrationsMixin,
                                      _MigrationsTestCase):
    FIXTURE = EmptySQLite


class TestPersistenceMigrationsMySQL(PersistenceMigrationsMixin,
                                     _MigrationsTestCase):
    FIXTURE = EmptyMySQL


class TestPersistenceMigrationsPostgreSQL(PersistenceMigrationsMixin,
                                          _MigrationsTestCase):
    FIXTURE = EmptyPostgreSQL
