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

"""``location_import``: a queued image made active from data in a store."""

import hashlib
import os
import shutil

from oslo_utils import uuidutils
import testtools

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks import exception
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.tests.unit.images import fixtures as image_fixtures


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class LocationImportTest(image_fixtures.ImageServiceTestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('stores', ['file', 'http'],
                               group='glance_store')
        self.service = self.make_service()
        self.admin = gt_context.get_admin_context()
        os.makedirs(self.store_dir, exist_ok=True)

    def queued_image(self, disk_format='raw', owner='project-a'):
        return image_lifecycle.ImageLifecycle(self.conf).create(self.admin, {
            'id': uuidutils.generate_uuid(),
            'name': 'registered', 'disk_format': disk_format,
            'container_format': 'bare', 'owner': owner})

    def data_in_store(self, name='data.raw', disk_format='raw', **kwargs):
        path = image_fixtures.make_image(self.state_path, name, disk_format,
                                         **kwargs)
        dest = os.path.join(self.store_dir, name)
        shutil.move(path, dest)
        return dest

    def run_task(self, task_input):
        task = self.service.create_task(self.context, 'location_import',
                                        task_input)
        return self.wait_until_finished(self.service, task.id, timeout=60)

    def image_events(self, image_id):
        return [(m['event_type'], m['payload']['status'])
                for m in self.notifications.messages
                if m['event_type'].startswith('image.')
                and m['payload']['id'] == image_id]

    def wait_events(self, image_id, count):
        return image_fixtures.engine_fixtures.wait_for(
            lambda: len(self.image_events(image_id)) >= count
            and self.image_events(image_id), 10, what='image events')

    def test_file_location_is_hashed_and_activated(self):
        path = self.data_in_store(size=2 * 1024 * 1024 + 3)
        image = self.queued_image()
        with open(path, 'rb') as f:
            data = f.read()

        task = self.run_task({'image_id': image.id,
                              'url': 'file://' + path})

        self.assertEqual('success', task.status, task.message)
        self.assertEqual({'image_id': image.id}, task.result)
        self.assertEqual(image.id, task.image_id)
        image = image_db.get(self.admin, image.id)
        self.assertEqual('active', image.status)
        self.assertEqual(len(data), image.size)
        self.assertEqual(len(data), image.virtual_size)
        self.assertEqual(hashlib.md5(data).hexdigest(), image.checksum)
        self.assertEqual('sha512', image.os_hash_algo)
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         image.os_hash_value)
        self.assertEqual(['file://' + path],
                         [loc['url'] for loc in
                          image_db.get_locations(self.admin, image.id)])
        self.assertEqual([('image.create', 'queued'),
                          ('image.prepare', 'importing'),
                          ('image.activate', 'active')],
                         self.wait_events(image.id, 3))

    def test_validation_data_is_checked(self):
        path = self.data_in_store()
        with open(path, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        image = self.queued_image()
        task = self.run_task({
            'image_id': image.id, 'url': 'file://' + path,
            'validation_data': {'os_hash_algo': 'sha256',
                                'os_hash_value': digest}})
        self.assertEqual('success', task.status, task.message)
        image = image_db.get(self.admin, image.id)
        self.assertEqual(('sha256', digest),
                         (image.os_hash_algo, image.os_hash_value))

    def test_validation_mismatch_puts_the_image_back_to_queued(self):
        path = self.data_in_store()
        image = self.queued_image()
        task = self.run_task({
            'image_id': image.id, 'url': 'file://' + path,
            'validation_data': {'checksum': '0' * 32}})
        self.assertEqual('failure', task.status)
        self.assertIn('does not match validation_data: its checksum is',
                      task.message)
        image = image_db.get(self.admin, image.id)
        self.assertEqual('queued', image.status)
        self.assertIsNone(image.size)
        self.assertEqual([], image_db.get_locations(self.admin, image.id))
        self.assertEqual([('image.create', 'queued'),
                          ('image.prepare', 'importing'),
                          ('image.update', 'queued')],
                         self.wait_events(image.id, 3))

    def test_unsafe_data_is_refused(self):
        base = image_fixtures.make_image(self.state_path, 'base.qcow2',
                                         'qcow2')
        path = self.data_in_store('child.qcow2', 'qcow2', backing=base)
        image = self.queued_image('qcow2')
        task = self.run_task({'image_id': image.id,
                              'url': 'file://' + path})
        self.assertEqual('failure', task.status)
        self.assertIn('refused as unsafe: it has a backing file',
                      task.message)
        self.assertEqual('queued', image_db.get(self.admin,
                                                image.id).status)

    def test_file_outside_the_store_is_refused(self):
        image = self.queued_image()
        task = self.run_task({'image_id': image.id,
                              'url': 'file:///etc/passwd'})
        self.assertEqual('failure', task.status)
        self.assertEqual(
            'The location file:///etc/passwd cannot be added: file '
            'locations must lie in the directory of the filesystem image '
            'store.', task.message)
        self.assertEqual('queued', image_db.get(self.admin,
                                                image.id).status)
        # Notifications leave in commit order: once the task's last one
        # arrived, every image event before it has too.
        self.wait_for_events(task.id, 3)
        self.assertEqual([('image.create', 'queued')],
                         self.image_events(image.id))

    def test_http_location(self):
        source = image_fixtures.make_image(self.source_dir, 'disk.qcow2',
                                           'qcow2', size=3 * 1024 * 1024)
        image = self.queued_image('qcow2')
        url = self.server.url('disk.qcow2')
        task = self.run_task({'image_id': image.id, 'url': url})
        self.assertEqual('success', task.status, task.message)
        image = image_db.get(self.admin, image.id)
        self.assertEqual(os.path.getsize(source), image.size)
        self.assertEqual(3 * 1024 * 1024, image.virtual_size)
        self.assertEqual([url], [loc['url'] for loc in
                                 image_db.get_locations(self.admin,
                                                        image.id)])

    def test_image_of_another_project(self):
        path = self.data_in_store()
        image = self.queued_image(owner='project-b')
        task = self.run_task({'image_id': image.id,
                              'url': 'file://' + path})
        self.assertEqual('failure', task.status)
        self.assertEqual('Image %s could not be found.' % image.id,
                         task.message)
        self.assertEqual('queued', image_db.get(self.admin,
                                                image.id).status)

    def test_input_refused_at_creation(self):
        error = self.assertRaises(
            exception.InvalidTaskInput, self.service.create_task,
            self.context, 'location_import', {'image_id': 'not-a-uuid',
                                              'url': 'file:///x'})
        self.assertIn('input.image_id', error.message)
