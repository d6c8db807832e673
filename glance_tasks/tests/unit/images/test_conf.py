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

"""The image options and their defaults.

That the sample shows glance_store's options with our defaults is in
``tests/unit/conf/test_sample.py``.
"""

import os

from glance_tasks.tests import base


class TestDefaults(base.TestCase):

    def test_store_under_the_state_path(self):
        store = self.conf.glance_store
        self.assertEqual(os.path.join(self.state_path, 'images'),
                         store.filesystem_store_datadir)
        self.assertEqual(['file'], store.stores)
        self.assertEqual('file', store.default_store)
        self.assertEqual('sha512', self.conf.hashing_algorithm)

    def test_import_defaults(self):
        opts = self.conf.image_import
        self.assertEqual(os.path.join(self.state_path, 'staging'),
                         opts.work_dir)
        self.assertEqual(1024 ** 4, opts.max_image_size)
        self.assertIsNone(opts.conversion_format)

    def test_fetch_retries_by_default(self):
        opts = self.conf.image_import
        self.assertEqual((3, 1.0), (opts.fetch_retries,
                                    opts.fetch_retry_backoff))

    def test_import_plugins_as_glance_has_them(self):
        self.assertEqual([], self.conf.image_import_opts.image_import_plugins)
        self.assertEqual('raw', self.conf.image_conversion.output_format)
        inject = self.conf.inject_metadata_properties
        self.assertEqual((['admin'], {}), (inject.ignore_user_roles,
                                           inject.inject))

    def test_filtering_on_by_default(self):
        opts = self.conf.import_filtering_opts
        self.assertEqual(['http', 'https'], opts.allowed_schemes)
        self.assertEqual([80, 443], opts.allowed_ports)
        self.assertEqual([], opts.allowed_hosts)
        self.assertEqual([], opts.allowed_networks)
        self.assertEqual([], opts.allowed_file_directories)
