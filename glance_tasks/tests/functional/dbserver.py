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

"""Private database servers that a fault test may stop and start again.

:class:`PostgreSQLServer` and :class:`MariaDBServer` run Debian's
binaries on a data directory under a temporary directory and a free
loopback port, with relaxed durability (it is a test). Stopping one
disturbs no other test: the shared servers on :5432 and :3306 are never
touched. Both refuse to run as root, so as root PostgreSQL runs as the
``postgres`` user and MariaDB as ``mysql`` (or root, told so).

``url`` is the SQLAlchemy URL of the database ``gt`` on the server;
:meth:`stop` and :meth:`start` are the outage; the fixture's clean-up
stops the server and removes its data.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import fixtures
import testtools

from glance_tasks.tests import base

PG_BIN = '/usr/lib/postgresql/15/bin'
MARIADB_INSTALL = shutil.which('mariadb-install-db') or shutil.which(
    'mysql_install_db')
MARIADBD = shutil.which('mariadbd', path='/usr/sbin:/usr/bin') or \
    shutil.which('mysqld', path='/usr/sbin:/usr/bin')
PASSWORD = 'gt-private-pw'
# Set GT_DBSERVER_DIR to keep the servers' data elsewhere than /tmp.
START_TIMEOUT = 60


def _wait_for_port(port, timeout=START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError('no server on port %d after %d s' % (port, timeout))


def _owned_by(user, path):
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


class _Server(fixtures.Fixture):
    """What both servers share: a temp directory, a port, a clean-up."""

    USER = None  # the system user the server runs as under root

    def _setUp(self):
        self.skip_unless_installed()
        # Not under the test's own temporary directory: that one is
        # private to this user, and the server runs as another.
        self.dir = tempfile.mkdtemp(prefix='gt-%s-' % self.NAME,
                                    dir=os.environ.get('GT_DBSERVER_DIR',
                                                       '/tmp'))
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        _owned_by(self.USER, self.dir)
        self.port = base.free_port()
        self.initialise()
        self.start()
        self.addCleanup(self.stop)
        self.create_database()

    def _as_user(self, command):
        if os.geteuid() == 0:
            return ['runuser', '-u', self.USER, '--'] + command
        return command

    def _run(self, *command):
        subprocess.run(self._as_user(list(command)), check=True,
                       capture_output=True, timeout=START_TIMEOUT)


class PostgreSQLServer(_Server):
    """A PostgreSQL of this test's own."""

    NAME = 'pg'
    USER = 'postgres'

    def skip_unless_installed(self):
        if not os.path.exists(os.path.join(PG_BIN, 'pg_ctl')):
            raise testtools.TestCase.skipException(
                'PostgreSQL server binaries are not installed')

    @property
    def data(self):
        return os.path.join(self.dir, 'data')

    def initialise(self):
        self._run(os.path.join(PG_BIN, 'initdb'), '-D', self.data,
                  '-A', 'trust', '-U', 'gt', '--no-sync')

    def start(self):
        """Start (again) on the same data and port."""
        self._run(os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data, '-w',
                  '-l', os.path.join(self.dir, 'server.log'), '-o',
                  '-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off '
                  '-c synchronous_commit=off -c full_page_writes=off '
                  '-c max_connections=200' % (self.port, self.dir),
                  'start')

    def stop(self):
        """Stop at once: clients' connections are cut."""
        try:
            self._run(os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data,
                      '-w', '-m', 'fast', 'stop')
        except subprocess.CalledProcessError:
            pass  # not running

    def create_database(self):
        self._run(os.path.join(PG_BIN, 'createdb'), '-h', '127.0.0.1',
                  '-p', str(self.port), '-U', 'gt', 'gt')
        self.url = ('postgresql+psycopg2://gt:%s@127.0.0.1:%d/gt' %
                    (PASSWORD, self.port))


class MariaDBServer(_Server):
    """A MariaDB of this test's own."""

    NAME = 'mariadb'
    USER = 'mysql'

    def skip_unless_installed(self):
        if not (MARIADB_INSTALL and MARIADBD):
            raise testtools.TestCase.skipException(
                'MariaDB server binaries are not installed')
        self._process = None

    @property
    def data(self):
        return os.path.join(self.dir, 'data')

    @property
    def socket_path(self):
        return os.path.join(self.dir, 'mysqld.sock')

    def _options(self):
        return ['--no-defaults', '--datadir=%s' % self.data,
                '--socket=%s' % self.socket_path]

    def initialise(self):
        os.mkdir(self.data)
        _owned_by(self.USER, self.data)
        self._run(MARIADB_INSTALL, *self._options(),
                  '--auth-root-authentication-method=normal',
                  '--skip-test-db')

    def start(self):
        """Start (again) on the same data and port."""
        log = open(os.path.join(self.dir, 'server.log'), 'ab')
        self._process = subprocess.Popen(self._as_user([
            MARIADBD, *self._options(), '--port=%d' % self.port,
            '--bind-address=127.0.0.1', '--skip-log-bin',
            '--innodb-flush-log-at-trx-commit=0', '--innodb-doublewrite=0',
            '--innodb-buffer-pool-size=64M', '--max-connections=200',
            '--pid-file=%s' % os.path.join(self.dir, 'mysqld.pid')]),
            stdout=log, stderr=log)
        log.close()
        _wait_for_port(self.port)

    def stop(self):
        """Stop at once: clients' connections are cut."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(START_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def create_database(self):
        import pymysql
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                conn = pymysql.connect(host='127.0.0.1', port=self.port,
                                       user='root')
                break
            except pymysql.err.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with conn:
            with conn.cursor() as cursor:
                cursor.execute('CREATE DATABASE gt CHARACTER SET utf8mb4')
                cursor.execute("CREATE USER 'gt'@'%%' IDENTIFIED BY %s",
                               (PASSWORD,))
                cursor.execute("GRANT ALL ON gt.* TO 'gt'@'%'")
        self.url = ('mysql+pymysql://gt:%s@127.0.0.1:%d/gt?charset=utf8mb4'
                    % (PASSWORD, self.port))
