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

"""Image status moves: each committed together with its notification."""

import dataclasses

from oslo_utils import uuidutils

from glance_tasks.db import images as image_db
from glance_tasks.db import outbox as outbox_db
from glance_tasks.db.sqlalchemy import models
from glance_tasks.db import tasks as task_db
from glance_tasks import exception
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.tests import base
from glance_tasks.tests.unit.db import helpers

NOTIFY = {'request_id': 'req-1', 'user_id': 'user-a',
          'project_id': 'project-a'}
GLANCE_FIELDS = {'id', 'name', 'status', 'created_at', 'updated_at',
                 'min_disk', 'min_ram', 'protected', 'checksum', 'owner',
                 'disk_format', 'container_format', 'size', 'virtual_size',
                 'is_public', 'visibility', 'properties', 'tags', 'deleted',
                 'deleted_at', 'os_hash_algo', 'os_hash_value'}


class TestLifecycle(helpers.DbHelpers, base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.set_clock(helpers.T0)
        self.images = image_lifecycle.ImageLifecycle(self.conf)
        self.task = task_db.create(self.context, {
            'id': uuidutils.generate_uuid(), 'type': 'import',
            'owner': 'project-a', 'input': {}})

    def outbox(self):
        return [(row['event_type'], row['payload']['status'])
                for row in self.select_rows(models.OutboxNotification)]

    def create(self, task_id=None, **values):
        values = dict({'id': uuidutils.generate_uuid(), 'name': 'cirros',
                       'owner': 'project-a', 'disk_format': 'raw',
                       'container_format': 'bare'}, **values)
        return self.images.create(self.context, values,
                                  {'os_distro': 'cirros'},
                                  task_id=task_id or self.task.id,
                                  notify_context=NOTIFY)

    def test_create_ties_the_image_to_the_task_and_announces_it(self):
        image = self.create()
        self.assertEqual('queued', image.status)
        self.assertEqual(image.id, task_db.get(self.context,
                                               self.task.id).image_id)
        [row] = self.select_rows(models.OutboxNotification)
        self.assertEqual('image.create', row['event_type'])
        self.assertEqual(NOTIFY, row['context'])
        self.assertEqual(GLANCE_FIELDS, set(row['payload']))
        self.assertEqual({'os_distro': 'cirros'},
                         row['payload']['properties'])
        self.assertEqual('2026-01-01T12:00:00Z',
                         row['payload']['created_at'])
        self.assertFalse(row['payload']['is_public'])

    def test_create_is_all_or_nothing(self):
        self.assertRaises(exception.TaskNotFound, self.create,
                          task_id='no-such-task')
        self.assertEqual([], self.select_rows(models.Image))
        self.assertEqual([], self.outbox())

    def test_moves_and_their_events(self):
        image = self.create()
        image = self.images.move(self.context, image, 'saving')
        image = self.images.record_upload(
            self.context, image.id,
            {'location': 'file:///x', 'size': 5, 'checksum': 'c' * 32,
             'os_hash_algo': 'sha512', 'os_hash_value': 'h' * 128},
            {'virtual_size': 5})
        self.assertEqual(5, image.size)
        image = self.images.move(self.context, image, 'active')
        self.assertEqual([('image.create', 'queued'),
                          ('image.prepare', 'saving'),
                          ('image.upload', 'saving'),
                          ('image.activate', 'active')], self.outbox())
        last = self.select_rows(models.OutboxNotification)[-1]['payload']
        self.assertEqual(('c' * 32, 5, 5), (last['checksum'], last['size'],
                                            last['virtual_size']))

    def test_refused_move_writes_no_notification(self):
        image = self.create()
        self.assertRaises(exception.InvalidImageStatusTransition,
                          self.images.move, self.context, image, 'killed')
        stale = dataclasses.replace(image, status='saving')
        self.assertRaises(exception.ImageStatusConflict, self.images.move,
                          self.context, stale, 'active')
        self.assertEqual([('image.create', 'queued')], self.outbox())
        self.assertEqual('queued', image_db.get(self.context,
                                                image.id).status)

    def test_killed_is_an_update(self):
        image = self.images.move(self.context, self.create(),
                                 'saving')
        self.images.move(self.context, image, 'killed')
        self.assertEqual(('image.update', 'killed'), self.outbox()[-1])

    def test_forget_upload(self):
        image = self.images.move(self.context, self.create(),
                                 'saving')
        self.images.record_upload(
            self.context, image.id,
            {'location': 'file:///x', 'size': 5, 'checksum': 'c' * 32,
             'os_hash_algo': 'sha512', 'os_hash_value': 'h' * 128})
        self.assertEqual(['file:///x'],
                         self.images.forget_upload(self.context, image.id))
        image = image_db.get(self.context, image.id)
        self.assertEqual((None, None, None),
                         (image.size, image.checksum, image.os_hash_value))
        self.assertEqual([], image_db.get_locations(self.context, image.id))

    def test_delete_announces_the_properties_it_had(self):
        image = self.create()
        self.images.delete(self.context, image)
        row = self.select_rows(models.OutboxNotification)[-1]
        self.assertEqual('image.delete', row['event_type'])
        self.assertTrue(row['payload']['deleted'])
        self.assertEqual('2026-01-01T12:00:00Z', row['payload']['deleted_at'])
        self.assertEqual({'os_distro': 'cirros'},
                         row['payload']['properties'])
        self.assertIsNone(image_lifecycle.get(self.context, image.id))

    def test_disabled_image_notifications(self):
        self.conf.set_override('disabled_notifications', ['image'])
        image = self.images.move(self.context, self.create(),
                                 'saving')
        self.assertEqual('saving', image.status)
        self.assertEqual([], self.outbox())

    def test_each_commit_wakes_the_relay_after_its_row_is_visible(self):
        woken = []
        self.images = image_lifecycle.ImageLifecycle(
            self.conf, on_commit=lambda: woken.append(
                outbox_db.unsent_count(self.context)))
        image = self.create()
        image = self.images.move(self.context, image, 'saving')
        # A call inside an outer transaction wakes the relay early (a
        # harmless pass); the outer commit wakes it again.
        with self.images.transaction(self.context):
            self.images.move(self.context, image, 'killed')
        self.images.tag(self.context, image.id, 'web', True)
        self.assertEqual([1, 2, 3, 3, 4], woken)

    def test_a_rolled_back_move_does_not_wake_the_relay(self):
        woken = []
        self.images = image_lifecycle.ImageLifecycle(
            self.conf, on_commit=lambda: woken.append(True))
        stale = dataclasses.replace(self.create(), status='saving')
        woken.clear()
        self.assertRaises(exception.ImageStatusConflict, self.images.move,
                          self.context, stale, 'active')
        self.assertEqual([], woken)
