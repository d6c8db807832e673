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

"""Imports to the end through the real clients and the real flow.

The ``api_image_import`` task type runs as shipped; a loopback HTTP
server is the web-download source. Each client's import ends with the
image ``active`` and its checksum that of the data sent, the lock and
the staged data gone; a source answering 404 leaves the image queued
and the task's message saying so.
"""

import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time

import testtools

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.images import staging
from glance_tasks.tests.functional.api import test_clients
from glance_tasks.tests import multi_store

TIMEOUT = 60
DATA = os.urandom(512 * 1024)


class _Source(http.server.BaseHTTPRequestHandler):

    def do_GET(self):
        if self.path != '/image.raw':
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Length', str(len(DATA)))
        self.end_headers()
        self.wfile.write(DATA)

    def log_message(self, *args):
        pass


def _configure(conf):
    conf.set_override('enabled_task_types', ['api_image_import'],
                      group='task')
    conf.set_override('allowed_hosts', ['127.0.0.1'],
                      group='import_filtering_opts')
    conf.set_override('allowed_ports', [], group='import_filtering_opts')


class TestImportToTheEnd(testtools.TestCase):

    def setUp(self):
        super().setUp()
        source = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Source)
        threading.Thread(target=source.serve_forever, daemon=True).start()
        self.addCleanup(source.server_close)
        self.addCleanup(source.shutdown)
        self.source = 'http://127.0.0.1:%d' % source.server_port
        self.server = self.useFixture(test_clients.ServerFixture(
            before_app=_configure))
        self.tempdir = self.useFixture(
            test_clients.test_fixtures.TempDir()).path
        self.context = gt_context.get_admin_context()
        self.md5 = hashlib.md5(DATA).hexdigest()

    def write(self):
        path = os.path.join(self.tempdir, 'image.raw')
        with open(path, 'wb') as f:
            f.write(DATA)
        return path

    def wait_for(self, image_id, status):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            image = image_db.get(self.context, image_id)
            if image.status == status:
                return image
            time.sleep(0.1)
        self.fail('image %s is %s, never %s' % (image_id, image.status,
                                                status))

    def assert_imported(self, image_id):
        image = self.wait_for(image_id, 'active')
        self.assertEqual(self.md5, image.checksum)
        self.assertEqual(len(DATA), image.size)
        properties = image_db.get_properties(self.context, image_id)
        self.assertNotIn('os_glance_import_task', properties)
        self.assertFalse(os.path.exists(
            staging.path_of(self.server.env.conf, image_id)))
        [task] = self.server.env.service.list_tasks(
            self.context, filters={'image_id': image_id})
        self.assertEqual('api_image_import', task.type)

    def glance(self, *args):
        return test_clients.run_glance(self, self.server.url, *args)

    @staticmethod
    def field(table, name):
        for line in table.splitlines():
            cells = [cell.strip() for cell in line.split('|')]
            if len(cells) > 2 and cells[1] == name:
                return cells[2]
        raise AssertionError('no %s in %s' % (name, table))

    def test_glanceclient_glance_direct(self):
        created = self.glance('image-create-via-import', '--name', 'gd',
                              '--disk-format', 'raw',
                              '--container-format', 'bare',
                              '--import-method', 'glance-direct',
                              '--file', self.write())
        self.assert_imported(self.field(created.stdout, 'id'))

    def test_glanceclient_web_download(self):
        created = self.glance('image-create-via-import', '--name', 'wd',
                              '--disk-format', 'raw',
                              '--container-format', 'bare',
                              '--import-method', 'web-download',
                              '--uri', self.source + '/image.raw')
        self.assert_imported(self.field(created.stdout, 'id'))

    def test_glanceclient_stage_then_import(self):
        created = self.glance('image-create', '--name', 'two-steps',
                              '--disk-format', 'raw',
                              '--container-format', 'bare')
        image_id = self.field(created.stdout, 'id')
        self.glance('image-stage', '--file', self.write(), image_id)
        self.glance('image-import', '--import-method', 'glance-direct',
                    image_id)
        self.assert_imported(image_id)
        tasks = self.glance('image-tasks', image_id).stdout
        self.assertIn('success', tasks)

    def sdk(self):
        from openstack import connection
        conn = connection.Connection(
            auth_type='none', image_endpoint_override=self.server.url)
        self.addCleanup(conn.close)
        return conn

    def test_openstacksdk(self):
        conn = self.sdk()
        image = conn.image.create_image(
            name='sdk', disk_format='raw', container_format='bare',
            data=DATA, use_import=True, validate_checksum=False)
        self.assert_imported(image.id)
        web = conn.image.create_image(
            name='sdk-web', disk_format='raw', container_format='bare')
        conn.image.import_image(web, method='web-download',
                                uri=self.source + '/image.raw')
        self.assert_imported(web.id)

    def test_a_source_answering_404_leaves_the_image_queued(self):
        conn = self.sdk()
        image = conn.image.create_image(
            name='sdk-404', disk_format='raw', container_format='bare')
        response = conn.image.import_image(
            image, method='web-download', uri=self.source + '/missing')
        self.assertEqual(202, response.status_code)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            [task] = self.server.env.service.list_tasks(
                self.context, filters={'image_id': image.id})
            if task.status == 'failure':
                break
            time.sleep(0.1)
        task = self.server.env.service.get_task(self.context, task.id)
        self.assertEqual('failure', task.status)
        self.assertIn('404', task.message)
        self.assertEqual('queued', self.wait_for(image.id, 'queued').status)

    def test_openstackclient_create_import(self):
        env = {name: value for name, value in os.environ.items()
               if not name.startswith('OS_')}
        done = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), 'openstack'),
             '--os-auth-type', 'none', '--os-endpoint', self.server.url,
             'image', 'create', '--import', '--disk-format', 'raw',
             '--container-format', 'bare', '--file', self.write(),
             '-f', 'json', 'osc'],
            capture_output=True, text=True, env=env, timeout=TIMEOUT,
            check=False, stdin=subprocess.DEVNULL)
        self.assertEqual(0, done.returncode, done.stderr)
        self.assert_imported(json.loads(done.stdout)['id'])


