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

"""Fixtures for tests that run the task service and its threads.

oslo.db's opportunistic SQLite fixture is an in-memory database on one
connection shared by every thread, which the executor's and the relay's
threads cannot use safely. :class:`FileDatabase` gives a test a migrated
SQLite *file* instead, tuned as the service tunes it, swapped into the
service's enginefacade; TaskFlow's persistence gets a file of its own.

:class:`CapturedNotifications` routes notifications to oslo.messaging's
``test`` driver (the process edge: what would leave for the message bus)
and reads them back.
"""

import os
import time

import fixtures
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures
from oslo_messaging.notify import _impl_test
import sqlalchemy as sa

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import migration
from glance_tasks.domain import task as task_domain
from glance_tasks.engine import persistence
from glance_tasks import service as service_mod
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests import base
from glance_tasks.tests.unit.engine import sample_types

DB_NAME = 'gt.sqlite'
PERSISTENCE_NAME = 'taskflow.sqlite'


def sqlite_url(path):
    return 'sqlite:///%s' % path


class FileDatabase(fixtures.Fixture):
    """A migrated SQLite file as the service database of one test.

    Sets ``[database] connection`` and ``[task_executor]
    persistence_connection`` on ``conf`` to files under ``directory``.
    """

    def __init__(self, conf, directory):
        super().__init__()
        self.conf = conf
        self.directory = directory
        self.path = os.path.join(directory, DB_NAME)
        self.url = sqlite_url(self.path)
        self.persistence_path = os.path.join(directory, PERSISTENCE_NAME)
        self.persistence_url = sqlite_url(self.persistence_path)

    def _setUp(self):
        facade = enginefacade.transaction_context()
        self.engine = db_api.setup_facade(
            facade, {'connection': self.url, 'sqlite_fk': True})
        migration.db_sync(self.engine)
        self.useFixture(test_fixtures.ReplaceEngineFacadeFixture(
            db_api.context_manager, facade))
        self.conf.set_override('connection', self.url, group='database')
        self.conf.set_override('persistence_connection',
                               self.persistence_url, group='task_executor')
        # As ``glance-tasks-manage db sync`` does for a separate database.
        persistence.sync_own_database(self.conf)

    def rows(self, table, order_by='rowid'):
        """Every row of ``table``, as dicts, read straight from the file."""
        with self.engine.connect() as conn:
            result = conn.execute(sa.text(
                'SELECT * FROM %s ORDER BY %s' % (table, order_by)))
            return [dict(row._mapping) for row in result]


class CapturedNotifications(fixtures.Fixture):
    """Send notifications to oslo.messaging's in-memory ``test`` driver."""

    def __init__(self, conf):
        super().__init__()
        self.conf = conf

    def _setUp(self):
        group = 'oslo_messaging_notifications'
        self.conf.set_override('driver', ['test'], group=group)
        self.conf.set_override('transport_url', 'fake:/', group=group)
        _impl_test.reset()
        self.addCleanup(_impl_test.reset)

    @property
    def messages(self):
        """Every notification delivered so far, as sent, in order."""
        # ``reset`` rebinds the module's list: always read it from there.
        return [message for _ctxt, message, _prio, _retry
                in _impl_test.NOTIFICATIONS]

    def of_task(self, task_id):
        return [message for message in self.messages
                if message['payload'].get('id') == task_id]

    def event_types(self, task_id):
        return [message['event_type'] for message in self.of_task(task_id)]


def wait_for(predicate, timeout=20.0, interval=0.02, what='condition'):
    """Poll ``predicate`` until it returns a true value; return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('Timed out after %ss waiting for %s'
                                 % (timeout, what))
        time.sleep(interval)


class ServiceTestCase(base.TestCase):
    """A test that runs a real :class:`TaskService` on SQLite files."""

    ENABLED = tuple(task_type.name for task_type in sample_types.ALL)

    def setUp(self):
        super().setUp()
        self.conf.set_override('enabled_task_types', list(self.ENABLED),
                               group='task')
        self.conf.set_override('purge_interval', 0, group='task')
        self.db = self.useFixture(FileDatabase(self.conf, self.state_path))
        self.notifications = self.useFixture(
            CapturedNotifications(self.conf))
        self.context = gt_context.RequestContext(
            project_id='project-a', user_id='user-a')

    def registry(self, enabled=None):
        return registry_mod.TaskTypeRegistry(
            sample_types.ALL,
            enabled=self.ENABLED if enabled is None else enabled)

    def make_service(self, start=True, **kwargs):
        kwargs.setdefault('registry', self.registry())
        service = service_mod.TaskService(self.conf, **kwargs)
        if start:
            service.start()
        self.addCleanup(service.stop)
        return service

    def wait_until_finished(self, service, task_id, timeout=20.0):
        def finished():
            task = service.get_task(self.context, task_id)
            return task if task.status in task_domain.TABLE.terminal \
                else None
        return wait_for(finished, timeout, what='task %s to end' % task_id)

    def wait_for_events(self, task_id, count, timeout=20.0):
        return wait_for(
            lambda: (len(self.notifications.of_task(task_id)) >= count
                     and self.notifications.of_task(task_id)),
            timeout, what='%d notifications of task %s' % (count, task_id))
