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

"""A SIGKILL in the middle of a large import, then a restart.

The source is served slowly by an HTTP server in the test process, so it
outlives the child process that runs the task. The child is killed while
the image is ``saving`` and part of the data is staged. Then the test
starts the service itself on the same database files (as a restarted
process would): the task is resumed (the fetch runs again) and ends
``success`` with an ``active`` image, or ``failure`` with a message and
the image ``killed`` -- never stuck in ``saving`` -- and no staged file is
left behind.
"""

import hashlib
import json
import os
import signal
import sqlite3
import time

import testtools
from testtools import content

from glance_tasks.tests.functional import service
from glance_tasks.tests.functional import service_child
from glance_tasks.tests.unit.images import fixtures as image_fixtures

CHILD_TIMEOUT = service_child.CHILD_TIMEOUT
SIZE = 8 * 1024 * 1024
RATE = 8 * 1024 * 1024  # bytes per second: about 1 s per download


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class ImportCrashTest(image_fixtures.ImageServiceTestCase):
    """The child and this test share the database files of state_path."""

    def setUp(self):
        super().setUp()
        self.dir = self.state_path
        self.config = service_child.child_config(
            self.dir, ('import',),
            options=service.loopback_imports(10)).write()
        # This process takes the task over once the child's lease lapses.
        for name, value in (('lease_duration', 3), ('sweep_interval', 1)):
            self.conf.set_override(name, value, group='task_executor')
        self.source = image_fixtures.make_image(self.source_dir, 'big.raw',
                                                size=SIZE)
        self.addOnException(self._attach_log)

    def _attach_log(self, exc_info):
        path = os.path.join(self.dir, 'child.log')
        if os.path.exists(path):
            with open(path) as f:
                self.addDetail('child.log',
                               content.text_content(f.read()[-50000:]))

    def query(self, sql, *params):
        with sqlite3.connect(os.path.join(self.dir, 'gt.sqlite')) as conn:
            return conn.execute(sql, params).fetchall()

    def staged_bytes(self):
        if not os.path.isdir(self.work_dir):
            return 0
        return sum(os.path.getsize(os.path.join(self.work_dir, name))
                   for name in os.listdir(self.work_dir))

    def create_and_kill(self, task_input):
        proc = self.useFixture(service.ChildProcess(
            service_child.command(self.config, 'create', 'import',
                                  json.dumps([task_input])), cwd=self.dir))
        task_id = json.loads(proc.read_line())['ids'][0]
        deadline = time.monotonic() + CHILD_TIMEOUT
        while True:
            self.assertIsNone(proc.poll(), 'the child ended on its own')
            self.assertLess(time.monotonic(), deadline,
                            'the fetch never got going')
            rows = self.query('SELECT i.status FROM tasks t JOIN images i '
                              'ON i.id = t.image_id WHERE t.id = ?',
                              task_id)
            if rows and rows[0][0] == 'saving' and \
                    self.staged_bytes() > 1024 * 1024:
                break
            time.sleep(0.02)
        self.assertEqual(-signal.SIGKILL, proc.kill(CHILD_TIMEOUT))
        [(status, image_id)] = self.query(
            'SELECT status, image_id FROM tasks WHERE id = ?', task_id)
        self.assertEqual('processing', status)
        [(image_status,)] = self.query(
            'SELECT status FROM images WHERE id = ?', image_id)
        self.assertEqual('saving', image_status)
        self.assertGreater(self.staged_bytes(), 0)
        return task_id, image_id

    def resume(self, task_id):
        """Start the service here, as a restart would; wait for the task."""
        service = self.make_service()  # its start resumes the task
        task = self.wait_until_finished(service, task_id, timeout=60)
        service.stop()  # flush the notifications
        image = self.image_row(task.image_id)
        return {'status': task.status, 'result': task.result,
                'message': task.message, 'image_status': image.status,
                'checksum': image.checksum}

    def task_input(self):
        return {'import_from': self.server.url('big.raw', 'slow', rate=RATE),
                'import_from_format': 'raw',
                'image_properties': {'name': 'big', 'disk_format': 'raw',
                                     'container_format': 'bare'}}

    def image_events(self, image_id):
        rows = self.query('SELECT event_type, payload FROM '
                          'notification_outbox ORDER BY id')
        return [(event, json.loads(payload)['status'])
                for event, payload in rows
                if json.loads(payload)['id'] == image_id]

    def test_sigkill_while_fetching_then_resume(self):
        task_id, image_id = self.create_and_kill(self.task_input())

        task = self.resume(task_id)

        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual({'image_id': image_id}, task['result'])
        self.assertEqual('active', task['image_status'])
        with open(self.source, 'rb') as f:
            self.assertEqual(hashlib.md5(f.read()).hexdigest(),
                             task['checksum'])
        self.assertEqual([image_id], self.files_in(self.store_dir))
        self.assertEqual(SIZE, os.path.getsize(
            os.path.join(self.store_dir, image_id)))
        self.assertEqual([], self.files_in(self.work_dir))
        self.assertEqual([('image.create', 'queued'),
                          ('image.prepare', 'saving'),
                          ('image.upload', 'saving'),
                          ('image.activate', 'active')],
                         self.image_events(image_id))

    def test_sigkill_then_the_source_is_gone(self):
        task_id, image_id = self.create_and_kill(self.task_input())
        os.unlink(self.source)

        task = self.resume(task_id)

        self.assertEqual('failure', task['status'])
        self.assertIn('answered HTTP 404 (Not Found)', task['message'])
        self.assertIsNone(task['result'])
        # Data had arrived before the crash: the image is killed, not
        # left saving, and nothing it staged remains.
        [(status,)] = self.query('SELECT status FROM images WHERE id = ?',
                                 image_id)
        self.assertEqual('killed', status)
        self.assertNoLeftovers()
        self.assertEqual('image.update', self.image_events(image_id)[-1][0])
