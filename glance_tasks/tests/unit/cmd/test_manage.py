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

"""``glance-tasks-manage`` run as a real process on a SQLite file.

The enginefacade of a process can be configured once only
(:func:`glance_tasks.db.api.configure`), so each command runs as its own
process, as an operator runs it; the tests check its output, exit status
and the database it leaves behind.
"""

import datetime
import os
import subprocess
import sys

import fixtures
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures
from oslo_utils import fixture as utils_fixture
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import migration
from glance_tasks.db import tasks as task_db
from glance_tasks.tests import base


class TestManage(base.TestCase):

    def setUp(self):
        super().setUp()
        self.workdir = self.useFixture(fixtures.TempDir()).path
        # A state_path that does not exist yet: the command creates it.
        self.state = os.path.join(self.workdir, 'state')

    def write_conf(self, **database):
        path = os.path.join(self.workdir, 'glance-tasks.conf')
        lines = ['[DEFAULT]', 'state_path = %s' % self.state, '']
        if database:
            lines += ['[database]'] + ['%s = %s' % item
                                       for item in database.items()]
        with open(path, 'w') as conf_file:
            conf_file.write('\n'.join(lines) + '\n')
        return path

    def manage(self, conf_path, *args, expect=0):
        process = subprocess.run(
            [sys.executable, '-m', 'glance_tasks.cmd.manage',
             '--config-file', conf_path] + list(args),
            cwd=self.workdir, capture_output=True, text=True, timeout=300)
        self.assertEqual(expect, process.returncode,
                         'stdout: %s\nstderr: %s' % (process.stdout,
                                                     process.stderr))
        return process

    def file_engine(self, path):
        engine = sa.create_engine('sqlite:///%s' % path)
        self.addCleanup(engine.dispose)
        return engine

    def test_db_version_sync_version(self):
        conf_path = self.write_conf()
        database = os.path.join(self.state, 'glance_tasks.sqlite')

        before = self.manage(conf_path, 'db', 'version')
        self.assertEqual('None (empty database)',
                         before.stdout.strip().splitlines()[-1])

        synced = self.manage(conf_path, 'db', 'sync')
        head = migration.head_revision()
        self.assertIn('Database is at revision %s.' % head,
                      synced.stdout.splitlines())
        # The default connection puts the database under state_path.
        self.assertTrue(os.path.isfile(database))
        self.assertEqual(head, migration.db_version(
            self.file_engine(database)))

        after = self.manage(conf_path, 'db', 'version')
        self.assertEqual(head, after.stdout.strip().splitlines()[-1])

    def seed_old_rows(self, database):
        """Rows for purge: some older than 30 days, some not."""
        facade = enginefacade.transaction_context()
        facade.configure(connection='sqlite:///%s' % database)
        engine = facade.writer.get_engine()
        self.addCleanup(engine.dispose)
        migration.db_sync(engine)
        self.useFixture(test_fixtures.ReplaceEngineFacadeFixture(
            db_api.context_manager, facade))
        context = gt_context.get_admin_context()
        now = timeutils.utcnow()

        def new_task():
            return task_db.create(context, {
                'id': uuidutils.generate_uuid(), 'type': 'import'}).id

        with utils_fixture.TimeFixture(
                now - datetime.timedelta(days=40)) as clock:
            expired = new_task()
            task_db.update_status(context, expired, 'pending', 'failure',
                                  ttl_hours=48, message='old failure')
            task_db.delete(context, new_task())
            image_db.delete(context, image_db.create(
                context, {'id': uuidutils.generate_uuid()}).id)
            clock.advance_time_delta(datetime.timedelta(days=30))
            task_db.delete(context, new_task())
            image_db.delete(context, image_db.create(
                context, {'id': uuidutils.generate_uuid()}).id)
        new_task()
        return engine

    def count(self, engine, table):
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(
                sa.table(table))).scalar()

    def test_tasks_purge_on_configured_database(self):
        # [database] connection wins over the default under state_path.
        database = os.path.join(self.workdir, 'elsewhere.sqlite')
        conf_path = self.write_conf(connection='sqlite:///%s' % database)
        engine = self.seed_old_rows(database)
        self.assertEqual((4, 2), (self.count(engine, 'tasks'),
                                  self.count(engine, 'images')))
        engine.dispose()

        purged = self.manage(conf_path, 'tasks', 'purge',
                             '--age-in-days', '30')

        self.assertIn('Purged 2 task(s), 1 deleted image(s) and 0 '
                      'delivered notification(s).',
                      purged.stdout.splitlines())
        self.assertEqual((2, 1), (self.count(engine, 'tasks'),
                                  self.count(engine, 'images')))
        self.assertFalse(os.path.exists(
            os.path.join(self.state, 'glance_tasks.sqlite')))

    def test_unknown_command_fails_before_touching_anything(self):
        conf_path = self.write_conf()
        failed = self.manage(conf_path, 'db', 'upgrade', expect=2)
        self.assertIn("invalid choice: 'upgrade'", failed.stderr)
        self.assertFalse(os.path.exists(self.state))
