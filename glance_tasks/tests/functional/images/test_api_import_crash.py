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

"""A SIGKILL in the middle of an ``api_image_import``, then a take-over.

A child process runs the import; the test kills it while the data is
being fetched (web-download, from a slow source served by the test) or
written to the store (glance-direct, on a store disk the child makes
slow). This process then starts the service on the same database files:
it takes the task over once the child's lease lapses, and the task ends
``success`` with the source's checksum, or ``failure`` with the image
``queued`` -- and either way nothing is left in staging and the import
lock is released.
"""

import hashlib
import json
import os
import signal
import sqlite3
import time

from glance_tasks.task_types import api_image_import
from glance_tasks.task_types.api_image_import import claim
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests.functional.images import api_import
from glance_tasks.tests.functional.images import test_crash
from glance_tasks.tests.functional import service
from glance_tasks.tests.functional import service_child
from glance_tasks.tests.unit.images import fixtures as image_fixtures

CHILD_TIMEOUT = service_child.CHILD_TIMEOUT
SIZE = 8 * 1024 * 1024
RATE = 8 * 1024 * 1024  # bytes per second: about 1 s per transfer
CHILD = 'glance_tasks.tests.functional.images.api_import_child'


class ApiImportCrashTest(image_fixtures.ImageServiceTestCase):
    """The child and this test share the database files of state_path."""

    ENABLED = ('api_image_import',)

    def setUp(self):
        super().setUp()
        self.dir = self.state_path
        self.config = service_child.child_config(
            self.dir, self.ENABLED,
            options=service.loopback_imports(10)).write()
        for name, value in (('lease_duration', 3), ('sweep_interval', 1)):
            self.conf.set_override(name, value, group='task_executor')
        self.source = image_fixtures.make_image(self.source_dir, 'big.raw',
                                                size=SIZE)
        with open(self.source, 'rb') as f:
            self.checksum = hashlib.md5(f.read()).hexdigest()
        self.useFixture(image_fixtures.fixtures.EnvironmentVariable(
            'GT_TEST_STORE_RATE'))
        self.addOnException(self._attach_log)

    # The child's log, when a test fails.
    _attach_log = test_crash.ImportCrashTest._attach_log

    def registry(self, enabled=None):
        return registry_mod.TaskTypeRegistry(
            [api_image_import.ApiImageImport],
            enabled=self.ENABLED if enabled is None else enabled)

    def query(self, sql, *params):
        with sqlite3.connect(os.path.join(self.dir, 'gt.sqlite')) as conn:
            return conn.execute(sql, params).fetchall()

    def files_bytes(self, directory):
        return sum(os.path.getsize(os.path.join(directory, name))
                   for name in self.files_in(directory))

    def start_and_kill(self, task_input, busy):
        """Run the import in a child; kill it once ``busy()`` holds."""
        proc = self.useFixture(service.ChildProcess(
            service_child.command(self.config, 'create', api_import.TYPE,
                                  json.dumps([task_input]), module=CHILD),
            cwd=self.dir))
        task_id = json.loads(proc.read_line())['ids'][0]
        deadline = time.monotonic() + CHILD_TIMEOUT
        while not busy():
            self.assertIsNone(proc.poll(), 'the child ended on its own')
            self.assertLess(time.monotonic(), deadline,
                            'the import never got going')
            time.sleep(0.02)
        self.assertEqual(-signal.SIGKILL, proc.kill(CHILD_TIMEOUT))
        [(status,)] = self.query('SELECT status FROM tasks WHERE id = ?',
                                 task_id)
        self.assertEqual('processing', status)
        return task_id

    def take_over(self, task_id, image_id):
        """Start the service here; the task's end and the image."""
        service = self.make_service()
        task = self.wait_until_finished(service, task_id, timeout=60)
        service.stop()
        return task, self.image_row(image_id)

    def assertEndedCleanly(self, task, image):
        if task.status == 'success':
            self.assertEqual('active', image.status)
            self.assertEqual(self.checksum, image.checksum)
            self.assertEqual([image.id], self.files_in(self.store_dir))
            self.assertEqual(SIZE, self.files_bytes(self.store_dir))
        else:
            self.assertEqual('failure', task.status)
            self.assertEqual('queued', image.status, task.message)
            self.assertEqual([], self.files_in(self.store_dir))
        self.assertEqual([], self.files_in(self.work_dir))
        self.assertEqual([], self.query(
            'SELECT value FROM image_properties WHERE image_id = ? AND '
            'name = ? AND deleted = 0', image.id, claim.LOCK))

    def test_sigkill_while_downloading(self):
        image = api_import.new_image(self.conf)
        task_id = self.start_and_kill(
            api_import.import_input(
                image.id, 'web-download',
                uri=self.server.url('big.raw', 'slow', rate=RATE)),
            lambda: self.files_bytes(self.work_dir) > 1024 * 1024)

        task, image = self.take_over(task_id, image.id)

        self.assertEqual('success', task.status, task.message)
        self.assertEndedCleanly(task, image)

    def test_sigkill_while_downloading_then_the_source_is_gone(self):
        image = api_import.new_image(self.conf)
        task_id = self.start_and_kill(
            api_import.import_input(
                image.id, 'web-download',
                uri=self.server.url('big.raw', 'slow', rate=RATE)),
            lambda: self.files_bytes(self.work_dir) > 1024 * 1024)
        os.unlink(self.source)

        task, image = self.take_over(task_id, image.id)

        self.assertEqual('failure', task.status)
        self.assertIn('answered HTTP 404 (Not Found)', task.message)
        self.assertEndedCleanly(task, image)

    def test_sigkill_while_storing_staged_data(self):
        self.useFixture(image_fixtures.fixtures.EnvironmentVariable(
            'GT_TEST_STORE_RATE', str(RATE)))
        image = api_import.stage(self.conf, api_import.new_image(self.conf),
                                 self.source)
        task_id = self.start_and_kill(
            api_import.import_input(image.id, 'glance-direct'),
            lambda: self.files_bytes(self.store_dir) > 1024 * 1024)
        self.assertLess(self.files_bytes(self.store_dir), SIZE)

        task, image = self.take_over(task_id, image.id)

        self.assertEqual('success', task.status, task.message)
        self.assertEndedCleanly(task, image)
