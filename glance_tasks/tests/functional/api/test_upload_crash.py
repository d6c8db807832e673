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

"""An API process SIGKILLed mid-upload: the image is queued again.

A real ``glance-tasks-api`` child receives ``PUT /v2/images/{id}/file``
from a raw socket that sends half of the announced body, and is killed
while it waits for the rest. The image, left ``saving``, names the dead
process's executor lease as its uploader; a second API process on the
same database requeues it once that lease has lapsed (never earlier),
with the partial file gone from the store, and takes a new upload.
"""

import hashlib
import http.client
import json
import os
import signal
import socket
import time

import fixtures
import testtools

from glance_tasks.tests.functional import service

TIMEOUT = 60
LEASE = 3
SWEEP = 1
SIZE = 4 * 1024 * 1024
HEADERS = {'X-Project-Id': 'project-a', 'X-Roles': 'member,reader',
           'X-User-Id': 'uploader'}


class ChildAPITestCase(testtools.TestCase):
    """Real ``glance-tasks-api`` children on one SQLite file and store."""

    TASK_TYPES = ('noop',)

    def setUp(self):
        super().setUp()
        self.state = self.useFixture(fixtures.TempDir()).path
        self.config = service.api_config(
            self.state, task_types=self.TASK_TYPES,
            options={'task_executor': {'lease_duration': LEASE,
                                       'sweep_interval': SWEEP}})
        self.config.db_sync()
        self.datadir = os.path.join(self.state, 'images')

    def start_api(self):
        """A ``glance-tasks-api`` child: ``(process, port)``."""
        process = self.useFixture(service.APIProcess(self.config.path))
        return process, process.port

    def call(self, port, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection('127.0.0.1', port,
                                          timeout=TIMEOUT)
        self.addCleanup(conn.close)
        conn.request(method, path, body=body,
                     headers=dict(HEADERS, **(headers or {})))
        response = conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data and
                                 response.getheader('Content-Type', '')
                                 .startswith('application/json') else data)

    def image(self, port, image_id):
        status, body = self.call(port, 'GET', '/v2/images/%s' % image_id)
        self.assertEqual(200, status, body)
        return body

    def wait_status(self, port, image_id, expected, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.image(port, image_id)['status'] == expected:
                return
            time.sleep(0.1)
        self.fail('image %s never became %s (is %s)' % (
            image_id, expected, self.image(port, image_id)['status']))

    def create_image(self, port, name='data', disk_format='raw'):
        status, body = self.call(
            port, 'POST', '/v2/images',
            json.dumps({'name': name, 'disk_format': disk_format,
                        'container_format': 'bare'}),
            {'Content-Type': 'application/json'})
        self.assertEqual(201, status, body)
        return body['id']

    def half_put(self, port, path):
        """Send the head and half the body of a PUT; keep the socket."""
        sock = socket.create_connection(('127.0.0.1', port), timeout=TIMEOUT)
        self.addCleanup(sock.close)
        head = ['PUT %s HTTP/1.1' % path,
                'Host: 127.0.0.1',
                'Content-Type: application/octet-stream',
                'Content-Length: %d' % SIZE]
        head += ['%s: %s' % item for item in HEADERS.items()]
        sock.sendall(('\r\n'.join(head) + '\r\n\r\n').encode())
        sock.sendall(b'\1' * (SIZE // 2))
        return sock

    @staticmethod
    def files_in(directory):
        """The names in ``directory``; none if it is not there yet."""
        if not os.path.isdir(directory):
            return []
        return os.listdir(directory)


class TestUploadCrash(ChildAPITestCase):

    def partial_files(self):
        """The image ids of the store's files (an upload's own name)."""
        return [name.split('.upload-')[0]
                for name in self.files_in(self.datadir)]

    def test_upload_of_a_killed_process_is_requeued_by_another(self):
        first, port = self.start_api()
        image_id = self.create_image(port, name='half')
        self.half_put(port, '/v2/images/%s/file' % image_id)
        self.wait_status(port, image_id, 'saving')
        deadline = time.monotonic() + TIMEOUT
        while not self.partial_files() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual([image_id], self.partial_files())

        # The second process is up before the kill, so the check below
        # is not raced by its start-up on a busy machine (it can take
        # longer than a lease to start).
        second, port = self.start_api()
        self.assertEqual(-signal.SIGKILL, first.kill(TIMEOUT))
        killed_at = time.monotonic()

        # Not before the dead uploader's lease has lapsed ...
        self.assertEqual('saving', self.image(port, image_id)['status'])
        # ... but within a lease and a couple of sweeps of the kill.
        self.wait_status(port, image_id, 'queued',
                         timeout=LEASE + 4 * SWEEP + 20)
        self.assertGreaterEqual(time.monotonic() - killed_at, LEASE / 2.0)
        image = self.image(port, image_id)
        self.assertIsNone(image['size'])
        self.assertIsNone(image['checksum'])
        self.assertEqual([], self.partial_files())

        data = os.urandom(SIZE)
        status, body = self.call(
            port, 'PUT', '/v2/images/%s/file' % image_id, data,
            {'Content-Type': 'application/octet-stream'})
        self.assertEqual(204, status, body)
        image = self.image(port, image_id)
        self.assertEqual('active', image['status'])
        self.assertEqual(SIZE, image['size'])
        self.assertEqual(hashlib.md5(data).hexdigest(), image['checksum'])
        self.assertEqual([image_id], self.partial_files())

    def test_a_live_upload_is_never_requeued(self):
        _, port = self.start_api()
        _, other_port = self.start_api()
        image_id = self.create_image(port, name='slow')
        sock = self.half_put(port, '/v2/images/%s/file' % image_id)
        # Several leases and sweeps of the other process go by.
        time.sleep(LEASE * 2 + SWEEP * 2)
        self.assertEqual('saving', self.image(other_port,
                                              image_id)['status'])
        sock.sendall(b'\1' * (SIZE - SIZE // 2))
        response = http.client.HTTPResponse(sock)
        response.begin()
        self.assertEqual(204, response.status, response.read())
        self.assertEqual('active', self.image(other_port,
                                              image_id)['status'])
