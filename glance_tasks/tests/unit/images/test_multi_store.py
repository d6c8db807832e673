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

"""Multi-store: two real filesystem stores, each in its own directory."""

import hashlib
import os

from oslo_config import cfg

from glance_tasks.cmd import status
from glance_tasks import conf as gt_conf
from glance_tasks.images import errors
from glance_tasks.images import store as store_mod
from glance_tasks.tests import base
from glance_tasks.tests import multi_store


class TestSingleStoreNames(base.TestCase):

    def test_no_backends_in_single_store(self):
        self.assertEqual([], store_mod.backend_names(self.conf))
        self.assertIsNone(store_mod.default_backend(self.conf))
        store = store_mod.ImageStore(self.conf)
        self.assertFalse(store.multi)
        self.assertIsNone(store.store_of({'url': 'file:///x', 'metadata': {}}))

    def test_a_backend_named_in_single_store_is_refused(self):
        path = os.path.join(self.state_path, 'data')
        with open(path, 'wb') as f:
            f.write(b'x')
        error = self.assertRaises(errors.StoreFailed,
                                  store_mod.ImageStore(self.conf).add,
                                  'image-1', path, backend='fast')
        self.assertIn('no store named fast', error.message)


class TestMultiStore(base.TestCase):

    def setUp(self):
        super().setUp()
        multi_store.configure(self.conf)
        self.store = store_mod.ImageStore(self.conf)
        self.fast = multi_store.datadir(self.conf, 'fast')
        self.slow = multi_store.datadir(self.conf, 'slow')
        self.data = os.urandom(100 * 1024 + 3)
        self.path = os.path.join(self.state_path, 'staged')
        with open(self.path, 'wb') as f:
            f.write(self.data)

    def test_names_and_default(self):
        self.assertEqual(['fast', 'slow'],
                         store_mod.backend_names(self.conf))
        self.assertEqual('fast', store_mod.default_backend(self.conf))
        self.assertTrue(self.store.multi)
        self.assertEqual([self.fast, self.slow], self.store.datadirs)
        self.assertEqual(['file', 'filesystem'],
                         self.store.enabled_schemes())

    def test_reserved_stores_are_never_names(self):
        self.conf.set_override('enabled_backends', {
            'fast': 'file', 'os_glance_staging_store': 'file'})
        self.assertEqual(['fast'], store_mod.backend_names(self.conf))

    def test_add_goes_to_the_named_store(self):
        stored = self.store.add('image-1', self.path, backend='slow')
        target = os.path.join(self.slow, 'image-1')
        self.assertEqual({
            'location': 'file://' + target,
            'size': len(self.data),
            'checksum': hashlib.md5(self.data).hexdigest(),
            'os_hash_algo': 'sha512',
            'os_hash_value': hashlib.sha512(self.data).hexdigest(),
            'metadata': {'store': 'slow'}}, stored)
        with open(target, 'rb') as f:
            self.assertEqual(self.data, f.read())
        self.assertEqual([], os.listdir(self.fast))

    def test_add_without_a_name_goes_to_the_default(self):
        stored = self.store.add('image-1', self.path)
        self.assertEqual({'store': 'fast'}, stored['metadata'])
        self.assertEqual(['image-1'], os.listdir(self.fast))
        self.assertFalse(os.path.exists(self.slow)
                         and os.listdir(self.slow))

    def test_add_stream_to_each_store(self):
        for name in ('fast', 'slow'):
            with open(self.path, 'rb') as data:
                stored = self.store.add_stream('image-1', data,
                                               backend=name)
            self.assertEqual({'store': name}, stored['metadata'])
            self.assertEqual(len(self.data), stored['size'])
        self.assertEqual(['image-1'], os.listdir(self.fast))
        self.assertEqual(['image-1'], os.listdir(self.slow))

    def test_unknown_store(self):
        error = self.assertRaises(errors.StoreFailed, self.store.add,
                                  'image-1', self.path, backend='nope')
        self.assertIn('no store named nope', error.message)

    def test_open_and_delete_each_store(self):
        in_fast = self.store.add('image-1', self.path)
        in_slow = self.store.add('image-1', self.path, backend='slow')
        chunks, size = self.store.open(in_slow['location'], backend='slow')
        self.assertEqual((self.data, len(self.data)),
                         (b''.join(chunks), size))
        chunks, size = self.store.open(in_fast['location'], 10, 5)
        self.assertEqual((self.data[10:15], 5), (b''.join(chunks), size))
        self.assertTrue(self.store.delete(in_slow['location'],
                                          backend='slow'))
        self.assertFalse(self.store.delete(in_slow['location']))
        self.assertEqual([], os.listdir(self.slow))
        self.assertEqual(['image-1'], os.listdir(self.fast))

    def test_a_uri_finds_its_store(self):
        in_slow = self.store.add('image-1', self.path, backend='slow')
        self.assertEqual('slow', self.store.backend_of(in_slow['location']))
        self.assertIsNone(self.store.backend_of('file:///etc/passwd'))
        self.assertIsNone(self.store.backend_of('http://example.com/x'))
        # Recorded before multi-store: no store in its metadata.
        self.assertEqual('slow', self.store.store_of(
            {'url': in_slow['location'], 'metadata': {}}))
        self.assertEqual('fast', self.store.store_of(
            {'url': in_slow['location'], 'metadata': {'store': 'fast'}}))

    def test_discard_looks_only_at_one_store(self):
        self.store.add('image-1', self.path)
        self.store.add('image-1', self.path, backend='slow')
        self.store.discard('image-1', 'slow')
        self.assertEqual([], os.listdir(self.slow))
        self.assertEqual(['image-1'], os.listdir(self.fast))
        self.store.discard('image-1')
        self.assertEqual([], os.listdir(self.fast))

    def test_discard_everywhere(self):
        self.store.add('image-1', self.path, backend='slow')
        self.store.add('image-2', self.path)
        self.store.discard_everywhere('image-1')
        self.assertEqual([], os.listdir(self.slow))
        self.assertEqual(['image-2'], os.listdir(self.fast))

    def test_partial_data_in_the_named_store_is_replaced(self):
        os.makedirs(self.slow, exist_ok=True)
        with open(os.path.join(self.slow, 'image-1'), 'wb') as f:
            f.write(b'partial')
        stored = self.store.add('image-1', self.path, backend='slow')
        self.assertEqual(len(self.data), stored['size'])

    def test_contains_every_file_store(self):
        self.assertTrue(self.store.contains(os.path.join(self.fast, 'x')))
        self.assertTrue(self.store.contains(os.path.join(self.slow, 'x')))
        self.assertFalse(self.store.contains(
            os.path.join(self.slow, '..', 'x')))

    def test_describe(self):
        self.assertEqual(
            ('file', {'data_dir': self.slow, 'chunk_size': 64 * 1024,
                      'thin_provisioning': False}),
            self.store.describe('slow'))

    def test_two_configurations_never_share_a_store(self):
        other = cfg.ConfigOpts()
        gt_conf.load(args=[], conf=other)
        self.addCleanup(other.reset)
        other_state = os.path.join(self.state_path, 'other')
        other.set_override('state_path', other_state)
        multi_store.configure(other, default='slow')
        other_store = store_mod.ImageStore(other)
        stored = other_store.add('image-1', self.path)
        self.assertEqual({'store': 'slow'}, stored['metadata'])
        self.assertTrue(stored['location'].startswith(
            'file://' + os.path.join(other_state, 'slow')))
        self.assertEqual([self.fast, self.slow], self.store.datadirs)
        self.assertEqual({'store': 'fast'},
                         self.store.add('image-1', self.path)['metadata'])


