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

"""The interoperable import end to end: the real app, task and source.

``PUT /stage`` and ``POST /import`` through the real WSGI app, the real
``api_image_import`` task type on the real engines, a real HTTP source
(one that serves a file, and answers 404 for anything else), one store
and two. What a client sees: the image, its tasks, their messages; an
image deleted with ``DELETE /v2/images/{id}`` during its import.
"""

import hashlib
import json
import os

import testtools
import webob

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.images import staging
from glance_tasks.tests.functional.api import fixtures
from glance_tasks.tests import multi_store
from glance_tasks.tests.unit.engine import fixtures as engine_fixtures
from glance_tasks.tests.unit.images import fixtures as image_fixtures

MEMBER = {'X-Project-Id': fixtures.PROJECT_A, 'X-Roles': 'member,reader',
          'X-User-Id': 'importer'}
# copy-image is an admin's, as in Glance.
ADMIN = dict(MEMBER, **{'X-Roles': 'admin,member,reader'})
SIZE = 2 * 1024 * 1024 + 7


class HTTPImportTestCase(testtools.TestCase):

    BEFORE_APP = None

    def setUp(self):
        super().setUp()
        self.source_dir = self.useFixture(
            image_fixtures.fixtures.TempDir()).path
        self.server = self.useFixture(
            image_fixtures.ImageServer(self.source_dir))
        overrides = {
            ('enabled_task_types', 'task'): ['api_image_import'],
            ('allowed_hosts', 'import_filtering_opts'): ['127.0.0.1'],
            ('allowed_ports', 'import_filtering_opts'): [],
        }
        self.env = fixtures.APIEnvironment(overrides=overrides,
                                           before_app=self.BEFORE_APP)
        self.addCleanup(self.env.stop)
        self.admin = gt_context.get_admin_context()
        path = image_fixtures.make_image(self.source_dir, 'disk.raw',
                                         size=SIZE)
        with open(path, 'rb') as f:
            self.data = f.read()

    def call(self, path, method='GET', body=None,
             content_type='application/json', headers=MEMBER):
        req = webob.Request.blank(path, method=method)
        req.headers.update(headers)
        if body is not None:
            req.content_type = content_type
            req.body = body if isinstance(body, bytes) else \
                json.dumps(body).encode()
        return req.get_response(self.env.app)

    def create(self):
        response = self.call('/v2/images', 'POST', {
            'name': 'imported', 'disk_format': 'raw',
            'container_format': 'bare'})
        self.assertEqual(201, response.status_code, response.text)
        return response.json['id']

    def start_import(self, image_id, body, headers=MEMBER):
        response = self.call('/v2/images/%s/import' % image_id, 'POST', body,
                             headers=headers)
        self.assertEqual(202, response.status_code, response.text)

    def finished_task(self, image_id, count=1):
        """The image's newest import task, once its ``count`` ended."""
        def ended():
            response = self.call('/v2/images/%s/tasks' % image_id)
            tasks = response.json['tasks']
            if len(tasks) < count or any(
                    task['status'] not in ('success', 'failure')
                    for task in tasks):
                return None
            return max(tasks, key=lambda task: task['created_at'])
        return engine_fixtures.wait_for(ended, 60, what='the import task')

    def image(self, image_id):
        response = self.call('/v2/images/%s' % image_id)
        self.assertEqual(200, response.status_code, response.text)
        return response.json

    def staging_files(self):
        return os.listdir(staging.work_dir(self.env.conf))