def _configure_two_stores(conf):
    _configure(conf)
    multi_store.configure(conf)


class TestCopyImage(testtools.TestCase):
    """glanceclient's copy-image into a second store, to the end."""

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(test_clients.ServerFixture(
            before_app=_configure_two_stores))
        self.tempdir = self.useFixture(
            test_clients.test_fixtures.TempDir()).path
        self.context = gt_context.get_admin_context()

    def test_copy_into_another_store(self):
        path = os.path.join(self.tempdir, 'image.raw')
        with open(path, 'wb') as f:
            f.write(DATA)
        created = test_clients.run_glance(
            self, self.server.url, 'image-create', '--name', 'copied',
            '--disk-format', 'raw', '--container-format', 'bare',
            '--file', path)
        image_id = TestImportToTheEnd.field(created.stdout, 'id')
        test_clients.run_glance(self, self.server.url, 'image-import',
                                '--import-method', 'copy-image',
                                '--stores', 'slow', image_id)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            stores = {(location['metadata'] or {}).get('store') for location
                      in image_db.get_locations(self.context, image_id)}
            if stores == {'fast', 'slow'}:
                break
            time.sleep(0.1)
        self.assertEqual({'fast', 'slow'}, stores)
        image = image_db.get(self.context, image_id)
        self.assertEqual('active', image.status)
        self.assertEqual(hashlib.md5(DATA).hexdigest(), image.checksum)
        with open(os.path.join(multi_store.datadir(self.server.env.conf,
                                                   'slow'), image_id),
                  'rb') as f:
            self.assertEqual(DATA, f.read())
