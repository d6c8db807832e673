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

"""``/v2/images/{id}/locations`` over the real app: a real task runs.

The location is a file inside the filesystem store's directory, and the
``location_import`` task runs on the service's local executor.
"""

import hashlib
import os
import time

from oslo_serialization import jsonutils
from oslo_utils import uuidutils
import testtools
import webob

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.tests.functional.api import fixtures

PROJECT = fixtures.PROJECT_A
MEMBER = {'X-Project-Id': PROJECT, 'X-Roles': 'member,reader'}
SERVICE = {'X-Project-Id': PROJECT, 'X-Roles': 'reader,service'}
TIMEOUT = 60


class TestImageLocations(testtools.TestCase):

    BACKEND = 'sqlite'

    def setUp(self):
        super().setUp()
        self.env = fixtures.APIEnvironment(backend=self.BACKEND, overrides={
            ('enabled_task_types', 'task'): ['noop', 'location_import']})
        self.addCleanup(self.env.stop)
        self.context = gt_context.get_admin_context()
        self.datadir = os.path.join(self.env.tempdir, 'images')
        os.makedirs(self.datadir, exist_ok=True)

    def request(self, path, method='GET', body=None, headers=MEMBER):
        req = webob.Request.blank(path, method=method, headers=headers)
        if body is not None:
            req.content_type = 'application/json'
            req.body = jsonutils.dump_as_bytes(body)
        return req.get_response(self.env.app)

    def queued_image(self, status='queued'):
        images = image_lifecycle.ImageLifecycle(self.env.conf)
        image = images.create(self.context, dict(
            id=uuidutils.generate_uuid(), owner=PROJECT,
            disk_format='raw', container_format='bare'))
        if status != 'queued':
            image_db.update_status(self.context, image.id, 'queued', status)
        return image.id

    def test_add_location_then_list(self):
        image_id = self.queued_image()
        data = os.urandom(5000)
        path = os.path.join(self.datadir, 'external-data')
        with open(path, 'wb') as f:
            f.write(data)
        url = 'file://' + path
        response = self.request('/v2/images/%s/locations' % image_id,
                                'POST', {'url': url, 'validation_data': {
                                    'checksum': hashlib.md5(data)
                                    .hexdigest()}})
        self.assertEqual(202, response.status_code, response.text)
        task_id = response.headers['Location'].rsplit('/', 1)[-1]
        deadline = time.monotonic() + TIMEOUT
        while (task_db.get(self.context, task_id).status
               not in ('success', 'failure')
               and time.monotonic() < deadline):
            time.sleep(0.1)
        task = task_db.get(self.context, task_id)
        self.assertEqual('success', task.status, task.message)
        image = image_db.get(self.context, image_id)
        self.assertEqual('active', image.status)
        self.assertEqual(len(data), image.size)
        path_url = '/v2/images/%s/locations' % image_id
        self.assertEqual(403, self.request(path_url).status_code)
        listed = self.request(path_url, headers=SERVICE)
        self.assertEqual(200, listed.status_code, listed.text)
        self.assertEqual([url], [loc['url'] for loc in listed.json_body])

    def test_not_queued_is_409(self):
        image_id = self.queued_image(status='active')
        response = self.request('/v2/images/%s/locations' % image_id,
                                'POST', {'url': 'file:///etc/passwd'})
        self.assertEqual(409, response.status_code)

    def test_bad_bodies_are_400(self):
        image_id = self.queued_image()
        path = '/v2/images/%s/locations' % image_id
        for body in ({'url': ''}, {'url': 'file:///x', 'colour': 'red'},
                     {'url': 'file:///x', 'validation_data': {
                         'checksum': 'not-hex'}}, {}):
            response = self.request(path, 'POST', body)
            self.assertEqual(400, response.status_code, body)
            self.assertTrue(response.json_body['errors'][0]['detail'])
        self.assertEqual('queued', image_db.get(self.context,
                                                image_id).status)


class TestImageLocationsPostgreSQL(TestImageLocations):

    BACKEND = 'postgresql'
