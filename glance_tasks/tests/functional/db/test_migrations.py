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

import hashlib
import os
import re

from oslo_db.sqlalchemy import test_fixtures
from oslo_db.sqlalchemy import test_migrations
import sqlalchemy as sa

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import image_list
from glance_tasks.db import images as image_db
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


class TagsMoveMixin:
    """0008 moves the tags out of ``image_properties`` into ``image_tags``.

    Rows written as 0007 wrote them (the tag under ``os_glance_tag:`` and
    the sha256 of the tag), read back after the upgrade by the code.
    """

    IMAGE_ID = '88888888-8888-4888-8888-888888888888'
    TAGS = ('gold', 'Gold', 'gold ', '\u00e9t\u00e9', 't' * 255)

    def _old_tag_row(self, tag, deleted=False):
        return {'image_id': self.IMAGE_ID,
                'name': 'os_glance_tag:' + hashlib.sha256(
                    tag.encode('utf-8')).hexdigest(),
                'value': tag, 'created_at': db_api.utcnow(),
                'deleted': deleted,
                'deleted_at': db_api.utcnow() if deleted else None}

    def _write_as_0007(self, engine):
        meta = sa.MetaData()
        images = sa.Table('images', meta, autoload_with=engine)
        properties = sa.Table('image_properties', meta,
                              autoload_with=engine)
        with engine.begin() as conn:
            conn.execute(images.insert().values(
                id=self.IMAGE_ID, status='queued', visibility='shared',
                min_disk=0, min_ram=0, owner='p',
                created_at=db_api.utcnow()))
            conn.execute(properties.insert(), [
                self._old_tag_row(tag) for tag in self.TAGS] + [
                self._old_tag_row('gone', deleted=True),
                {'image_id': self.IMAGE_ID, 'name': 'os_glance_tag_like',
                 'value': 'kept', 'created_at': db_api.utcnow(),
                 'deleted': False, 'deleted_at': None},
                {'image_id': self.IMAGE_ID, 'name': 'colour',
                 'value': 'red', 'created_at': db_api.utcnow(),
                 'deleted': False, 'deleted_at': None}])

    def test_0008_moves_tags_to_their_table(self):
        engine = db_api.get_engine()
        migration.db_sync(engine, revision='0007')
        self._write_as_0007(engine)
        migration.db_sync(engine)
        context = gt_context.get_admin_context()
        self.assertEqual(sorted(self.TAGS),
                         image_db.get_tags(context, self.IMAGE_ID))
        self.assertEqual({'colour': 'red', 'os_glance_tag_like': 'kept'},
                         image_db.get_properties(context, self.IMAGE_ID))
        with engine.connect() as conn:
            moved = conn.execute(sa.select(
                models.ImageTag.value, models.ImageTag.deleted)).all()
        self.assertIn(('gone', True), moved)
        self.assertEqual(len(self.TAGS) + 1, len(moved))
        # The list's tag filter finds the image by a moved tag, exactly.
        for tag, found in (('Gold', 1), ('gold ', 1), ('gone', 0),
                           ('GOLD', 0)):
            query = image_list.ImageQuery(tags=(tag,))
            self.assertEqual(found, len(image_list.list_images(
                context, query)), tag)
        # The old name is free again: adding the tag writes a tag row.
        image_db.add_tag(context, self.IMAGE_ID, 'gone')
        self.assertIn('gone', image_db.get_tags(context, self.IMAGE_ID))


class _MigrationsTestCase(test_fixtures.OpportunisticDBTestMixin,
                          base.TestCase):
    SKIP_ON_UNAVAILABLE_DB = not base.services_required()


class TestMigrationsSQLite(MigrationsMixin, AdoptionMixin, TagsMoveMixin,
                           _MigrationsTestCase):
    FIXTURE = EmptySQLite


class TestMigrationsMySQL(MigrationsMixin, AdoptionMixin, TagsMoveMixin,
                          _MigrationsTestCase):
    FIXTURE = EmptyMySQL


class TestMigrationsPostgreSQL(MigrationsMixin, AdoptionMixin,
                               TagsMoveMixin, _MigrationsTestCase):
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
