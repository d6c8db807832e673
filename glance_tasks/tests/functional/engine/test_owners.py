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

"""Two task service processes on one database: one owner per task.

Real processes (:mod:`..service_child`) with the local executor share one
SQLite file, or one PostgreSQL database, and import images from an HTTP
server in this process that counts the GETs of each path. While its
owner lives a task runs only there: each source is fetched once, even
when the second process starts while the first is importing. When the
owner is SIGKILLed, the other process takes each of its tasks over once
its lease has lapsed, and they all end.
"""

import json
import os
import time

from oslo_db import exception as db_exc
import sqlalchemy as sa
import testtools
from testtools import content

from glance_tasks.tests import base
from glance_tasks.tests.functional import service
from glance_tasks.tests.functional import service_child
from glance_tasks.tests.unit.images import fixtures as image_fixtures

TASKS = 3  # per process
SIZE = 4 * 1024 * 1024
RATE = 1024 * 1024  # bytes per second: about 4 s per fetch
LEASE = 3
SWEEP = 1
TIMEOUT = 90


class OwnersMixin:
    """The tests; a subclass says which database the processes share."""

    def setUp(self):
        super().setUp()
        self.dir = self.state_path
        self.url = self.database_url()
        self.engine = sa.create_engine(self.url)
        self.addCleanup(self.engine.dispose)
        self.source_dir = os.path.join(self.dir, 'source')
        self.server = self.useFixture(
            image_fixtures.ImageServer(self.source_dir))
        self.children = []
        self.addOnException(self._attach_logs)

    def database_url(self):
        raise NotImplementedError

    def _attach_logs(self, exc_info):
        for name in ('first', 'second'):
            path = os.path.join(self.dir, name + '.log')
            if os.path.exists(path):
                with open(path) as f:
                    self.addDetail(name + '.log', content.text_content(
                        '\n'.join(line for line in f.read().splitlines()
                                  if ' DEBUG ' not in line)[-30000:]))

    def sources(self, prefix):
        urls = []
        for index in range(TASKS):
            name = '%s-%d.raw' % (prefix, index)
            image_fixtures.make_image(self.source_dir, name, size=SIZE)
            urls.append(self.server.url(name, 'slow', rate=RATE))
        return urls

    def spawn(self, name, urls):
        """A service process creating one import per URL: (proc, out)."""
        config = service_child.child_config(
            self.dir, ('import',), log=name, database=self.url,
            options=service.loopback_imports(30, task_executor={
                # The flows' progress in the shared database.
                'persistence_connection': None,
                'lease_duration': LEASE, 'sweep_interval': SWEEP}))
        inputs = [_task_input(url, index) for index, url in enumerate(urls)]
        proc = self.useFixture(service.ChildProcess(
            service_child.command(config.write(), 'create', 'import',
                                  json.dumps(inputs), '--until', 'stdin'),
            cwd=self.dir, stdin=True))
        line = proc.read_line()
        self.assertTrue(line, '%s did not start' % name)
        return proc, json.loads(line)

    def stop(self, proc):
        proc.close_stdin()
        self.assertEqual(0, proc.wait(60))

    def tasks(self, ids):
        with self.engine.connect() as conn:
            return {row.id: row for row in conn.execute(sa.text(
                'SELECT id, status, executor FROM tasks')) if row.id in ids}

    def wait_until_ended(self, ids):
        deadline = time.monotonic() + TIMEOUT
        while True:
            tasks = self.tasks(ids)
            if all(t.status in ('success', 'failure')
                   for t in tasks.values()):
                return tasks
            self.assertLess(time.monotonic(), deadline, 'tasks stuck: %s' %
                            {t.id: t.status for t in tasks.values()})
            time.sleep(0.1)

    def gets(self):
        """GETs per source path."""
        counts = {}
        for path in self.server.requests:
            path = path.split('?')[0]
            counts[path] = counts.get(path, 0) + 1
        return counts

    def wait_for_fetches(self, prefix):
        deadline = time.monotonic() + TIMEOUT
        paths = {'/slow/%s-%d.raw' % (prefix, i) for i in range(TASKS)}
        while not paths <= set(self.gets()):
            self.assertLess(time.monotonic(), deadline, 'fetches never '
                            'started')
            time.sleep(0.05)

    def test_each_source_is_fetched_once_while_its_owner_lives(self):
        first, one = self.spawn('first', self.sources('one'))
        # The second process starts while the first is importing.
        self.wait_for_fetches('one')
        second, two = self.spawn('second', self.sources('two'))

        tasks = self.wait_until_ended(one['ids'] + two['ids'])

        self.assertEqual(['success'] * 2 * TASKS,
                         [t.status for t in tasks.values()])
        self.assertEqual(
            {'/slow/%s-%d.raw' % (prefix, i): 1
             for prefix in ('one', 'two') for i in range(TASKS)},
            self.gets())
        self.assertEqual({one['executor']},
                         {tasks[i].executor for i in one['ids']})
        self.assertEqual({two['executor']},
                         {tasks[i].executor for i in two['ids']})
        self.stop(first)
        self.stop(second)

    def test_a_killed_owners_tasks_are_taken_over_once(self):
        second, idle = self.spawn('second', [])
        first, one = self.spawn('first', self.sources('one'))
        self.wait_for_fetches('one')
        self.assertEqual(-9, first.kill(30))
        killed_at = time.monotonic()

        tasks = self.wait_until_ended(one['ids'])

        self.assertEqual(['success'] * TASKS,
                         [t.status for t in tasks.values()])
        self.assertEqual({idle['executor']},
                         {t.executor for t in tasks.values()})
        # Fetched by the dead owner, then once by the process that took
        # the task over.
        self.assertEqual({'/slow/one-%d.raw' % i: 2 for i in range(TASKS)},
                         self.gets())
        with open(os.path.join(self.dir, 'second.log')) as f:
            log = f.read()
        for task_id in one['ids']:
            self.assertEqual(1, log.count('Task %s (processing) taken over'
                                          % task_id))
        # Taken over within one lease plus one sweep (and the fetch).
        self.assertLess(time.monotonic() - killed_at,
                        LEASE + SWEEP + 2 * SIZE / RATE + 10)
        self.stop(second)


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class TestOwnersSQLite(OwnersMixin, base.TestCase):

    def database_url(self):
        return 'sqlite:///%s' % os.path.join(self.dir, 'gt.sqlite')


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class TestOwnersPostgreSQL(OwnersMixin, base.TestCase):

    def database_url(self):
        try:
            url, drop = service.new_database('postgresql', 'gt_owners')
        except db_exc.BackendNotAvailable:
            if base.services_required():
                raise
            self.skipTest('PostgreSQL is not available')
        self.addCleanup(drop)
        return url


def _task_input(url, index):
    return {'import_from': url, 'import_from_format': 'raw',
            'image_properties': {'name': 'image-%d' % index,
                                 'disk_format': 'raw',
                                 'container_format': 'bare'}}
