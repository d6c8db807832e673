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

"""Multi-store through the real clients: the ``glance`` CLI
(``stores-info``, ``image-upload --store``, ``stores-delete``) and
openstacksdk (``image.stores()``, ``Store.delete_image``).

The API is served on a loopback port (:class:`test_clients.
ServerFixture`) with two real file stores, ``fast`` and ``slow``; noauth
makes the clients the local admin.
"""

import json
import os
import re

import testtools

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.tests.functional.api import test_clients
from glance_tasks.tests import multi_store


def _add_copy(env, image_id, name, data):
    """Data of ``image_id`` in store ``name`` too, as copy-image adds it."""
    path = os.path.join(env.tempdir, 'copy-%s' % name)
    with open(path, 'wb') as f:
        f.write(data)
    stored = env.service.services.image_store.add(image_id, path,
                                                  backend=name)
    image_db.add_location(gt_context.get_admin_context(), image_id,
                          stored['location'], stored['metadata'])


class TestGlanceCLIStores(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(
            test_clients.ServerFixture(before_app=multi_store.configure))
        self.tempdir = self.useFixture(
            test_clients.test_fixtures.TempDir()).path

    def glance(self, *args, expect_fail=False):
        return test_clients.run_glance(self, self.server.url, *args,
                                       expect_fail=expect_fail)

    @staticmethod
    def field(table, name):
        for line in table.splitlines():
            cells = [cell.strip() for cell in line.split('|')]
            if len(cells) > 2 and cells[1] == name:
                return cells[2]
        raise AssertionError('no %s in %s' % (name, table))

    @staticmethod
    def printed(table):
        """The value glanceclient prints as ``stores``, without spaces.

        It wraps the JSON anywhere (even inside a path), so the test
        compares both sides with every space taken out.
        """
        cells = [line.split('|')[2] for line in table.splitlines()
                 if line.startswith('|') and 'Property' not in line]
        return re.sub(r'\s', '', ''.join(cells))

    def test_stores_info(self):
        expected = [{'id': 'fast', 'description': 'Fast local disk',
                     'default': 'true'}, {'id': 'slow'}]
        self.assertEqual(re.sub(r'\s', '', json.dumps(expected)),
                         self.printed(self.glance('stores-info').stdout))
        detail = self.printed(self.glance('stores-info', '--detail').stdout)
        for name in ('fast', 'slow'):
            self.assertIn(
                '"type":"file","properties":{"data_dir":"%s","chunk_size":'
                '65536,"thin_provisioning":false},"weight":0}'
                % multi_store.datadir(self.server.env.conf, name), detail)

    def test_upload_to_a_store_then_delete_from_it(self):
        created = self.glance('image-create', '--name', 'two-stores',
                              '--disk-format', 'raw',
                              '--container-format', 'bare')
        image_id = self.field(created.stdout, 'id')
        path = os.path.join(self.tempdir, 'data')
        data = b'\x07' * 70000
        with open(path, 'wb') as f:
            f.write(data)
        self.glance('image-upload', '--store', 'slow', '--file', path,
                    image_id)
        shown = self.glance('image-show', image_id).stdout
        self.assertEqual('slow', self.field(shown, 'stores'))
        _add_copy(self.server.env, image_id, 'fast', data)
        shown = self.glance('image-show', image_id).stdout
        self.assertEqual('slow,fast', self.field(shown, 'stores'))
        self.glance('stores-delete', '--store', 'slow', image_id)
        shown = self.glance('image-show', image_id).stdout
        self.assertEqual('fast', self.field(shown, 'stores'))
        last = self.glance('stores-delete', '--store', 'fast', image_id,
                           expect_fail=True)
        self.assertIn('only store containing it', last.stderr)

    def test_upload_to_an_unknown_store(self):
        created = self.glance('image-create', '--name', 'nowhere',
                              '--disk-format', 'raw',
                              '--container-format', 'bare')
        image_id = self.field(created.stdout, 'id')
        path = os.path.join(self.tempdir, 'data')
        with open(path, 'wb') as f:
            f.write(b'x')
        failed = self.glance('image-upload', '--store', 'tape', '--file',
                             path, image_id, expect_fail=True)
        # glanceclient checks the name against stores-info first.
        self.assertIn('tape', failed.stderr)
        shown = self.glance('image-show', image_id).stdout
        self.assertEqual('queued', self.field(shown, 'status'))


class TestGlanceCLISingleStore(testtools.TestCase):

    def test_stores_info_says_multi_store_is_off(self):
        server = self.useFixture(test_clients.ServerFixture())
        failed = test_clients.run_glance(self, server.url, 'stores-info',
                                         expect_fail=True)
        self.assertIn('Multi Backend support is not enabled', failed.stderr)


class TestOpenStackSDKStores(testtools.TestCase):

    def setUp(self):
        super().setUp()
        from openstack import connection
        self.server = self.useFixture(
            test_clients.ServerFixture(before_app=multi_store.configure))
        self.conn = connection.Connection(
            auth_type='none', image_endpoint_override=self.server.url)
        self.addCleanup(self.conn.close)

    def test_stores(self):
        stores = list(self.conn.image.stores())
        self.assertEqual([('fast', True, 'Fast local disk'),
                          ('slow', False, None)],
                         [(store.id, bool(store.is_default),
                           store.description) for store in stores])
        detailed = {store.id: store.properties
                    for store in self.conn.image.stores(details=True)}
        self.assertEqual(multi_store.datadir(self.server.env.conf, 'fast'),
                         detailed['fast']['data_dir'])

    def test_delete_image_from_a_store(self):
        data = b'\x09' * 50000
        image = self.conn.image.create_image(
            name='sdk-stores', disk_format='raw', container_format='bare')
        image.data = data
        image.upload(self.conn.image)
        _add_copy(self.server.env, image.id, 'slow', data)
        # openstacksdk keeps fields it does not model in properties.
        self.assertEqual('fast,slow', self.conn.image.get_image(
            image.id).properties['stores'])
        slow = next(store for store in self.conn.image.stores()
                    if store.id == 'slow')
        slow.delete_image(self.conn.image, image)
        self.assertEqual('fast', self.conn.image.get_image(
            image.id).properties['stores'])
        self.assertEqual(data, self.conn.image.download_image(
            image.id).content)
