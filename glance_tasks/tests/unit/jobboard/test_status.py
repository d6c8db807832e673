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

"""``glance-tasks-status upgrade check``: schema, jobboard, SQLite."""

import datetime
import io
import json
import os
import socket
from unittest import mock

import sqlalchemy as sa

from glance_tasks.cmd import status
from glance_tasks.db import migration
from glance_tasks.notifications import lease as relay_lease
from glance_tasks.tests import base


def closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class UpgradeCheckTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.url = 'sqlite:///%s' % os.path.join(self.state_path, 'gt.db')
        self.conf.set_override('connection', self.url, group='database')
        self.checks = status.UpgradeChecks(self.conf)

    def migrate(self, revision='head'):
        engine = sa.create_engine(self.url)
        migration.db_sync(engine, revision)
        engine.dispose()

    def test_schema_at_head(self):
        self.migrate()
        result = self.checks._check_database_schema()
        self.assertEqual(status.Code.SUCCESS, result.code)
        self.assertIn(migration.head_revision(), result.details)

    def test_empty_and_old_schemas_fail(self):
        result = self.checks._check_database_schema()
        self.assertEqual(status.Code.FAILURE, result.code)
        self.assertIn('glance-tasks-manage db sync', result.details)
        self.migrate('0001')
        result = self.checks._check_database_schema()
        self.assertEqual(status.Code.FAILURE, result.code)
        self.assertIn('0001', result.details)

    def test_unreadable_database_fails(self):
        self.conf.set_override(
            'connection', 'sqlite:////nonexistent-dir/gt.db',
            group='database')
        result = self.checks._check_database_schema()
        self.assertEqual(status.Code.FAILURE, result.code)
        self.assertIn('[database] connection', result.details)

    def test_jobboard_not_used_by_the_local_executor(self):
        result = self.checks._check_jobboard()
        self.assertEqual(status.Code.SUCCESS, result.code)
        self.assertIn('local', result.details)

    def test_unreachable_jobboard_fails(self):
        self.conf.set_override('backend', 'jobboard', group='task_executor')
        self.conf.set_override('port', closed_port(), group='jobboard')
        result = self.checks._check_jobboard()
        self.assertEqual(status.Code.FAILURE, result.code)
        self.assertIn('unreachable', result.details)

    def test_sqlite_with_a_jobboard_is_a_warning(self):
        self.assertEqual(status.Code.SUCCESS,
                         self.checks._check_sqlite_with_jobboard().code)
        self.conf.set_override('backend', 'jobboard', group='task_executor')
        result = self.checks._check_sqlite_with_jobboard()
        self.assertEqual(status.Code.WARNING, result.code)
        self.assertIn('[database] connection', result.details)
        self.conf.set_override(
            'connection', 'postgresql://gt:pw@db.example.org/gt',
            group='database')
        self.conf.set_override(
            'persistence_connection', 'mysql+pymysql://gt:pw@db/flows',
            group='task_executor')
        self.assertEqual(status.Code.SUCCESS,
                         self.checks._check_sqlite_with_jobboard().code)

    def execute(self, statement, **params):
        engine = sa.create_engine(self.url)
        with engine.begin() as conn:
            conn.execute(sa.text(statement), params)
        engine.dispose()

    def add_unsent_notification(self):
        self.execute(
            "INSERT INTO notification_outbox (message_id, event_type, "
            "priority, publisher_id, payload, created_at, attempts) VALUES "
            "('m-1', 'task.create', 'INFO', 'image.localhost', '{}', "
            ":now, 0)", now=datetime.datetime.utcnow())

    def hold_lease(self, holder, seconds):
        self.execute(
            'INSERT INTO leases (name, holder, expires_at) '
            'VALUES (:name, :holder, :until)',
            name=relay_lease.NAME, holder=holder,
            until=datetime.datetime.utcnow() + datetime.timedelta(
                seconds=seconds))

    def test_relay_without_a_schema_is_not_checked(self):
        result = self.checks._check_notification_relay()
        self.assertEqual(status.Code.WARNING, result.code)
        self.assertIn('Not checked', result.details)

    def test_relay_with_nothing_waiting_is_fine(self):
        self.migrate()
        result = self.checks._check_notification_relay()
        self.assertEqual(status.Code.SUCCESS, result.code)
        self.assertIn('No notification waits', result.details)

    def test_notifications_waiting_with_no_relay_are_a_warning(self):
        self.migrate()
        self.add_unsent_notification()
        self.hold_lease('api-1:42:abc', -60)
        result = self.checks._check_notification_relay()
        self.assertEqual(status.Code.WARNING, result.code)
        self.assertIn('1 notification(s) wait', result.details)
        self.assertIn('api-1:42:abc', result.details)

    def test_a_live_relay_is_named(self):
        self.migrate()
        self.add_unsent_notification()
        self.hold_lease('engine-2:7:def', 30)
        result = self.checks._check_notification_relay()
        self.assertEqual(status.Code.SUCCESS, result.code)
        self.assertIn('engine-2:7:def relays', result.details)
        self.assertIn('1 wait', result.details)

    def test_command_exit_status_is_the_worst_result(self):
        self.migrate()
        config = os.path.join(self.state_path, 'gt.conf')
        with open(config, 'w') as f:
            f.write('[database]\nconnection = %s\n' % self.url)
        with mock.patch('sys.stdout', new=io.StringIO()) as out:
            code = status.main(['--config-file', config, 'upgrade', 'check',
                                '--json'])
        self.assertEqual(status.Code.SUCCESS, code)
        report = json.loads(out.getvalue())
        self.assertEqual(['Database schema', 'Jobboard reachable',
                          'SQLite with a jobboard', 'Notification relay',
                          'Image stores'],
                         [check['check'] for check in report['checks']])
