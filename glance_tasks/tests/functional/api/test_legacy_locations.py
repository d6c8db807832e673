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

"""``PATCH add /locations/-`` as older clients send it, to a real process.

The data sits in the filesystem store's directory of a real
``glance-tasks-api`` child; ``glance location-add`` (glanceclient's
CLI, which sends the legacy JSON patch) makes the queued image active
through an ``in_place`` ``location_import`` task: ``queued → active`` in
one move, with the size and checksum of the data read. openstacksdk's
``add_image_location`` (which now sends Glance's newer ``POST
/v2/images/{id}/locations``) is run against the same process.
"""

import hashlib
import json
import os
import time

from glance_tasks.tests.functional.api import test_clients
from glance_tasks.tests.functional.api import test_upload_crash

TIMEOUT = 60
SIZE = 1024 * 1024 + 7


class TestLegacyLocationAdd(test_upload_crash.ChildAPITestCase):

    TASK_TYPES = ('location_import',)

    def setUp(self):
        super().setUp()
        self.process, self.port = self.start_api()
        self.url = 'http://127.0.0.1:%d' % self.port
        os.makedirs(self.datadir, exist_ok=True)

    def data_in_store(self, name):
        data = os.urandom(SIZE)
        path = os.path.join(self.datadir, name)
        with open(path, 'wb') as f:
            f.write(data)
        return 'file://' + path, data

    def glance(self, *args, expect_fail=False):
        return test_clients.run_glance(self, self.url, *args,
                                       expect_fail=expect_fail)

    def test_glanceclient_location_add(self):
        image_id = self.create_image(self.port)
        url, data = self.data_in_store('legacy.raw')
        done = self.glance('location-add', '--url', url, image_id)
        self.assertIn('active', done.stdout)
        image = self.image(self.port, image_id)
        self.assertEqual('active', image['status'])
        self.assertEqual(SIZE, image['size'])
        self.assertEqual(hashlib.md5(data).hexdigest(), image['checksum'])
        status, body = self.call(self.port, 'GET',
                                 '/v2/images/%s/file' % image_id)
        self.assertEqual(200, status)
        self.assertEqual(data, body)

    def test_location_outside_the_store_is_a_400(self):
        image_id = self.create_image(self.port)
        done = self.glance('location-add', '--url', 'file:///etc/passwd',
                           image_id, expect_fail=True)
        self.assertIn('directory of the filesystem image store',
                      done.stderr)
        self.assertEqual('queued', self.image(self.port, image_id)['status'])

    def test_location_add_to_an_active_image_is_a_409(self):
        image_id = self.create_image(self.port)
        url, _ = self.data_in_store('first.raw')
        self.glance('location-add', '--url', url, image_id)
        url, _ = self.data_in_store('second.raw')
        done = self.glance('location-add', '--url', url, image_id,
                           expect_fail=True)
        self.assertIn('queued image', done.stderr)

    def test_bad_location_patches(self):
        image_id = self.create_image(self.port)
        patch = 'application/openstack-images-v2.1-json-patch'
        for ops, code in [
                ([{'op': 'replace', 'path': '/locations', 'value': []}], 403),
                ([{'op': 'add', 'path': '/locations/-', 'value': 'x'}], 400),
                ([{'op': 'add', 'path': '/locations/-',
                   'value': {'url': 'file:///x', 'metadata': {}}},
                  {'op': 'add', 'path': '/name', 'value': 'n'}], 400),
                ([{'op': 'add', 'path': '/locations/-',
                   'value': {'url': 'file:///x', 'bogus': 1}}], 400)]:
            status, body = self.call(
                self.port, 'PATCH', '/v2/images/%s' % image_id,
                json.dumps(ops), {'Content-Type': patch})
            self.assertEqual(code, status, (ops, body))
            self.assertIsInstance(body, dict, ops)
        self.assertEqual('queued', self.image(self.port, image_id)['status'])

    def test_openstacksdk_add_image_location(self):
        from openstack import connection
        conn = connection.Connection(auth_type='none',
                                     image_endpoint_override=self.url)
        self.addCleanup(conn.close)
        image_id = self.create_image(self.port)
        url, data = self.data_in_store('sdk.raw')
        conn.image.add_image_location(image_id, url)
        deadline = time.monotonic() + TIMEOUT
        while (self.image(self.port, image_id)['status'] != 'active'
               and time.monotonic() < deadline):
            time.sleep(0.1)
        image = conn.image.get_image(image_id)
        self.assertEqual('active', image.status)
        self.assertEqual(hashlib.md5(data).hexdigest(), image.checksum)
