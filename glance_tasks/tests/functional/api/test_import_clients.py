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

"""The interoperable import through the real clients.

python-glanceclient's ``glance`` CLI, openstacksdk and OpenStackClient's
``openstack`` CLI against the API served on a loopback port. The task
each import starts is :mod:`.import_stub`'s, which waits: these tests
check what the API answers the clients (the staged data, the 202, the
task, the image ``importing``), not what the flow then does.
"""

import json
import os
import subprocess
import sys

import testtools

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.images import staging
from glance_tasks.tests.functional.api import import_stub
from glance_tasks.tests.functional.api import test_clients

TIMEOUT = 60
METHODS = ['glance-direct', 'web-download', 'copy-image']


def _enable_import(conf):
    conf.set_override('enabled_task_types', ['api_image_import'],
                      group='task')


class ImportClientTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        import_stub.RELEASE.clear()
        self.server = self.useFixture(test_clients.ServerFixture(
            before_app=_enable_import, task_types=[import_stub.StubImport]))
        # Before the server's cleanup, which waits for the flows.
        self.addCleanup(import_stub.RELEASE.set)
        self.tempdir = self.useFixture(
            test_clients.test_fixtures.TempDir()).path
        self.context = gt_context.get_admin_context()

    def write(self, data):
        path = os.path.join(self.tempdir, 'image.raw')
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def image(self, image_id):
        return image_db.get(self.context, image_id)

    def staged(self, image_id):
        with open(staging.path_of(self.server.env.conf, image_id),
                  'rb') as f:
            return f.read()

    def import_task(self, image_id):
        [listed] = self.server.env.service.list_tasks(
            self.context, filters={'image_id': image_id})
        task = self.server.env.service.get_task(self.context, listed.id)
        self.assertEqual('api_image_import', task.type)
        self.assertEqual(task.id, image_db.get_properties(
            self.context, image_id)['os_glance_import_task'])
        return task


class TestGlanceCLI(ImportClientTestCase):

    def glance(self, *args, expect_fail=False):
        return test_clients.run_glance(self, self.server.url, *args,
                                       expect_fail=expect_fail)

    @staticmethod
    def field(table, name):
        """A field of the table the CLI printed."""
        for line in table.splitlines():
            cells = [cell.strip() for cell in line.split('|')]
            if len(cells) > 2 and cells[1] == name:
                return cells[2]
        raise AssertionError('no %s in %s' % (name, table))

    def create(self):
        created = self.glance('image-create', '--name', 'via-cli',
                              '--disk-format', 'raw',
                              '--container-format', 'bare')
        return self.field(created.stdout, 'id')

    def test_import_info(self):
        shown = self.glance('import-info')
        self.assertIn('import-methods', shown.stdout)
        # The CLI wraps the long value; what is left of each name:
        for method in ('direct', 'web-download', 'copy-image'):
            self.assertIn(method, shown.stdout)

    def test_stage_then_import_glance_direct(self):
        image_id = self.create()
        data = os.urandom(200 * 1024)
        self.glance('image-stage', '--file', self.write(data), image_id)
        self.assertEqual('uploading', self.image(image_id).status)
        self.assertEqual(data, self.staged(image_id))
        self.glance('image-import', '--import-method', 'glance-direct',
                    image_id)
        self.assertEqual('importing', self.image(image_id).status)
        task = self.import_task(image_id)
        self.assertEqual('glance-direct',
                         task.input['import_req']['method']['name'])
        tasks = self.glance('image-tasks', image_id).stdout
        # One row: the task's status (its id is not a column).
        self.assertEqual(1, tasks.count('| pending') +
                         tasks.count('| processing'), tasks)

    def test_create_via_import_glance_direct(self):
        data = b'\5' * 70000
        created = self.glance('image-create-via-import', '--name', 'direct',
                              '--disk-format', 'raw',
                              '--container-format', 'bare',
                              '--import-method', 'glance-direct',
                              '--file', self.write(data))
        image_id = self.field(created.stdout, 'id')
        self.assertEqual('importing', self.image(image_id).status)
        self.assertEqual(data, self.staged(image_id))
        self.import_task(image_id)

    def test_create_via_import_web_download(self):
        created = self.glance('image-create-via-import', '--name', 'web',
                              '--disk-format', 'raw',
                              '--container-format', 'bare',
                              '--import-method', 'web-download',
                              '--uri', 'https://images.example.com/a.raw')
        image_id = self.field(created.stdout, 'id')
        self.assertEqual('importing', self.image(image_id).status)
        task = self.import_task(image_id)
        self.assertEqual('https://images.example.com/a.raw',
                         task.input['import_req']['method']['uri'])

    def test_a_refusal_reaches_the_user(self):
        image_id = self.create()
        refused = self.glance('image-import', '--import-method',
                              'web-download', '--uri', 'ftp://x/y',
                              image_id, expect_fail=True)
        self.assertIn('refused by this cloud', refused.stderr)
        self.assertIn('Scheme ftp is not allowed', refused.stderr)
        self.assertEqual('queued', self.image(image_id).status)


