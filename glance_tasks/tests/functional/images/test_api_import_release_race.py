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

"""``api_image_import``'s stranded release, raced against finishing imports.

The hook releases the images whose import lock names a task that has
ended. It must never touch an import that is finishing: each round
prepares imports whose data is stored and recorded (what the ``store``
atom leaves), a few of them stranded (their task failed without its
reverts); threads finish the live ones with the real ``complete-import``
atom while another runs the hook over and over. The live ones must end
``active`` with their data, the stranded ones ``queued`` with nothing
left, on a SQLite file, MariaDB and PostgreSQL.
"""

import hashlib
import os
import queue
import threading

from oslo_utils import uuidutils

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.images import staging
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.lifecycle import tasks as task_lifecycle
from glance_tasks.task_types import api_image_import
from glance_tasks.task_types.api_image_import import claim
from glance_tasks.task_types.api_image_import import stores
from glance_tasks.task_types import base as type_base
from glance_tasks.tests import base
from glance_tasks.tests.functional.images import test_release_race
from glance_tasks.tests.unit.engine import fixtures as engine_fixtures

ROUNDS = test_release_race.ROUNDS
FINISHING = 8
STRANDED = 2
FINISHERS = 4
DATA_SIZE = 8 * 1024
Import = test_release_race.Import


def _admin():
    return gt_context.get_admin_context()


class ApiImportReleaseRaceTests:

    def setUp(self):
        super().setUp()
        self.tasks = task_lifecycle.TaskLifecycle(self.conf)
        self.services = type_base.Services(self.conf)
        self.images = image_lifecycle.ImageLifecycle(self.conf)
        self.store = self.services.image_store

    def _stored_import(self, stranded):
        """An import whose data is stored; its task ended if stranded."""
        context = _admin()
        image = self.images.create(context, {
            'id': uuidutils.generate_uuid(), 'owner': 'project-a',
            'disk_format': 'raw', 'container_format': 'bare'})
        task = self.tasks.start(context, self.tasks.create(context, {
            'id': uuidutils.generate_uuid(), 'type': 'api_image_import',
            'input': {}, 'owner': 'project-a', 'image_id': image.id}))
        with self.images.transaction(context):
            self.images.move(context, image, 'importing')
            image_db.set_property(context, image.id, claim.LOCK, task.id)
        data = os.urandom(DATA_SIZE)
        path = staging.path_of(self.conf, image.id)
        with open(path, 'wb') as f:
            f.write(data)
        stored = self.store.add(image.id, path)
        self.images.record_upload(context, image.id, stored,
                                  {'virtual_size': DATA_SIZE})
        if stranded:
            task = self.tasks.fail(context, task, 'The engine stopped.')
        return Import(task, image.id, data, stranded)

    def _finish(self, imp):
        """The ``complete-import`` atom, then the runner's success."""
        atom = stores.Complete(imp.image_id, 'glance-direct', [None])
        [location] = image_db.get_locations(_admin(), imp.image_id)
        result = atom.execute(
            self.services.for_task(imp.task), imp.task.id,
            **{stores.result_name(None): {'store': None,
                                          'location': location['url']}})
        self.tasks.succeed(_admin(), imp.task, result)

    def _run(self, target, name, errors):
        def run():
            try:
                target()
            except Exception as exc:  # reported by the assertion
                errors.append((name, repr(exc)))
        return threading.Thread(target=run, name=name)

    def _race_once(self):
        imports = [self._stored_import(stranded=n < STRANDED)
                   for n in range(FINISHING + STRANDED)]
        work = queue.Queue()
        for imp in imports:
            if not imp.stranded:
                work.put(imp)
        errors, released = [], []

        def finish():
            while True:
                try:
                    imp = work.get_nowait()
                except queue.Empty:
                    return
                self._finish(imp)
        finishers = [self._run(finish, 'finisher-%d' % n, errors)
                     for n in range(FINISHERS)]

        def release():
            while True:
                done = not any(thread.is_alive() for thread in finishers)
                released.extend(api_image_import.ApiImageImport
                                .release_stranded(self.services))
                if done:
                    return
        releaser = self._run(release, 'releaser', errors)
        releaser.start()
        for thread in finishers:
            thread.start()
        for thread in finishers + [releaser]:
            thread.join(timeout=120)
            self.assertFalse(thread.is_alive(), thread.name)
        for imp in imports:
            if imp.stranded:
                self.assertReleased(imp)
            else:
                self.assertActiveWithData(imp)
        self.assertEqual([], errors)
        self.assertEqual(sorted(imp.image_id for imp in imports
                                if imp.stranded), sorted(released))

    def assertActiveWithData(self, imp):
        context = _admin()
        image = image_db.get(context, imp.image_id)
        task = task_db.get(context, imp.task.id)
        self.assertEqual(('success', 'active'), (task.status, image.status),
                         imp.image_id)
        self.assertEqual(hashlib.md5(imp.data).hexdigest(), image.checksum)
        self.assertNotIn(claim.LOCK,
                         image_db.get_properties(context, imp.image_id))
        [location] = image_db.get_locations(context, imp.image_id)
        with open(location['url'][len('file://'):], 'rb') as f:
            self.assertEqual(imp.data, f.read(), imp.image_id)

    def assertReleased(self, imp):
        context = _admin()
        image = image_db.get(context, imp.image_id)
        self.assertEqual('queued', image.status, imp.image_id)
        self.assertEqual((None, None), (image.size, image.checksum))
        self.assertNotIn(claim.LOCK,
                         image_db.get_properties(context, imp.image_id))
        self.assertEqual([], image_db.get_locations(context, imp.image_id))
        self.assertNotIn(imp.image_id, os.listdir(self.store.datadirs[0]))

    def test_release_never_touches_a_finishing_import(self):
        for _round in range(ROUNDS):
            self._race_once()
        self.assertEqual([], os.listdir(self.conf.image_import.work_dir))


class TestApiImportReleaseRaceSQLiteFile(ApiImportReleaseRaceTests,
                                         base.TestCase):
    """On a SQLite file, tuned as the service tunes it."""

    def setUp(self):
        super().setUp()
        self.useFixture(engine_fixtures.FileDatabase(self.conf,
                                                     self.state_path))


class TestApiImportReleaseRaceMySQL(ApiImportReleaseRaceTests,
                                    base.DbTestCase):
    FIXTURE = base.MySQLFixture


class TestApiImportReleaseRacePostgreSQL(ApiImportReleaseRaceTests,
                                         base.DbTestCase):
    FIXTURE = base.PostgreSQLFixture
