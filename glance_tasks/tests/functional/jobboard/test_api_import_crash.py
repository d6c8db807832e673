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

"""A SIGKILLed engine in the middle of an ``api_image_import`` (jobboard).

The jobboard counterpart of :mod:`..images.test_api_import_crash`: this
process is the API's task service and posts the import's job to Redis;
engine 1 (a real ``glance-tasks-engine``) claims it and is SIGKILLed
while it fetches the data (web-download, from a slow source served by
the test) or writes it to the store (glance-direct, the engine's store
disk made slow). Engine 2 takes the job over once the dead engine's
claim expires, and the task ends ``success`` with the source's
checksum, or ``failure`` with the image ``queued`` -- and either way
nothing is left in staging and the import lock is released.
"""

import hashlib
import os
import signal
import sys

from glance_tasks import service as service_mod
from glance_tasks.task_types import api_image_import
from glance_tasks.task_types.api_image_import import claim
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests.functional.images import api_import
from glance_tasks.tests.functional.jobboard import base as jb_base
from glance_tasks.tests.functional.jobboard import fixtures as jb_fixtures
from glance_tasks.tests.functional import service
from glance_tasks.tests.unit.images import fixtures as image_fixtures

SIZE = 8 * 1024 * 1024
RATE = 8 * 1024 * 1024  # bytes per second: about 1 s per transfer
SLOW_ENGINE = [sys.executable, '-m',
               'glance_tasks.tests.functional.images.slow_store_engine']
TYPES = ('api_image_import',)


class ApiImportEngineCrashTest(jb_base.JobboardTestCase):

    # The dead engine's claim, and its executor lease, lapse quickly.
    EXPIRATION_TIME = 2
    LEASE = 3

    def setUp(self):
        super().setUp()
        self.source_dir = os.path.join(self.state_path, 'source')
        self.server = self.useFixture(
            image_fixtures.ImageServer(self.source_dir))
        self.source = image_fixtures.make_image(self.source_dir, 'big.raw',
                                                size=SIZE)
        with open(self.source, 'rb') as f:
            self.checksum = hashlib.md5(f.read()).hexdigest()
        self.staging_dir = os.path.join(self.state_path, 'staging')
        self.store_dir = self.conf.glance_store.filesystem_store_datadir

    def service_config(self, name, task_types, **options):
        """The import type everywhere, loopback sources, short leases."""
        for group, values in service.loopback_imports(10).items():
            options.setdefault(group, {}).update(values)
        options.setdefault('image_import', {})['fetch_retry_backoff'] = 0
        options.setdefault('task_executor', {}).update(
            lease_duration=self.LEASE, sweep_interval=1)
        return super().service_config(name, TYPES, **options)

    def poster(self):
        registry = registry_mod.TaskTypeRegistry(
            [api_image_import.ApiImageImport], TYPES)
        poster = service_mod.TaskService(self.conf, registry=registry)
        poster.start()
        self.addCleanup(poster.stop)
        return poster

    def files_in(self, directory):
        if not os.path.isdir(directory):
            return []
        return sorted(os.listdir(directory))

    def files_bytes(self, directory):
        return sum(os.path.getsize(os.path.join(directory, name))
                   for name in self.files_in(directory))

    def import_then_kill(self, image_id, task_input, busy, **engine_args):
        """Engine 1 runs the import; SIGKILLed once ``busy()`` holds."""
        first, = self.engines.start(1, **engine_args)
        task = api_import.begin_import(self.poster(), self.context,
                                       image_id, task_input)
        jb_fixtures.wait_until(busy, 60, 'engine 1 to be busy importing')
        first.signal(signal.SIGKILL)
        self.assertEqual(-signal.SIGKILL, first.wait())
        self.assertEqual('processing', self.statuses()[task.id][0])
        return task.id

    def take_over(self, task_id, image_id):
        """Engine 2 takes the job over; the task's end and the image."""
        second, = self.engines.start(1)
        status, message = self.wait_all_ended([task_id], 90)[task_id]
        self.assertIn('resuming task', second.log_text())
        [image] = self.db.query(
            'SELECT status, checksum FROM images WHERE id = :id',
            id=image_id)
        return status, message, image

    def assertEndedCleanly(self, image_id, status, message, image):
        if status == 'success':
            self.assertEqual('active', image.status)
            self.assertEqual(self.checksum, image.checksum)
            self.assertEqual(SIZE, self.files_bytes(self.store_dir))
        else:
            self.assertEqual('failure', status)
            self.assertEqual('queued', image.status, message)
            self.assertEqual([], self.files_in(self.store_dir))
        self.assertEqual([], self.files_in(self.staging_dir))
        self.assertEqual([], self.db.query(
            'SELECT value FROM image_properties WHERE image_id = :id AND '
            'name = :name AND deleted = :no', id=image_id,
            name=claim.LOCK, no=False))
        jb_fixtures.wait_until(lambda: self.job_count() == 0, 10,
                               'the job to be consumed')

    def test_sigkill_while_downloading(self):
        image = api_import.new_image(self.conf)
        task_id = self.import_then_kill(
            image.id, api_import.import_input(
                image.id, 'web-download',
                uri=self.server.url('big.raw', 'slow', rate=RATE)),
            lambda: self.files_bytes(self.staging_dir) > 1024 * 1024)

        status, message, row = self.take_over(task_id, image.id)

        self.assertEqual('success', status, message)
        self.assertEndedCleanly(image.id, status, message, row)

    def test_sigkill_while_downloading_then_the_source_is_gone(self):
        image = api_import.new_image(self.conf)
        task_id = self.import_then_kill(
            image.id, api_import.import_input(
                image.id, 'web-download',
                uri=self.server.url('big.raw', 'slow', rate=RATE)),
            lambda: self.files_bytes(self.staging_dir) > 1024 * 1024)
        os.unlink(self.source)

        status, message, row = self.take_over(task_id, image.id)

        self.assertEqual('failure', status)
        self.assertIn('answered HTTP 404 (Not Found)', message)
        self.assertEndedCleanly(image.id, status, message, row)

    def test_sigkill_while_storing_staged_data(self):
        image = api_import.stage(self.conf, api_import.new_image(self.conf),
                                 self.source)
        task_id = self.import_then_kill(
            image.id, api_import.import_input(image.id, 'glance-direct'),
            lambda: self.files_bytes(self.store_dir) > 1024 * 1024,
            program=SLOW_ENGINE,
            env=dict(os.environ, GT_TEST_STORE_RATE=str(RATE)))
        self.assertLess(self.files_bytes(self.store_dir), SIZE)

        status, message, row = self.take_over(task_id, image.id)

        self.assertEqual('success', status, message)
        self.assertEndedCleanly(image.id, status, message, row)
