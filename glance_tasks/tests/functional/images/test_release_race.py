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

"""The release of stranded images, raced against imports that are finishing.

The periodic purge releases images left ``saving`` by a task that ended
without its reverts (the ``import`` type's ``release_stranded`` hook,
made of :func:`glance_tasks.images.recovery.release`). It must never
touch the image of a live task: an import that is activating its image
while the release runs must end ``active`` with its data, size and
checksum, and an image really stranded must end ``killed`` with nothing
left of its data.

Each round prepares imports whose data is stored and recorded (what the
``store`` atom leaves) and a few stranded ones; then threads finish the
live imports with the real ``activate`` atom and the engine's lifecycle,
as the executor's workers do, while another thread runs the release over
and over. Every round checks every image. Before the release decided and
committed its status move atomically, a round showed an ``active`` image
with no data and no size within a few rounds.

Threads need connections of their own: a SQLite file (as the service
tunes it), MariaDB and PostgreSQL through oslo.db's fixtures.
``GLANCE_TASKS_RELEASE_RACE_ROUNDS`` sets the number of rounds.
"""

import collections
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
from glance_tasks.task_types import base as type_base
from glance_tasks.task_types import image_import
from glance_tasks.tests import base
from glance_tasks.tests.unit.engine import fixtures as engine_fixtures

ROUNDS = int(os.environ.get('GLANCE_TASKS_RELEASE_RACE_ROUNDS', '20'))
FINISHING = 8  # live imports finishing in each round
STRANDED = 2  # imports whose task failed without its reverts
FINISHERS = 4  # threads finishing them, like the executor's workers
DATA_SIZE = 8 * 1024

Import = collections.namedtuple('Import', 'task image_id data stranded')


def _admin():
    return gt_context.get_admin_context()


class ReleaseRaceScaffold:
    """The race, ``ROUNDS`` times, each on fresh imports.

    The threads and the checks every task type's race shares; a subclass
    gives its imports (:meth:`_stored_import`), how one finishes
    (:meth:`_finish`), its hook (:meth:`_release_stranded`) and what a
    released image is (:meth:`assertReleased`).
    """

    def setUp(self):
        super().setUp()
        self.tasks = task_lifecycle.TaskLifecycle(self.conf)
        self.services = type_base.Services(self.conf)
        self.images = image_lifecycle.ImageLifecycle(self.conf)
        self.store = self.services.image_store

    def _stored_import(self, stranded):
        raise NotImplementedError()

    def _finish(self, imp):
        raise NotImplementedError()

    def _release_stranded(self):
        """One run of the type's hook: the ids of the images released."""
        raise NotImplementedError()

    def assertReleased(self, imp):
        raise NotImplementedError()

    def _finishers(self, work, errors):
        def finish():
            while True:
                try:
                    imp = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    self._finish(imp)
                except Exception as exc:  # reported by the assertion
                    errors.append(('finish', imp.image_id, repr(exc)))
        return [threading.Thread(target=finish, name='finisher-%d' % n)
                for n in range(FINISHERS)]

    def _releaser(self, finishers, released, errors):
        def release():
            while True:
                done = not any(thread.is_alive() for thread in finishers)
                try:
                    released.extend(self._release_stranded())
                except Exception as exc:  # reported by the assertion
                    errors.append(('release', None, repr(exc)))
                if done:
                    return
        return threading.Thread(target=release, name='releaser')

    def _race_once(self):
        imports = [self._stored_import(stranded=n < STRANDED)
                   for n in range(FINISHING + STRANDED)]
        work = queue.Queue()
        for imp in imports:
            if not imp.stranded:
                work.put(imp)
        errors, released = [], []
        finishers = self._finishers(work, errors)
        releaser = self._releaser(finishers, released, errors)
        releaser.start()
        for thread in finishers:
            thread.start()
        for thread in finishers + [releaser]:
            thread.join(timeout=120)
            self.assertFalse(thread.is_alive(), thread.name)
        # The images first: what a user would find.
        for imp in sorted(imports, key=lambda imp: imp.stranded):
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
        self.assertEqual(hashlib.md5(imp.data).hexdigest(), image.checksum,
                         imp.image_id)
        [location] = image_db.get_locations(context, imp.image_id)
        with open(location['url'][len('file://'):], 'rb') as f:
            self.assertEqual(imp.data, f.read(), imp.image_id)
        return image

    def test_release_never_touches_a_finishing_import(self):
        for _round in range(ROUNDS):
            self._race_once()
        self.assertEqual([], os.listdir(self.conf.image_import.work_dir))


class ReleaseRaceTests(ReleaseRaceScaffold):
    """The ``import`` type's ``release_stranded``: stranded ends killed."""

    def _stored_import(self, stranded):
        """An import whose data is stored; its task ended if stranded."""
        context = _admin()
        task = self.tasks.start(context, self.tasks.create(context, {
            'id': uuidutils.generate_uuid(), 'type': 'import',
            'input': {}, 'owner': 'project-a'}))
        image = self.images.create(context, {
            'id': uuidutils.generate_uuid(), 'owner': 'project-a',
            'disk_format': 'raw', 'container_format': 'bare'},
            task_id=task.id)
        self.images.move(context, image, 'saving')
        data = os.urandom(DATA_SIZE)
        path = staging.path_of(self.conf, image.id)
        with open(path, 'wb') as f:
            f.write(data)
        stored = self.store.add(image.id, path)
        self.images.record_upload(context, image.id, stored,
                                  {'virtual_size': DATA_SIZE})
        staging.remove(self.conf, image.id)
        if stranded:
            task = self.tasks.fail(context, task, 'The engine stopped.')
        return Import(task, image.id, data, stranded)

    def _finish(self, imp):
        """What the runner does last: the ``activate`` atom, then success."""
        context = _admin()
        atom = image_import.ActivateImage({})
        result = atom.execute(self.services.for_task(imp.task),
                              imp.image_id, {}, {})
        self.tasks.succeed(context, imp.task, result)

    def _release_stranded(self):
        return image_import.Import.release_stranded(self.services)

    def assertActiveWithData(self, imp):
        image = super().assertActiveWithData(imp)
        self.assertEqual(len(imp.data), image.size, imp.image_id)
        self.assertEqual(hashlib.sha512(imp.data).hexdigest(),
                         image.os_hash_value, imp.image_id)

    def assertReleased(self, imp):
        context = _admin()
        image = image_db.get(context, imp.image_id)
        self.assertEqual('killed', image.status, imp.image_id)
        self.assertEqual((None, None), (image.size, image.checksum))
        self.assertEqual([], image_db.get_locations(context, imp.image_id))
        self.assertNotIn(imp.image_id, os.listdir(self.store.datadirs[0]))


class TestReleaseRaceSQLiteFile(ReleaseRaceTests, base.TestCase):
    """On a SQLite file, tuned as the service tunes it."""

    def setUp(self):
        super().setUp()
        self.useFixture(engine_fixtures.FileDatabase(self.conf,
                                                     self.state_path))


class TestReleaseRaceMySQL(ReleaseRaceTests, base.DbTestCase):
    FIXTURE = base.MySQLFixture


class TestReleaseRacePostgreSQL(ReleaseRaceTests, base.DbTestCase):
    FIXTURE = base.PostgreSQLFixture