class TestConfiguration(base.TestCase):

    def refused(self, enabled, default='fast'):
        self.conf.set_override('enabled_backends', enabled)
        self.conf.set_override('default_backend', default,
                               group='glance_store')
        error = self.assertRaises(store_mod.ConfigurationError,
                                  store_mod.ImageStore, self.conf)
        return str(error)

    def test_reserved_prefix(self):
        self.assertIn("'os_glance_' is reserved", self.refused(
            {'fast': 'file', 'os_glance_mine': 'file'}))

    def test_default_backend_missing_or_unknown(self):
        self.assertIn('default_backend must name one of the stores',
                      self.refused({'fast': 'file'}, default=None))
        self.assertIn('default_backend nope is not one of the stores',
                      self.refused({'fast': 'file'}, default='nope'))

    def test_unknown_type(self):
        self.assertIn('store fast has the type floppy',
                      self.refused({'fast': 'floppy'}))

    def test_two_file_stores_in_one_directory(self):
        # Neither sets filesystem_store_datadir: both would use the
        # default directory.
        self.assertIn('share the directory',
                      self.refused({'fast': 'file', 'slow': 'file'}))

    def test_groups_read_from_a_configuration_file(self):
        path = os.path.join(self.state_path, 'glance-tasks.conf')
        with open(path, 'w') as f:
            f.write('[DEFAULT]\nenabled_backends = fast:file, slow:file\n'
                    'state_path = %s\n'
                    '[glance_store]\ndefault_backend = slow\n'
                    '[fast]\nfilesystem_store_datadir = $state_path/f\n'
                    'store_description = Fast disk\n'
                    '[slow]\nfilesystem_store_datadir = $state_path/s\n'
                    '[os_glance_staging_store]\n'
                    'filesystem_store_datadir = $state_path/staged\n'
                    % self.state_path)
        conf = gt_conf.load(args=['--config-file', path],
                            conf=cfg.ConfigOpts())
        self.assertEqual({'fast': 'file', 'slow': 'file'},
                         conf.enabled_backends)
        self.assertEqual('Fast disk', conf.fast.store_description)
        self.assertEqual(os.path.join(self.state_path, 'staged'),
                         conf.os_glance_staging_store.filesystem_store_datadir)
        store = store_mod.ImageStore(conf)
        self.assertEqual('slow', store.default_backend)
        # The default store's directory first.
        self.assertEqual([os.path.join(self.state_path, 's'),
                          os.path.join(self.state_path, 'f')],
                         store.datadirs)


class TestUpgradeCheck(base.TestCase):
    """``glance-tasks-status upgrade check``: the image stores."""

    def check(self):
        return status.UpgradeChecks(self.conf)._check_image_stores()

    def test_one_store(self):
        result = self.check()
        self.assertEqual(status.Code.SUCCESS, result.code)
        self.assertIn('One store ([glance_store] default_store = file)',
                      result.details)

    def test_several_stores(self):
        multi_store.configure(self.conf)
        result = self.check()
        self.assertEqual(status.Code.SUCCESS, result.code)
        self.assertEqual('Stores fast, slow; the default is fast.',
                         result.details)

    def test_a_configuration_that_cannot_work(self):
        multi_store.configure(self.conf, default='tape')
        result = self.check()
        self.assertEqual(status.Code.FAILURE, result.code)
        self.assertIn('refuse to start: [glance_store] default_backend '
                      'tape is not one of the stores', result.details)
