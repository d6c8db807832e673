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

"""The interoperable import through the real clients, to the end.

The clients' own tests (``tests/functional/api/test_import_clients.py``)
check what the API answers them, with a task that waits. Here the task
is the real ``api_image_import``: glanceclient's
``image-create-via-import`` and openstacksdk's ``create_image(...,
use_import=True)`` end with an ``active`` image holding the data sent,
and a web-download of a source answering 404 ends ``queued`` with the
task saying why.
"""

import hashlib
import os

import testtools

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.tests.functional.api import test_clients
from glance_tasks.tests.functional.api import test_import_clients
from glance_tasks.tests.unit.engine import fixtures as engine_fixtures
from glance_tasks.tests.unit.images import fixtures as image_fixtures


def _enable(conf):
    test_import_clients._enable_import(conf)
    conf.set_override('allowed_hosts', ['127.0.0.1'],
                      group='import_filtering_opts')
    conf.set_override('allowed_ports', [], group='import_filtering_opts')


class RealImportClientTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(test_clients.ServerFixture(
            before_app=_enable))
        self.tempdir = self.useFixture(
            test_clients.test_fixtures.TempDir()).path
        self.source = self.useFixture(image_fixtures.ImageServer(
            os.path.join(self.tempdir, 'source')))
        self.context = gt_context.get_admin_context()
        self.data = os.urandom(300 * 1024)

    def write(self):
        path = os.path.join(self.tempdir, 'image.raw')
        with open(path, 'wb') as f:
            f.write(self.data)
        return path

    def ended(self, image_id):
        """The image once its import task has ended, with the task."""
        def done():
            tasks = task_db.list_tasks(self.context,
                                       filters={'image_id': image_id})
            if tasks and tasks[0].status in ('success', 'failure'):
                return task_db.get(self.context, tasks[0].id)
            return None
        task = engine_fixtures.wait_for(done, 60, what='the import')
        return image_db.get(self.context, image_id), task

    def assertImported(self, image_id):
        image, task = self.ended(image_id)
        self.assertEqual('success', task.status, task.message)
        self.assertEqual('active', image.status)
        self.assertEqual(hashlib.md5(self.data).hexdigest(), image.checksum)


class TestGlanceCLI(RealImportClientTestCase):

    def glance(self, *args):
        return test_clients.run_glance(self, self.server.url, *args)

    def test_create_via_import_glance_direct(self):
        created = self.glance('image-create-via-import', '--name', 'direct',
                              '--disk-format', 'raw',
                              '--container-format', 'bare',
                              '--import-method', 'glance-direct',
                              '--file', self.write())
        image_id = test_import_clients.TestGlanceCLI.field(created.stdout,
                                                           'id')
        self.assertImported(image_id)

    def test_web_download_of_a_missing_file(self):
        created = self.glance('image-create-via-import', '--name', 'web',
                              '--disk-format', 'raw',
                              '--container-format', 'bare',
                              '--import-method', 'web-download',
                              '--uri', self.source.url('missing.raw'))
        image_id = test_import_clients.TestGlanceCLI.field(created.stdout,
                                                           'id')
        image, task = self.ended(image_id)
        self.assertEqual('failure', task.status)
        self.assertIn('answered HTTP 404', task.message)
        self.assertEqual('queued', image.status)
        self.assertIn('answered HTTP 404',
                      self.glance('image-tasks', image_id).stdout)


class TestOpenStackSDK(RealImportClientTestCase):

    def setUp(self):
        super().setUp()
        from openstack import connection
        self.conn = connection.Connection(
            auth_type='none', image_endpoint_override=self.server.url)
        self.addCleanup(self.conn.close)

    def test_create_image_use_import(self):
        image = self.conn.image.create_image(
            name='sdk-import', disk_format='raw', container_format='bare',
            data=self.data, use_import=True, validate_checksum=False)
        self.assertImported(image.id)
        self.assertEqual(self.data, b''.join(
            self.conn.image.download_image(image.id, stream=True)
            .iter_content(65536)))
