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

"""On a SQLite file, reads do not queue behind writes.

Every transaction of the writer engine holds the process's SQLite write
lock; read-only transactions go through a second engine (see
``db_api.setup_facade``) and, in WAL mode, see the last committed state
without waiting.
"""

import threading
import time

from oslo_utils import uuidutils

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import tasks as task_db
from glance_tasks.tests import base
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures


class ReaderEngineTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(gt_fixtures.FileDatabase(self.conf, self.state_path))
        self.task = task_db.create(gt_context.get_admin_context(), {
            'id': uuidutils.generate_uuid(), 'type': 'noop', 'input': {}})

    def test_a_read_does_not_wait_for_an_open_write(self):
        writing, release = threading.Event(), threading.Event()

        def write_slowly():
            context = gt_context.get_admin_context()
            with db_api.context_manager.writer.using(context):
                task_db.set_image(context, self.task.id, 'image-1')
                writing.set()
                release.wait(10)

        writer = threading.Thread(target=write_slowly)
        writer.start()
        self.addCleanup(writer.join, 10)
        self.addCleanup(release.set)
        self.assertTrue(writing.wait(10))

        started = time.monotonic()
        seen = task_db.get(gt_context.get_admin_context(), self.task.id)
        waited = time.monotonic() - started

        self.assertLess(waited, 2)
        self.assertIsNone(seen.image_id)  # not committed yet
        release.set()
        writer.join(10)
        self.assertEqual('image-1', task_db.get(
            gt_context.get_admin_context(), self.task.id).image_id)

    def test_reads_use_their_own_engine_writes_the_locked_one(self):
        self.assertIsNot(db_api.context_manager.writer.get_engine(),
                         db_api.context_manager.reader.get_engine())
