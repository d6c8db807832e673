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

"""Images left half-done by a task that ended without its reverts.

Each image task type releases what its tasks leave in its hook; the
registry runs the hooks of the enabled types.
"""

import os

from oslo_utils import uuidutils

from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.images import staging
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types import base as type_base
from glance_tasks.task_types import image_import
from glance_tasks.task_types import location_import
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests import base


class Broken(type_base.TaskType):
    """A type whose hook fails, as a broken plugin's would."""

    name = 'broken'

    @classmethod
    def release_stranded(cls, services):
        raise RuntimeError('this hook is broken')


class Counting(type_base.TaskType):
    """A type whose hook counts its calls."""

    name = 'counting'
    calls = 0

    @classmethod
    def release_stranded(cls, services):
        cls.calls += 1
        return ['counted']


class TestReleaseStranded(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.services = type_base.Services(self.conf)
        self.registry = registry_mod.TaskTypeRegistry(
            [image_import.Import, location_import.LocationImport, Broken,
             Counting], enabled=['import', 'location_import', 'broken'])
        Counting.calls = 0

    def image_of_task(self, task_status, image_status):
        task = task_db.create(self.context, {
            'id': uuidutils.generate_uuid(), 'type': 'import',
            'owner': 'p', 'input': {}})
        images = image_lifecycle.ImageLifecycle(self.conf)
        image = images.create(self.context, {
            'id': uuidutils.generate_uuid(), 'owner': 'p',
            'disk_format': 'raw', 'container_format': 'bare'},
            task_id=task.id)
        if image_status != 'queued':
            images = image_lifecycle.ImageLifecycle(self.conf)
            image = images.move(self.context, image,
                                image_status)
        if task_status != 'pending':
            task = task_db.advance(self.context, task, 'processing',
                                   ttl_hours=1)
        if task_status in ('success', 'failure'):
            task_db.advance(self.context, task, task_status, ttl_hours=1,
                            message='stopped')
        return image

    def test_ended_tasks_release_their_images(self):
        saving = self.image_of_task('failure', 'saving')
        with open(staging.path_of(self.conf, saving.id), 'wb') as f:
            f.write(b'partial')
        importing = self.image_of_task('failure', 'importing')
        running = self.image_of_task('processing', 'saving')
        queued = self.image_of_task('failure', 'queued')

        released = self.registry.release_stranded(self.services)

        self.assertEqual(sorted([saving.id, importing.id]), sorted(released))
        status = {image.id: image.status
                  for image in image_db.list_images(self.context)}
        self.assertEqual({saving.id: 'killed', importing.id: 'queued',
                          running.id: 'saving', queued.id: 'queued'},
                         status)
        self.assertEqual([], os.listdir(self.conf.image_import.work_dir))
        self.assertEqual([], self.registry.release_stranded(self.services))
        # A failing hook did not stop the others; a disabled type's hook
        # never ran.
        self.assertEqual(0, Counting.calls)

    def test_only_the_hooks_of_enabled_types_run(self):
        importing = self.image_of_task('failure', 'importing')
        saving = self.image_of_task('failure', 'saving')
        registry = registry_mod.TaskTypeRegistry(
            [image_import.Import, location_import.LocationImport,
             Counting], enabled=['location_import', 'counting'])
        self.assertEqual(['counted', importing.id],  # by type name
                         registry.release_stranded(self.services))
        self.assertEqual(1, Counting.calls)
        self.assertEqual('saving', image_db.get(self.context,
                                                saving.id).status)
