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

"""Real jobboards, a database shared by processes, and engine processes.

Redis on 127.0.0.1:6379 and ZooKeeper on 127.0.0.1:2181, as
``tools/start-services.sh`` starts them. Each test works in a namespace
of its own and removes it after. A test that restarts Redis runs a
private ``redis-server`` on a free port instead of the shared one.

The database is a PostgreSQL database provisioned by oslo.db (as its
opportunistic tests do) when PostgreSQL is reachable, else a SQLite file
(SQLite works across processes of one host).
"""

import json
import logging
import os
import shutil
import signal
import subprocess
import time

import fixtures
from kazoo import client as kazoo_client
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures
import redis
import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.db import migration
from glance_tasks.tests import base
from glance_tasks.tests.functional import service
from glance_tasks.tests.unit.engine import fixtures as engine_fixtures

HOST = service.HOST
REDIS_PORT = service.BOARD_PORTS['redis']
ZOOKEEPER_PORT = service.BOARD_PORTS['zookeeper']
START_TIMEOUT = 60  # seconds for an engine to say it started


def redis_reachable(port=REDIS_PORT):
    try:
        return redis.Redis(host=HOST, port=port, socket_timeout=2).ping()
    except redis.RedisError:
        return False


def zookeeper_reachable():
    client = kazoo_client.KazooClient(hosts='%s:%d' % (HOST, ZOOKEEPER_PORT))
    try:
        client.start(timeout=3)
    except Exception:
        return False
    client.stop()
    client.close()
    return True


def wait_until(predicate, timeout, what, interval=0.05):
    """Poll ``predicate`` until true; return its value or fail."""
    return engine_fixtures.wait_for(predicate, timeout, interval, what)


class SharedDatabase(fixtures.Fixture):
    """A migrated database for this process and its engine processes.

    Points the service's enginefacade and ``conf`` at it.
    """

    def __init__(self, conf, directory):
        super().__init__()
        self.conf = conf
        self.directory = directory

    def _setUp(self):
        self.url = self._provision_postgresql() or 'sqlite:///%s' % \
            os.path.join(self.directory, 'gt.sqlite')
        facade = enginefacade.transaction_context()
        self.engine = db_api.setup_facade(facade, {
            'connection': self.url, 'sqlite_fk': True, 'max_pool_size': 10,
            'max_overflow': 20})
        self.addCleanup(self.engine.dispose)
        migration.db_sync(self.engine)
        self.useFixture(test_fixtures.ReplaceEngineFacadeFixture(
            db_api.context_manager, facade))
        self.conf.set_override('connection', self.url, group='database')

    def _provision_postgresql(self):
        try:
            url, drop = service.new_database('postgresql', 'gt_jobboard')
        except db_exc.BackendNotAvailable:
            return None
        self.addCleanup(drop)
        return url

    @property
    def name(self):
        return sa.engine.make_url(self.url).get_backend_name()

    def query(self, sql, **params):
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).fetchall()


class RedisServer(fixtures.Fixture):
    """A private redis-server without persistence, that a test restarts."""

    def __init__(self, directory):
        super().__init__()
        self.directory = directory
        self.port = base.free_port(HOST)
        self.proc = None

    def _setUp(self):
        if shutil.which('redis-server') is None:
            raise RuntimeError('redis-server is not installed')
        self.addCleanup(self.stop)
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ['redis-server', '--port', str(self.port), '--bind', HOST,
             '--save', '', '--appendonly', 'no',
             '--dir', self.directory],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: redis_reachable(self.port), 20,
                   'redis-server on port %d' % self.port)

    def stop(self):
        """Stop it losing every key, as ``shutdown nosave`` does."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(20)
        self.proc = None

    def restart(self, down_for=0.5):
        self.stop()
        time.sleep(down_for)
        self.start()


def remove_board(backend, namespace, port=None):
    """Delete every key or znode of a test's namespace."""
    if backend == 'redis':
        client = redis.Redis(host=HOST, port=port or REDIS_PORT,
                             socket_timeout=5)
        try:
            for key in client.scan_iter(match=namespace + ':*'):
                client.delete(key)
        except redis.RedisError:
            pass  # a private server already gone
        return
    client = kazoo_client.KazooClient(hosts='%s:%d' % (HOST, ZOOKEEPER_PORT))
    client.start(timeout=10)
    try:
        client.delete('/' + namespace, recursive=True)
    finally:
        client.stop()
        client.close()


# The logger oslo.messaging's ``log`` driver sends each notification to.
NOTIFICATION_LOGGER = 'oslo.messaging.notification'


def delivered_messages(text):
    """The notifications the ``log`` driver wrote into a log, in order."""
    marker = ' %s.' % NOTIFICATION_LOGGER
    return [json.loads(line[line.index('{'):])
            for line in text.splitlines() if marker in line]


class CapturedDeliveries(fixtures.Fixture):
    """The notifications this process delivers through the ``log`` driver."""

    def _setUp(self):
        self.records = []
        handler = logging.Handler()
        handler.emit = self.records.append
        logger = logging.getLogger(NOTIFICATION_LOGGER)
        logger.addHandler(handler)
        self.addCleanup(logger.removeHandler, handler)

    def messages(self):
        return [json.loads(record.getMessage()) for record in self.records]


class Engine(service.EngineProcess):
    """One glance-tasks-engine process, and what its log tells."""

    def __init__(self, index, config, **kwargs):
        self.index = index
        self.log = config.settings['DEFAULT']['log_file']
        super().__init__(config.write(), os.path.join(
            config.state_path, 'engine-%d.out' % index),
            timeout=START_TIMEOUT, cwd=config.state_path, block=False,
            **kwargs)

    def log_text(self):
        return self.read(self.log)

    def delivered(self):
        """The notifications this engine sent, in the order it sent them."""
        return delivered_messages(self.log_text())

    def finished_tasks(self):
        """Ids of the tasks whose job this engine finished and consumed."""
        marker = ': finished by %s.' % self.name
        return [line.split(' of task ', 1)[1].split(':', 1)[0]
                for line in self.log_text().splitlines() if marker in line]


class Engines(fixtures.Fixture):
    """Engine processes of one test; killed, if still running, after it.

    ``make_config(index)``: the :class:`service.ServiceConfig` of engine
    ``index``.
    """

    def __init__(self, make_config):
        super().__init__()
        self.make_config = make_config
        self.all = []

    def start(self, count=1, **kwargs):
        """Start ``count`` more engines; return them once started.

        ``kwargs``: for :class:`service.EngineProcess` (``program``,
        ``env``).
        """
        first = len(self.all)
        engines = [self.useFixture(Engine(index, self.make_config(index),
                                          **kwargs))
                   for index in range(first, first + count)]
        self.all.extend(engines)
        for engine in engines:
            engine.wait_ready()
        return engines
