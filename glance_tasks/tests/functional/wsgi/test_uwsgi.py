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

"""The API under uWSGI, from the shipped sample, with two worker processes.

uWSGI (from PyPI, test-requirements.txt) serves
``etc/glance-tasks/glance-tasks-api-uwsgi.ini`` exactly as the
installation guide runs it, with its ``processes = 2``; the database is
prepared with the guide's ``glance-tasks-manage db sync``. Both workers
run task flows in-process on one database (MariaDB when reachable, the
guide's choice, else a SQLite file). Import tasks fetch from a loopback
server that counts its GETs, slowly enough that each task is still
running when the other worker starts: every task must succeed, and each
source must be fetched once -- one owner per task, whichever worker
created it and whichever answers.
"""

import collections
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import fixtures
from oslo_db import exception as db_exc
import sqlalchemy as sa
from testtools import content

from glance_tasks.db import leases
from glance_tasks.engine import ownership
from glance_tasks.tests import base
from glance_tasks.tests.functional import service
from glance_tasks.tests.unit.images import fixtures as image_fixtures

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))))
SAMPLE = os.path.join(REPO, 'etc', 'glance-tasks',
                      'glance-tasks-api-uwsgi.ini')
BIN = os.path.dirname(sys.executable)
UWSGI = os.path.join(BIN, 'uwsgi')
TIMEOUT = 120
IMPORTS = 6
NOOPS = 4
IMAGE_SIZE = 512 * 1024
# Bytes per second the source sends: each import takes about 2 seconds.
SOURCE_RATE = IMAGE_SIZE // 2
REQUEST_LOG = re.compile(r'^\[pid: (\d+)\|app: ')


def _mariadb_url(test):
    """A new MariaDB database as oslo.db provisions it, or None."""
    try:
        url, drop = service.new_database('mysql', 'gt_uwsgi')
    except db_exc.BackendNotAvailable:
        if base.services_required():
            raise
        return None
    test.addCleanup(drop)
    return url


