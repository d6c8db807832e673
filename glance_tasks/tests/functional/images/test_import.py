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

"""The ``import`` task end to end, from a real HTTP source.

Each test runs the real task service (SQLite files, TaskFlow persistence,
the local executor, the outbox relay) against an ``http.server`` on
127.0.0.1, allowed explicitly in the test's configuration, and images made
with ``qemu-img``. After every failure it checks the image's final status,
that neither the store nor the work dir holds a file, and the task's
message.
"""

import hashlib
import os
import socket

from glance_store import exceptions as store_exc
import testtools

from glance_tasks.db import images as image_db
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.tests.unit.images import fixtures as image_fixtures

PROPS = {'name': 'cirros', 'disk_format': 'raw',
         'container_format': 'bare', 'os_distro': 'cirros'}
IMAGE_EVENTS = ['image.create', 'image.prepare', 'image.upload',
                'image.activate']


def _hashes(path):
    md5 = hashlib.md5()
    sha512 = hashlib.sha512()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            md5.update(chunk)
            sha512.update(chunk)
    return md5.hexdigest(), sha512.hexdigest()


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class ImportTest(image_fixtures.ImageServiceTestCase):

    def setUp(self):
        super().setUp()
        self.service = self.make_service()

    def run_import(self, url, fmt='raw', **props):
        properties = dict(PROPS, disk_format=fmt, **props)
        task = self.service.create_task(self.context, 'import', {
            'import_from': url, 'import_from_format': fmt,
            'image_properties': properties})
        done = self.wait_until_finished(self.service, task.id, timeout=60)
        return done

    def image_of(self, task):
        self.assertIsNotNone(task.image_id)
        return self.image_row(task.image_id)

    @property
    def admin(self):
        from glance_tasks import context as gt_context
        return gt_context.get_admin_context()

    def image_events(self, image_id, count):
        def found():
            events = [m for m in self.notifications.messages
                      if m['event_type'].startswith('image.')
                      and m['payload']['id'] == image_id]
            return len(events) >= count and events
        return image_fixtures.engine_fixtures.wait_for(
            found, 10, what='%d image notifications' % count)

    # -- success ---------------------------------------------------------

    def assertImported(self, task, source, fmt):
        self.assertEqual('success', task.status, task.message)
        self.assertEqual({'image_id': task.image_id}, task.result)
        image = self.image_of(task)
        md5, sha512 = _hashes(source)
        self.assertEqual('active', image.status)
        self.assertEqual(fmt, image.disk_format)
        self.assertEqual(os.path.getsize(source), image.size)
        self.assertEqual(md5, image.checksum)
        self.assertEqual('sha512', image.os_hash_algo)
        self.assertEqual(sha512, image.os_hash_value)
        self.assertEqual('project-a', image.owner)
        [location] = image_db.get_locations(self.admin, image.id)
        path = os.path.join(self.store_dir, image.id)
        self.assertEqual('file://' + path, location['url'])
        self.assertEqual((md5, sha512), _hashes(path))
        self.assertEqual([image.id], self.files_in(self.store_dir))
        self.assertEqual([], self.files_in(self.work_dir))
        return image

    def test_raw_import(self):
        source = image_fixtures.make_image(self.source_dir, 'disk.raw',
                                           'raw', 3 * 1024 * 1024 + 7)
        task = self.run_import(self.server.url('disk.raw'))
        image = self.assertImported(task, source, 'raw')
        self.assertEqual(os.path.getsize(source), image.virtual_size)
        self.assertEqual('cirros', image.name)
        self.assertEqual({'os_distro': 'cirros'},
                         image_db.get_properties(self.admin, image.id))
        events = self.image_events(image.id, 4)
        self.assertEqual(IMAGE_EVENTS, [m['event_type'] for m in events])
        self.assertEqual(['queued', 'saving', 'saving', 'active'],
                         [m['payload']['status'] for m in events])
        upload = events[2]['payload']
        self.assertEqual(image.checksum, upload['checksum'])
        self.assertEqual(image.os_hash_value, upload['os_hash_value'])
        self.assertEqual({'os_distro': 'cirros'}, upload['properties'])
        task_events = self.wait_for_events(task.id, 3)
        self.assertEqual(['task.create', 'task.processing', 'task.success'],
                         [m['event_type'] for m in task_events])
        # The image was created while the task ran; its end carries it.
        self.assertEqual([None, None, image.id],
                         [m['payload']['image_id'] for m in task_events])

    def test_qcow2_import(self):
        source = image_fixtures.make_image(self.source_dir, 'disk.qcow2',
                                           'qcow2', 8 * 1024 * 1024)
        task = self.run_import(self.server.url('disk.qcow2'), 'qcow2')
        image = self.assertImported(task, source, 'qcow2')
        self.assertEqual(8 * 1024 * 1024, image.virtual_size)

    def test_source_without_content_length(self):
        source = image_fixtures.make_image(self.source_dir, 'disk.raw')
        task = self.run_import(self.server.url('disk.raw', 'nolength'))
        self.assertImported(task, source, 'raw')

    def test_conversion_to_raw(self):
        self.conf.set_override('conversion_format', 'raw',
                               group='image_import')
        image_fixtures.make_image(self.source_dir, 'disk.qcow2', 'qcow2',
                                  2 * 1024 * 1024)
        task = self.run_import(self.server.url('disk.qcow2'), 'qcow2')
        self.assertEqual('success', task.status, task.message)
        image = self.image_of(task)
        self.assertEqual('active', image.status)
        self.assertEqual('raw', image.disk_format)
        self.assertEqual(2 * 1024 * 1024, image.size)
        self.assertEqual(2 * 1024 * 1024, image.virtual_size)
        stored = os.path.join(self.store_dir, image.id)
        self.assertEqual(_hashes(stored)[0], image.checksum)
        # The stored data is what the qcow2 holds, as raw.
        expected = image_fixtures.make_image(self.state_path, 'expect.raw',
                                             'raw', 2 * 1024 * 1024)
        self.assertEqual(_hashes(expected), _hashes(stored))
        self.assertEqual([], self.files_in(self.work_dir))

    # -- failures before any data: the image is deleted ---------------------

    def assertDeleted(self, task, message):
        self.assertEqual('failure', task.status)
        self.assertEqual(message, task.message)
        image = self.image_of(task)
        self.assertEqual('deleted', image.status)
        self.assertTrue(image.deleted)
        self.assertNoLeftovers()
        events = self.image_events(image.id, 2)
        self.assertEqual(['image.create', 'image.delete'],
                         [m['event_type'] for m in events])

    def test_404(self):
        task = self.run_import(self.server.url('missing.raw'))
        self.assertDeleted(task, (
            'The source %s answered HTTP 404 (Not Found); check that '
            'import_from names an existing image.'
            % self.server.url('missing.raw')))

    def test_connection_refused(self):
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        sock.close()  # nothing listens there now
        url = 'http://127.0.0.1:%d/disk.raw' % port
        task = self.run_import(url)
        self.assertDeleted(task, (
            'Could not fetch %s: connection refused. Check that the URL is '
            'right and that the server is reachable from this cloud, then '
            'try again.' % url))

    def test_size_announced_over_the_cap(self):
        self.conf.set_override('max_image_size', 1000,
                               group='image_import')
        image_fixtures.make_image(self.source_dir, 'disk.raw', size=4096)
        task = self.run_import(self.server.url('disk.raw'))
        self.assertDeleted(task, (
            'The image is larger than 1000 bytes, the largest image this '
            'cloud accepts (the source announced 4096 bytes). Import a '
            'smaller image, or ask the cloud operator to raise the '
            'limit.'))

    def test_redirect_to_a_refused_host(self):
        # The test server is allowed by network, not by name: the redirect
        # target is checked by the address it resolves to.
        self.conf.set_override('allowed_hosts', [],
                               group='import_filtering_opts')
        self.conf.set_override('allowed_networks', ['127.0.0.1/32'],
                               group='import_filtering_opts')
        url = self.server.url('x', 'redirect',
                              to='http://169.254.169.254/latest/meta-data')
        task = self.run_import(url)
        self.assertDeleted(task, (
            "The source %s redirected to "
            "http://169.254.169.254/latest/meta-data, which is refused by "
            "this cloud's import filtering: host 169.254.169.254 resolves "
            "to 169.254.169.254, a link-local address; imports from "
            "loopback, link-local and private networks are refused."
            % self.server.url('x', 'redirect')))
        # Nothing was asked of the refused host; only the redirect ran.
        self.assertEqual(1, len(self.server.requests))

    def test_redirect_to_loopback_by_another_name(self):
        target = 'http://localhost:%d/disk.raw' % self.server.port
        image_fixtures.make_image(self.source_dir, 'disk.raw')
        task = self.run_import(self.server.url('x', 'redirect', to=target))
        self.assertEqual('failure', task.status)
        self.assertIn('redirected to %s, which is refused' % target,
                      task.message)
        self.assertIn('Host localhost is not allowed (allowed: 127.0.0.1)',
                      task.message)
        self.assertEqual('deleted', self.image_of(task).status)
        self.assertNoLeftovers()

    # -- failures with data: the image is killed ----------------------------

    def assertKilled(self, task, message):
        self.assertEqual('failure', task.status)
        self.assertEqual(message, task.message)
        image = self.image_of(task)
        self.assertEqual('killed', image.status)
        self.assertIsNone(image.checksum)
        self.assertEqual([], image_db.get_locations(self.admin, image.id))
        self.assertNoLeftovers()
        events = self.image_events(image.id, 3)
        self.assertEqual(['image.create', 'image.prepare', 'image.update'],
                         [m['event_type'] for m in events][:3])
        self.assertEqual('killed', events[-1]['payload']['status'])
        return image

    def test_source_lies_about_its_length(self):
        source = image_fixtures.make_image(self.source_dir, 'disk.raw',
                                           size=300000)
        task = self.run_import(self.server.url('disk.raw', 'lie'))
        self.assertKilled(task, (
            'Only %d of the %d bytes the source %s announced arrived, after '
            '4 attempts (starting over each time: the source gives no ETag '
            'or Last-Modified to resume by safely); the last one ended: the '
            'connection closed early. The image data is incomplete. Try '
            'again later, or check the source server.'
            % (os.path.getsize(source), os.path.getsize(source) * 2 + 1,
               self.server.url('disk.raw', 'lie'))))
        # [image_import] fetch_retries (3) more tries, each from the start.
        self.assertEqual(4, len(self.server.requests))

    def test_size_cap_while_streaming(self):
        self.conf.set_override('max_image_size', 100000,
                               group='image_import')
        image_fixtures.make_image(self.source_dir, 'disk.raw', size=300000)
        task = self.run_import(self.server.url('disk.raw', 'nolength'))
        self.assertKilled(task, (
            'The image is larger than 100000 bytes, the largest image this '
            'cloud accepts (more than that was received). Import a smaller '
            'image, or ask the cloud operator to raise the limit.'))

    def test_qcow2_with_a_backing_file(self):
        base = image_fixtures.make_image(self.state_path, 'base.qcow2',
                                         'qcow2')
        image_fixtures.make_image(self.source_dir, 'child.qcow2', 'qcow2',
                                  backing=base)
        task = self.run_import(self.server.url('child.qcow2'), 'qcow2')
        self.assertKilled(task, (
            'The image is refused as unsafe: it has a backing file, so its '
            'data depends on another file. Upload a self-contained image '
            '(for example convert it with "qemu-img convert -O qcow2" '
            'first).'))

    def test_qcow2_with_a_data_file(self):
        image_fixtures.make_image(
            self.source_dir, 'df.qcow2', 'qcow2',
            data_file=os.path.join(self.state_path, 'secret.raw'))
        task = self.run_import(self.server.url('df.qcow2'), 'qcow2')
        self.assertKilled(task, (
            'The image is refused as unsafe: it names an external data '
            'file. Upload a self-contained image (for example convert it '
            'with "qemu-img convert -O qcow2" first).'))

    def test_format_mismatch(self):
        image_fixtures.make_image(self.source_dir, 'disk.qcow2', 'qcow2')
        task = self.run_import(self.server.url('disk.qcow2'), 'raw')
        self.assertKilled(task, (
            'The image data is in qcow2 format, but import_from_format '
            'says raw. Set import_from_format (and disk_format) to qcow2 '
            'and try again.'))

    def test_store_full(self):
        image_fixtures.make_image(self.source_dir, 'disk.raw', size=200000)
        driver = self.service.services.image_store.default
        add = driver.add

        def full(image_id, data, size, hashing_algo, **kwargs):
            # What the filesystem driver does on ENOSPC, after writing a
            # part: remove the partial file, raise StorageFull.
            with open(os.path.join(self.store_dir, image_id), 'wb') as f:
                f.write(data.read(1000))
            os.unlink(os.path.join(self.store_dir, image_id))
            raise store_exc.StorageFull()
        self.addCleanup(setattr, driver, 'add', add)
        driver.add = full

        task = self.run_import(self.server.url('disk.raw'))
        self.assertKilled(task, (
            'The image store has no space left for this image (200000 '
            'bytes). Try again later, or ask the cloud operator to free '
            'space in the image store.'))

    # -- refused before anything happens ------------------------------------

    def test_missing_keys_refused_at_creation(self):
        from glance_tasks import exception
        error = self.assertRaises(
            exception.InvalidTaskInput, self.service.create_task,
            self.context, 'import', {'import_from': 'http://example.com/x',
                                     'import_from_format': 'raw'})
        self.assertIn("'image_properties' is a required property",
                      error.message)

    def test_refused_url_creates_no_image(self):
        task = self.run_import('http://127.0.0.2:%d/disk.raw'
                               % self.server.port)
        self.assertEqual('failure', task.status)
        self.assertIn('host 127.0.0.2 is not allowed', task.message.lower())
        self.assertIsNone(task.image_id)
        self.assertEqual([], image_db.list_images(self.admin))
        self.assertNoLeftovers()

    def test_image_lifecycle_payload_has_glance_fields(self):
        source = image_fixtures.make_image(self.source_dir, 'disk.raw')
        task = self.run_import(self.server.url('disk.raw'))
        self.assertEqual('success', task.status, task.message)
        payload = self.image_events(task.image_id, 4)[-1]['payload']
        self.assertEqual({
            'id', 'name', 'status', 'created_at', 'updated_at', 'min_disk',
            'min_ram', 'protected', 'checksum', 'owner', 'disk_format',
            'container_format', 'size', 'virtual_size', 'is_public',
            'visibility', 'properties', 'tags', 'deleted', 'deleted_at',
            'os_hash_algo', 'os_hash_value'}, set(payload))
        self.assertEqual(os.path.getsize(source), payload['size'])
        self.assertIsNotNone(image_lifecycle.get(self.admin, task.image_id))
