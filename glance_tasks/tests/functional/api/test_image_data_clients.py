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

"""Image data through the real clients: glanceclient CLI and openstacksdk.

The API is served on a loopback port by the server ``glance-tasks-api``
uses (:class:`test_clients.ServerFixture`); the ``glance`` CLI runs as
a subprocess, so its chunked upload and its checksum check of the
download are exercised as a user meets them.
"""

import hashlib
import io
import os
import socket
import time
import urllib.parse

from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import outbox as outbox_db
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.tests.functional.api import test_clients

TIMEOUT = 60


class TestGlanceCLIImageData(test_clients.GlanceCLIMixin,
                             testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(test_clients.ServerFixture())
        self.tempdir = self.useFixture(
            test_clients.test_fixtures.TempDir()).path

    def write(self, name, data):
        path = os.path.join(self.tempdir, name)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def test_create_upload_download_delete(self):
        data = os.urandom(3 * 1024 * 1024 + 5)
        created = self.glance('image-create', '--name', 'with-data',
                              '--disk-format', 'raw',
                              '--container-format', 'bare')
        image_id = self.field(created.stdout, 'id')
        self.glance('image-upload', '--file', self.write('in', data),
                    image_id)
        shown = self.glance('image-show', image_id)
        self.assertEqual('active', self.field(shown.stdout, 'status'))
        self.assertEqual(hashlib.md5(data).hexdigest(),
                         self.field(shown.stdout, 'checksum'))
        self.assertEqual(str(len(data)), self.field(shown.stdout, 'size'))
        out = os.path.join(self.tempdir, 'out')
        self.glance('image-download', '--file', out, image_id)
        with open(out, 'rb') as f:
            self.assertEqual(data, f.read())
        again = self.glance('image-upload', '--file', self.write('in2', b'x'),
                            image_id, expect_fail=True)
        self.assertIn('only to a queued image', again.stderr)
        self.glance('image-delete', image_id)
        gone = self.glance('image-show', image_id, expect_fail=True)
        self.assertIn('could not be found', gone.stderr)

    def test_create_with_file(self):
        data = b'\x01' * 70000
        created = self.glance('image-create', '--name', 'one-call',
                              '--disk-format', 'raw',
                              '--container-format', 'bare',
                              '--file', self.write('in', data))
        self.assertEqual('active', self.field(created.stdout, 'status'))
        self.assertEqual(hashlib.md5(data).hexdigest(),
                         self.field(created.stdout, 'checksum'))


class TestOpenStackSDKImageData(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(test_clients.ServerFixture())
        self.conn = test_clients.sdk_connection(self, self.server.url)

    def test_upload_and_download(self):
        data = os.urandom(2 * 1024 * 1024)
        image = self.conn.image.create_image(
            name='sdk-data', disk_format='raw', container_format='bare')
        # The proxy's (deprecated) one-call create and upload.
        uploaded = self.conn.image.upload_image(
            container_format='bare', disk_format='raw', data=data,
            name='sdk-upload')
        self.assertEqual('active',
                         self.conn.image.get_image(uploaded.id).status)
        image.data = io.BytesIO(data)
        image.upload(self.conn.image)
        shown = self.conn.image.get_image(image.id)
        self.assertEqual('active', shown.status)
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         shown.hash_value)
        # download_image checks the Content-MD5 header against the md5 of
        # what it received, and raises on a mismatch.
        response = self.conn.image.download_image(shown)
        self.assertEqual(data, response.content)
        output = io.BytesIO()
        self.conn.image.download_image(shown, output=output)
        self.assertEqual(data, output.getvalue())
        self.conn.image.delete_image(shown)
        self.assertIsNone(self.conn.image.find_image(shown.id))

    def test_create_image_with_data(self):
        data = b'\x02' * 100000
        image = self.conn.create_image(
            'sdk-one-call', data=io.BytesIO(data), disk_format='raw',
            container_format='bare', wait=True, timeout=TIMEOUT,
            use_import=False)
        self.assertEqual('active', image.status)
        self.assertEqual(hashlib.md5(data).hexdigest(), image.checksum)


class TestClientGoneOverASocket(testtools.TestCase):
    """A client that closes its socket in the middle of the body."""

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(test_clients.ServerFixture())
        self.context = gt_context.get_admin_context()

    def _send_part(self, image_id, headers, part):
        address = urllib.parse.urlsplit(self.server.url)
        with socket.create_connection((address.hostname, address.port),
                                      timeout=TIMEOUT) as sock:
            sock.sendall(('PUT /v2/images/%s/file HTTP/1.1\r\n'
                          'Host: localhost\r\n'
                          'Content-Type: application/octet-stream\r\n'
                          '%s\r\n' % (image_id, headers)).encode())
            sock.sendall(part)

    def _events(self, image_id):
        with db_api.context_manager.reader.using(self.context):
            rows = self.context.session.execute(sa.select(
                outbox_db.OUTBOX.c.event_type,
                outbox_db.OUTBOX.c.payload)).all()
        return [(row.event_type, row.payload['status']) for row in rows
                if row.payload.get('id') == image_id]

    def _check(self, headers, part):
        images = image_lifecycle.ImageLifecycle(self.server.env.conf)
        image = images.create(self.context, dict(
            id=uuidutils.generate_uuid(), disk_format='raw',
            container_format='bare'))
        self._send_part(image.id, headers, part)
        # The upload started (saving), then the server saw the body end
        # early and moved the image back to queued.
        expected = [('image.create', 'queued'), ('image.prepare', 'saving'),
                    ('image.update', 'queued')]
        deadline = time.monotonic() + TIMEOUT
        while (self._events(image.id) != expected
               and time.monotonic() < deadline):
            time.sleep(0.1)
        self.assertEqual(expected, self._events(image.id))
        self.assertEqual('queued', image_db.get(self.context,
                                                image.id).status)
        datadir = os.path.join(self.server.env.tempdir, 'images')
        self.assertNotIn(image.id, os.listdir(datadir)
                         if os.path.isdir(datadir) else [])
        self.assertEqual([], image_db.get_locations(self.context, image.id))

    def test_gone_with_a_length(self):
        self._check('Content-Length: %d\r\n' % (10 * 1024 * 1024),
                    b'a' * (1024 * 1024))

    def test_gone_while_chunked(self):
        chunk = b'b' * 65536
        self._check('Transfer-Encoding: chunked\r\n',
                    (b'%x\r\n' % len(chunk) + chunk + b'\r\n') * 8)