class TestOpenStackSDK(ImportClientTestCase):

    def setUp(self):
        super().setUp()
        from openstack import connection
        self.conn = connection.Connection(
            auth_type='none', image_endpoint_override=self.server.url)
        self.addCleanup(self.conn.close)

    def test_get_import_info(self):
        info = self.conn.image.get_import_info()
        self.assertEqual(METHODS, info.import_methods['value'])

    def test_stage_and_import(self):
        image = self.conn.image.create_image(
            name='sdk', disk_format='raw', container_format='bare')
        data = os.urandom(100 * 1024)
        self.conn.image.stage_image(image, data=data)
        self.assertEqual('uploading', self.conn.image.get_image(
            image.id).status)
        self.assertEqual(data, self.staged(image.id))
        self.conn.image.import_image(image, method='glance-direct')
        self.assertEqual('importing', self.conn.image.get_image(
            image.id).status)
        self.import_task(image.id)

    def test_web_download(self):
        image = self.conn.image.create_image(
            name='sdk-web', disk_format='raw', container_format='bare')
        self.conn.image.import_image(image, method='web-download',
                                     uri='https://images.example.com/b')
        self.assertEqual('importing', self.image(image.id).status)
        self.import_task(image.id)

    def test_create_image_use_import(self):
        data = b'\6' * 50000
        image = self.conn.image.create_image(
            name='sdk-import', disk_format='raw', container_format='bare',
            data=data, use_import=True, validate_checksum=False)
        self.assertEqual('importing', self.image(image.id).status)
        self.assertEqual(data, self.staged(image.id))
        self.import_task(image.id)

    def test_a_refusal_comes_back_with_its_message(self):
        image = self.conn.image.create_image(
            name='sdk-bad', disk_format='raw', container_format='bare')
        # import_image hands back the response, as it came.
        response = self.conn.image.import_image(image,
                                                method='glance-direct')
        self.assertEqual(409, response.status_code)
        self.assertIn('needs to be staged', response.json()['message'])
        self.assertEqual('queued', self.image(image.id).status)


class TestOpenStackClient(ImportClientTestCase):

    def openstack(self, *args):
        env = {name: value for name, value in os.environ.items()
               if not name.startswith('OS_')}
        command = [os.path.join(os.path.dirname(sys.executable),
                                'openstack'),
                   '--os-auth-type', 'none',
                   '--os-endpoint', self.server.url, *args]
        done = subprocess.run(command, capture_output=True, text=True,
                              env=env, timeout=TIMEOUT, check=False,
                              stdin=subprocess.DEVNULL)
        self.assertEqual(0, done.returncode, done.stderr)
        return done.stdout

    def test_import_info(self):
        shown = json.loads(self.openstack('image', 'import', 'info',
                                          '-f', 'json'))
        self.assertIn('glance-direct', json.dumps(shown))
        self.assertIn('copy-image', json.dumps(shown))

    def test_image_create_import(self):
        data = b'\7' * 40000
        created = json.loads(self.openstack(
            'image', 'create', '--import', '--disk-format', 'raw',
            '--container-format', 'bare', '--file', self.write(data),
            '-f', 'json', 'osc-import'))
        image_id = created['id']
        self.assertEqual('importing', self.image(image_id).status)
        self.assertEqual(data, self.staged(image_id))
        self.import_task(image_id)

    def test_stage_and_import(self):
        # ``openstack image create`` without data uploads none, so the
        # image is active (as against Glance); a queued one is made here.
        from openstack import connection
        conn = connection.Connection(
            auth_type='none', image_endpoint_override=self.server.url)
        self.addCleanup(conn.close)
        image_id = conn.image.create_image(
            name='osc-stage', disk_format='raw', container_format='bare').id
        self.openstack('image', 'stage', '--file', self.write(b'\10' * 999),
                       image_id)
        self.assertEqual('uploading', self.image(image_id).status)
        self.openstack('image', 'import', '--method', 'glance-direct',
                       image_id)
        self.assertEqual('importing', self.image(image_id).status)
        self.import_task(image_id)