class TestUWSGISample(base.TestCase):

    def setUp(self):
        super().setUp()
        if not os.path.exists(UWSGI):
            self.skipTest('uWSGI is not installed (test-requirements.txt)')
        self.workdir = self.useFixture(fixtures.TempDir()).path
        self.source = self.useFixture(image_fixtures.ImageServer(
            os.path.join(self.workdir, 'source')))
        self.connection = _mariadb_url(self) or 'sqlite:///%s' % \
            os.path.join(self.workdir, 'glance_tasks.sqlite')
        self.config = service.ServiceConfig(
            self.workdir, database=self.connection, notifications='log',
            task_types=('noop', 'import'), options=service.loopback_imports(
                DEFAULT={'log_file': os.path.join(
                    self.workdir, 'glance-tasks-api.log')})).write()
        self._attach_on_failure('glance-tasks-api.log')
        self._attach_on_failure('uwsgi.log')
        # The guide's steps before starting the API.
        self._command('glance-tasks-manage', '--config-file', self.config,
                      'db', 'sync')
        self.assertIn('Upgrade Check Results', self._command(
            'glance-tasks-status', '--config-file', self.config,
            'upgrade', 'check'))

    def _attach_on_failure(self, name):
        path = os.path.join(self.workdir, name)
        self.addOnException(lambda exc_info: self.addDetail(
            name, content.content_from_file(path, buffer_now=True)))

    def _command(self, name, *args):
        done = subprocess.run([os.path.join(BIN, name), *args],
                              capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
        self.assertEqual(0, done.returncode, done.stdout + done.stderr)
        return done.stdout

    def _start_uwsgi(self):
        """uWSGI as the guide starts it; the overrides go before --ini.

        It runs as systemd runs the shipped unit (``Type=notify``): a
        ``NOTIFY_SOCKET`` to send its readiness to.
        """
        self.port = base.free_port()
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(self.notify.close)
        notify_path = os.path.join(self.workdir, 'notify')
        self.notify.bind(notify_path)
        log = open(os.path.join(self.workdir, 'uwsgi.log'), 'wb')
        self.addCleanup(log.close)
        process = subprocess.Popen(
            [UWSGI, '--http-socket', '127.0.0.1:%d' % self.port,
             '--env', 'GLANCE_TASKS_CONFIG_FILES=%s' % self.config,
             '--ini', SAMPLE],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir,
            env=dict(os.environ, NOTIFY_SOCKET=notify_path))
        self.addCleanup(self._stop, process)
        return process

    def _wait_for_ready_notification(self):
        self.notify.settimeout(TIMEOUT)
        messages = []
        while not any('READY=1' in message for message in messages):
            messages.append(self.notify.recv(4096).decode())
        return messages

    def _stop(self, process):
        if process.poll() is None:
            process.kill()
            process.wait(TIMEOUT)

    def _request(self, path, body=None):
        request = urllib.request.Request(
            'http://127.0.0.1:%d%s' % (self.port, path),
            data=json.dumps(body).encode() if body is not None else None,
            headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read() or b'null')

    def _wait_until_serving(self, process):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            self.assertIsNone(process.poll(), 'uWSGI exited')
            try:
                return self._request('/versions')
            except OSError:
                time.sleep(0.2)
        self.fail('uWSGI did not answer within %ds' % TIMEOUT)

    def _create(self, task_type, task_input):
        status, task = self._request('/v2/tasks', {'type': task_type,
                                                   'input': task_input})
        self.assertEqual(201, status)
        return task['id']

    def _import_input(self, number):
        return {
            'import_from': self.source.url('disk-%d.raw' % number, 'slow',
                                           rate=SOURCE_RATE),
            'import_from_format': 'raw',
            'image_properties': {'name': 'disk-%d' % number,
                                 'disk_format': 'raw',
                                 'container_format': 'bare'}}

    def _wait_for_end(self, task_ids):
        deadline = time.monotonic() + TIMEOUT
        tasks = {}
        while time.monotonic() < deadline:
            for task_id in task_ids:
                if tasks.get(task_id, {}).get('status') not in (
                        'success', 'failure'):
                    tasks[task_id] = self._request('/v2/tasks/' + task_id)[1]
            if all(task['status'] in ('success', 'failure')
                   for task in tasks.values()):
                return tasks
            time.sleep(0.2)
        self.fail('tasks still running after %ds: %s' % (TIMEOUT, tasks))

    def _uwsgi_log(self):
        with open(os.path.join(self.workdir, 'uwsgi.log'), errors='replace') \
                as log:
            return log.read()

    def test_two_workers_run_each_task_once(self):
        for number in range(IMPORTS):
            image_fixtures.make_image(self.source.root, 'disk-%d.raw' % number,
                                      size=IMAGE_SIZE)
        process = self._start_uwsgi()
        self._wait_for_ready_notification()
        self._wait_until_serving(process)

        task_ids = [self._create('import', self._import_input(number))
                    for number in range(IMPORTS)]
        task_ids += [self._create('noop', {'atoms': 2})
                     for _ in range(NOOPS)]
        tasks = self._wait_for_end(task_ids)

        self.assertEqual({task_id: 'success' for task_id in task_ids},
                         {task_id: task['status']
                          for task_id, task in tasks.items()},
                         [task.get('message') for task in tasks.values()])
        fetched = collections.Counter(path.split('?')[0]
                                      for path in self.source.requests)
        self.assertEqual({'/slow/disk-%d.raw' % number: 1
                          for number in range(IMPORTS)}, dict(fetched))
        for task_id in task_ids[:IMPORTS]:
            image_id = tasks[task_id]['result']['image_id']
            status, image = self._request('/v2/images/' + image_id)
            self.assertEqual(('active', IMAGE_SIZE),
                             (image['status'], image['size']))

        # The sample's two workers, both of which answered requests, on
        # the socket of the command line only.
        log = self._uwsgi_log()
        self.assertIn('bound to TCP address 127.0.0.1:%d ' % self.port, log)
        self.assertNotIn(':9494', log)
        self.assertIn('spawned uWSGI worker 2 ', log)
        self.assertNotIn('spawned uWSGI worker 3 ', log)
        answered = {match.group(1) for match in map(
            REQUEST_LOG.match, log.splitlines()) if match}
        self.assertEqual(2, len(answered), answered)

        # systemd's stop: SIGTERM, a graceful shutdown, exit status 0;
        # each worker's exit stopped its task service, which released its
        # executor lease (no takeover wait after a restart).
        process.send_signal(signal.SIGTERM)
        self.assertEqual(0, process.wait(TIMEOUT))
        self.assertIn('goodbye to uWSGI', self._uwsgi_log())
        self.assertEqual([leases.RELEASED] * 2, self._executor_leases())

    def _executor_leases(self):
        engine = sa.create_engine(self.connection)
        self.addCleanup(engine.dispose)
        with engine.connect() as conn:
            return [row.expires_at for row in conn.execute(
                sa.select(leases.LEASES.c.expires_at).where(
                    leases.LEASES.c.name.startswith(ownership.PREFIX)))]
