"""Images left half-done by a task that ended without its reverts."""

import os

from oslo_utils import uuidutils

from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.images import lifecycle
from glance_tasks.images import recovery
from glance_tasks.images import staging
from glance_tasks.task_types import base as type_base
from glance_tasks.tests import base


class TestReleaseStranded(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.services = type_base.Services(self.conf)

    def image_of_task(self, task_status, image_status):
        task = task_db.create(self.context, {
            'id': uuidutils.generate_uuid(), 'type': 'import',
            'owner': 'p', 'input': {}})
        image = lifecycle.create(self.conf, self.context, {
            'id': uuidutils.generate_uuid(), 'owner': 'p',
            'disk_format': 'raw', 'container_format': 'bare'},
            task_id=task.id)
        if image_status != 'queued':
            image = lifecycle.move(self.conf, self.context, image,
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

        released = recovery.release_stranded(self.services, self.context)

        self.assertEqual(sorted([saving.id, importing.id]), sorted(released))
        status = {image.id: image.status
                  for image in image_db.list_images(self.context)}
        self.assertEqual({saving.id: 'killed', importing.id: 'queued',
                          running.id: 'saving', queued.id: 'queued'},
                         status)
        self.assertEqual([], os.listdir(self.conf.image_import.work_dir))
        self.assertEqual([], recovery.release_stranded(self.services,
                                                       self.context))
