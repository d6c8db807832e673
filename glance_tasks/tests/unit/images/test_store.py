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

"""The image store: glance_store's filesystem driver, as configured."""

import hashlib
import os

from glance_store import exceptions as store_exc

from glance_tasks.images import errors
from glance_tasks.images import store as store_mod
from glance_tasks.tests import base


class TestImageStore(base.TestCase):

    def setUp(self):
        super().setUp()
        self.store = store_mod.ImageStore(self.conf)
        self.datadir = os.path.join(self.state_path, 'images')
        self.data = os.urandom(300 * 1024 + 5)
        self.path = os.path.join(self.state_path, 'staged')
        with open(self.path, 'wb') as f:
            f.write(self.data)

    def test_default_is_the_filesystem_under_the_state_path(self):
        self.assertEqual([self.datadir], self.store.datadirs)
        self.assertTrue(os.path.isdir(self.datadir))
        self.assertEqual(['file', 'filesystem'],
                         self.store.enabled_schemes())

    def test_add_hashes_in_the_same_pass(self):
        stored = self.store.add('image-1', self.path)
        target = os.path.join(self.datadir, 'image-1')
        self.assertEqual({
            'location': 'file://' + target,
            'size': len(self.data),
            'checksum': hashlib.md5(self.data).hexdigest(),
            'os_hash_algo': 'sha512',
            'os_hash_value': hashlib.sha512(self.data).hexdigest(),
            'metadata': {}}, stored)
        with open(target, 'rb') as f:
            self.assertEqual(self.data, f.read())

    def test_hashing_algorithm_option(self):
        self.conf.set_override('hashing_algorithm', 'sha256')
        stored = self.store.add('image-1', self.path)
        self.assertEqual(('sha256', hashlib.sha256(self.data).hexdigest()),
                         (stored['os_hash_algo'], stored['os_hash_value']))

    def test_unknown_hashing_algorithm(self):
        self.conf.set_override('hashing_algorithm', 'nope')
        error = self.assertRaises(errors.StoreFailed, self.store.add,
                                  'image-1', self.path)
        self.assertIn('hashing_algorithm nope', error.message)

    def test_partial_data_of_an_interrupted_attempt_is_replaced(self):
        with open(os.path.join(self.datadir, 'image-1'), 'wb') as f:
            f.write(b'partial')
        stored = self.store.add('image-1', self.path)
        self.assertEqual(len(self.data), stored['size'])

    def test_delete_and_discard(self):
        stored = self.store.add('image-1', self.path)
        self.assertTrue(self.store.delete(stored['location']))
        self.assertFalse(self.store.delete(stored['location']))
        self.store.add('image-2', self.path)
        self.store.discard('image-2')
        self.store.discard('image-3')
        self.assertEqual([], os.listdir(self.datadir))
        self.store.add('image-4', self.path)
        self.store.discard_everywhere('image-4')
        self.assertEqual([], os.listdir(self.datadir))

    def test_store_full(self):
        def full(*args, **kwargs):
            raise store_exc.StorageFull()
        self.store.default.add = full
        error = self.assertRaises(errors.StoreFull, self.store.add,
                                  'image-1', self.path)
        self.assertEqual(
            'The image store has no space left for this image (%d bytes). '
            'Try again later, or ask the cloud operator to free space in '
            'the image store.' % len(self.data), error.message)

    def test_contains(self):
        self.assertTrue(self.store.contains(
            os.path.join(self.datadir, 'x')))
        self.assertFalse(self.store.contains('/etc/passwd'))
        self.assertFalse(self.store.contains(
            os.path.join(self.datadir, '..', 'x')))

    def test_open(self):
        stored = self.store.add('image-1', self.path)
        chunks, size = self.store.open(stored['location'])
        self.assertEqual(len(self.data), size)
        self.assertEqual(self.data, b''.join(chunks))

    def test_configured_directory(self):
        other = os.path.join(self.state_path, 'elsewhere')
        self.conf.set_override('filesystem_store_datadir', other,
                               group='glance_store')
        store = store_mod.ImageStore(self.conf)
        self.assertEqual([other], store.datadirs)
        self.assertTrue(store.add('x', self.path)['location'].startswith(
            'file://' + other))