class SingleStoreTest(HTTPImportTestCase):

    def test_glance_direct(self):
        image_id = self.create()
        response = self.call('/v2/images/%s/stage' % image_id, 'PUT',
                             self.data, 'application/octet-stream')
        self.assertEqual(204, response.status_code, response.text)

        self.start_import(image_id, {'method': {'name': 'glance-direct'}})
        task = self.finished_task(image_id)

        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual('api_image_import', task['type'])
        self.assertEqual({'image_id': image_id}, task['result'])
        image = self.image(image_id)
        self.assertEqual('active', image['status'])
        self.assertEqual(hashlib.md5(self.data).hexdigest(),
                         image['checksum'])
        self.assertEqual(SIZE, image['size'])
        # The lock is shown while it is held, as Glance shows it.
        self.assertNotIn('os_glance_import_task', image)
        self.assertEqual([], self.staging_files())
        response = self.call('/v2/images/%s/file' % image_id)
        self.assertEqual(self.data, response.body)

    def test_web_download_404(self):
        image_id = self.create()

        self.start_import(image_id, {'method': {
            'name': 'web-download', 'uri': self.server.url('missing')}})
        task = self.finished_task(image_id)

        self.assertEqual('failure', task['status'])
        self.assertIn('answered HTTP 404 (Not Found)', task['message'])
        self.assertIn("the import method's uri", task['message'])
        self.assertNotIn('import_from', task['message'])
        image = self.image(image_id)
        self.assertEqual('queued', image['status'])
        self.assertNotIn('os_glance_import_task', image)
        self.assertEqual([], self.staging_files())

    def test_web_download(self):
        image_id = self.create()

        self.start_import(image_id, {'method': {
            'name': 'web-download', 'uri': self.server.url('disk.raw')}})
        task = self.finished_task(image_id)

        self.assertEqual('success', task['status'], task['message'])
        image = self.image(image_id)
        self.assertEqual('active', image['status'])
        self.assertEqual(hashlib.sha512(self.data).hexdigest(),
                         image['os_hash_value'])

    def test_image_deleted_during_web_download(self):
        image_id = self.create()
        self.start_import(image_id, {'method': {
            'name': 'web-download',
            'uri': self.server.url('disk.raw', 'slow', rate=256 * 1024)}})
        engine_fixtures.wait_for(self.staging_files, 30,
                                 what='the download to start')

        response = self.call('/v2/images/%s' % image_id, 'DELETE')
        self.assertEqual(204, response.status_code, response.text)

        def ended():
            [listed] = task_db.list_tasks(self.admin,
                                          filters={'image_id': image_id})
            task = task_db.get(self.admin, listed.id)
            return task.status in ('success', 'failure') and task
        task = engine_fixtures.wait_for(ended, 30, what='the task to stop')
        self.assertEqual('failure', task.status)
        self.assertIn('was deleted during its import', task.message)
        self.assertEqual([], self.staging_files())
        self.assertEqual([], os.listdir(
            self.env.conf.glance_store.filesystem_store_datadir)
            if os.path.isdir(
                self.env.conf.glance_store.filesystem_store_datadir)
            else [])


class MultiStoreTest(HTTPImportTestCase):

    BEFORE_APP = staticmethod(multi_store.configure)

    def test_import_then_copy_to_another_store(self):
        image_id = self.create()
        self.start_import(image_id, {
            'method': {'name': 'web-download',
                       'uri': self.server.url('disk.raw')},
            'stores': ['fast']})
        task = self.finished_task(image_id)
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual('fast', self.image(image_id)['stores'])

        self.start_import(image_id, {'method': {'name': 'copy-image'},
                                     'stores': ['slow']}, headers=ADMIN)
        task = self.finished_task(image_id, count=2)

        self.assertEqual('success', task['status'], task['message'])
        image = self.image(image_id)
        self.assertNotIn('os_glance_import_task', image)
        self.assertEqual('active', image['status'])
        self.assertEqual({'fast', 'slow'}, set(image['stores'].split(',')))
        locations = image_db.get_locations(self.admin, image_id)
        self.assertEqual({'fast', 'slow'},
                         {loc['metadata']['store'] for loc in locations})
        for location in locations:
            with open(location['url'][len('file://'):], 'rb') as f:
                self.assertEqual(self.data, f.read())
        self.assertEqual([], self.staging_files())
