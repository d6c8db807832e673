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

"""Upload and download of image data over the real app and database.

The app is the real WSGI pipeline (size limiter, auth, router) over a
migrated SQLite file, or PostgreSQL for the status moves; the store is
the real glance_store filesystem driver under the test's state path.
"""

import hashlib
import io
import os
import struct

from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools
import webob

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import outbox as outbox_db
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.tests.functional.api import fixtures

PROJECT = fixtures.PROJECT_A
HEADERS = {'X-Project-Id': PROJECT, 'X-Roles': 'member,reader',
           'X-User-Id': 'uploader'}


def qcow2_header(virtual_size):
    """The first bytes of a qcow2 image of ``virtual_size`` bytes."""
    header = struct.pack('>4sIQIIQIIQQIIQ', b'QFI\xfb', 2, 0, 0, 16,
                         virtual_size, 0, 0, 0, 0, 0, 0, 0)
    return header + b'\0' * (512 - len(header))


class _Breaks(io.RawIOBase):
    """A body that gives ``good`` bytes, then fails as a gone client."""

    def __init__(self, good):
        self._good = io.BytesIO(good)

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._good.read(len(buffer))
        if not data:
            raise ConnectionResetError('client went away')
        buffer[:len(data)] = data
        return len(data)


class TestImageData(testtools.TestCase):

    BACKEND = 'sqlite'

    def setUp(self):
        super().setUp()
        self.env = fixtures.APIEnvironment(backend=self.BACKEND, overrides={
            ('image_size_cap', None): 1024 * 1024})
        self.addCleanup(self.env.stop)
        self.context = gt_context.get_admin_context()
        self.datadir = os.path.join(self.env.tempdir, 'images')

    def make_image(self, disk_format='raw', status='queued', **extra):
        images = image_lifecycle.ImageLifecycle(self.env.conf)
        image = images.create(self.context, dict(
            id=uuidutils.generate_uuid(), owner=PROJECT, name='data',
            disk_format=disk_format, container_format='bare', **extra))
        if status != 'queued':
            image_db.update_status(self.context, image.id, 'queued', status)
        return image.id

    def request(self, path, method='GET', body=None, chunked=False,
                **headers):
        content_type = headers.pop('content_type',
                                   'application/octet-stream')
        req = fixtures.api_request(path, method, body,
                                   dict(HEADERS, **headers),
                                   content_type=content_type,
                                   chunked=chunked)
        req.environ['REMOTE_ADDR'] = '192.0.2.7'
        return req.get_response(self.env.app)

    def upload(self, image_id, body, **kwargs):
        return self.request('/v2/images/%s/file' % image_id, 'PUT', body,
                            **kwargs)

    def image(self, image_id):
        return image_db.get(self.context, image_id)

    def stored_files(self):
        if not os.path.isdir(self.datadir):
            return []
        return os.listdir(self.datadir)

    def outbox(self):
        """Every notification written, sent by the relay or not."""
        with db_api.context_manager.reader.using(self.context):
            return self.context.session.execute(
                sa.select(outbox_db.OUTBOX).order_by(
                    outbox_db.OUTBOX.c.id)).all()

    def events(self):
        return [row.event_type for row in self.outbox()]

    def test_upload_then_download(self):
        image_id = self.make_image()
        data = os.urandom(300 * 1024)
        response = self.upload(image_id, data, chunked=True)
        self.assertEqual(204, response.status_code, response.text)
        image = self.image(image_id)
        self.assertEqual('active', image.status)
        self.assertEqual(len(data), image.size)
        self.assertEqual(len(data), image.virtual_size)
        self.assertEqual(hashlib.md5(data).hexdigest(), image.checksum)
        self.assertEqual('sha512', image.os_hash_algo)
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         image.os_hash_value)
        self.assertEqual(['image.create', 'image.prepare', 'image.upload',
                          'image.activate'], self.events())

        got = self.request('/v2/images/%s/file' % image_id)
        self.assertEqual(200, got.status_code)
        self.assertEqual(data, got.body)
        self.assertEqual('application/octet-stream', got.content_type)
        self.assertEqual(image.checksum, got.headers['Content-MD5'])
        self.assertEqual(str(len(data)), got.headers['Content-Length'])
        sends = [row for row in self.outbox()
                 if row.event_type == 'image.send']
        self.assertEqual([{'bytes_sent': len(data), 'image_id': image_id,
                           'owner_id': PROJECT,
                           'receiver_tenant_id': PROJECT,
                           'receiver_user_id': 'uploader',
                           'destination_ip': '192.0.2.7'}],
                         [row.payload for row in sends])

    def test_upload_with_a_length_over_the_json_limit(self):
        # [api] max_request_body_size is 8 KiB in these tests.
        image_id = self.make_image()
        data = os.urandom(64 * 1024)
        response = self.upload(image_id, data)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual(len(data), self.image(image_id).size)

    def test_range(self):
        image_id = self.make_image()
        data = os.urandom(4096)
        self.upload(image_id, data)
        path = '/v2/images/%s/file' % image_id
        part = self.request(path, Range='bytes=100-199')
        self.assertEqual(206, part.status_code)
        self.assertEqual(data[100:200], part.body)
        self.assertEqual('bytes 100-199/4096', part.headers['Content-Range'])
        self.assertNotIn('Content-MD5', part.headers)
        past = self.request(path, Range='bytes=5000-6000')
        self.assertEqual(416, past.status_code)
        self.assertIn('4096 bytes', past.json_body['errors'][0]['detail'])
        self.assertEqual('bytes */4096', past.headers['Content-Range'])

    def test_upload_to_a_non_queued_image_is_409(self):
        image_id = self.make_image(status='active')
        response = self.upload(image_id, b'x' * 10)
        self.assertEqual(409, response.status_code)
        self.assertIn("'active'", response.json_body['errors'][0]['detail'])
        self.assertEqual([], self.stored_files())

    def test_wrong_content_type_is_415(self):
        image_id = self.make_image()
        response = self.upload(image_id, b'{}',
                               content_type='application/json')
        self.assertEqual(415, response.status_code)
        self.assertEqual('queued', self.image(image_id).status)

    def test_over_the_cap_chunked_is_413_and_queued(self):
        image_id = self.make_image()
        response = self.upload(image_id, b'x' * (1024 * 1024 + 1),
                               chunked=True)
        self.assertEqual(413, response.status_code, response.text)
        self.assertIn('image_size_cap',
                      response.json_body['errors'][0]['detail'])
        image = self.image(image_id)
        self.assertEqual('queued', image.status)
        self.assertIsNone(image.size)
        self.assertEqual([], self.stored_files())
        self.assertEqual([], image_db.get_locations(self.context, image_id))
        # saving -> queued is announced, and the upload can be retried.
        self.assertEqual('image.update', self.events()[-1])
        self.assertEqual(204, self.upload(image_id, b'y' * 10).status_code)

    def test_over_the_cap_by_length_is_413(self):
        image_id = self.make_image()
        response = self.upload(image_id, b'x' * (1024 * 1024 + 1))
        self.assertEqual(413, response.status_code)
        self.assertEqual('queued', self.image(image_id).status)
        self.assertEqual([], self.stored_files())

    def test_client_gone_mid_body(self):
        image_id = self.make_image()
        response = self.upload(image_id, io.BufferedReader(
            _Breaks(b'z' * 200000)), chunked=True)
        self.assertEqual(400, response.status_code)
        self.assertIn('broke off', response.json_body['errors'][0]['detail'])
        self.assertEqual('queued', self.image(image_id).status)
        self.assertEqual([], self.stored_files())

    def test_body_shorter_than_its_length(self):
        image_id = self.make_image()
        req = webob.Request.blank('/v2/images/%s/file' % image_id,
                                  method='PUT', headers=HEADERS)
        req.content_type = 'application/octet-stream'
        req.body = b's' * 500
        req.environ['CONTENT_LENGTH'] = '1000'
        response = req.get_response(self.env.app)
        self.assertEqual(400, response.status_code, response.text)
        self.assertIn('500 of the 1000 bytes',
                      response.json_body['errors'][0]['detail'])
        self.assertEqual('queued', self.image(image_id).status)
        self.assertEqual([], self.stored_files())

    def test_lying_image_is_400_and_queued(self):
        # Named raw, but the data is a qcow2 image.
        image_id = self.make_image(disk_format='raw')
        response = self.upload(image_id, qcow2_header(1 << 30) +
                               b'\0' * 4096)
        self.assertEqual(400, response.status_code, response.text)
        detail = response.json_body['errors'][0]['detail']
        self.assertIn('qcow2', detail)
        self.assertEqual('queued', self.image(image_id).status)
        self.assertEqual([], self.stored_files())

    def test_qcow2_virtual_size(self):
        image_id = self.make_image(disk_format='qcow2')
        response = self.upload(image_id, qcow2_header(1 << 30) +
                               b'\0' * 4096)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual(1 << 30, self.image(image_id).virtual_size)

    def test_download_without_data_is_204(self):
        image_id = self.make_image()
        response = self.request('/v2/images/%s/file' % image_id)
        self.assertEqual(204, response.status_code)

    def test_download_of_deactivated_image(self):
        image_id = self.make_image()
        self.upload(image_id, b'd' * 100)
        image_db.update_status(self.context, image_id, 'active',
                               'deactivated')
        path = '/v2/images/%s/file' % image_id
        refused = self.request(path)
        self.assertEqual(403, refused.status_code)
        self.assertIn('deactivated', refused.json_body['errors'][0]['detail'])
        admin = self.request(path, **{'X-Roles': 'admin'})
        self.assertEqual(200, admin.status_code)
        self.assertEqual(b'd' * 100, admin.body)


class TestImageDataPostgreSQL(TestImageData):

    BACKEND = 'postgresql'
