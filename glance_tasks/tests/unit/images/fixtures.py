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

"""Fixtures for the image task types: a real HTTP source, real images.

:class:`ImageServer` is an ``http.server`` on 127.0.0.1 in a thread,
serving the files of a directory, plus a few misbehaving routes:

``/lie/<name>``
    announces twice the file's length, sends the file, then closes.
``/redirect?to=<url>``
    answers 302 to ``url``.
``/slow/<name>?rate=<bytes per second>``
    sends the file slowly, in 64 KiB pieces.
``/nolength/<name>``
    sends the file without a Content-Length, closing at the end.
``/broken/<name>``
    sends half the file in chunked encoding, then closes without the
    final chunk.

:func:`make_image` writes small raw and qcow2 images with ``qemu-img``.
"""

import http.server
import os
import shutil
import subprocess
import threading
import time
import types
import urllib.parse

import fixtures

from glance_tasks.task_types import image_import
from glance_tasks.task_types import location_import
from glance_tasks.task_types import noop
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests.unit.engine import fixtures as engine_fixtures

QEMU_IMG = shutil.which('qemu-img')
PIECE = 64 * 1024


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):
        pass  # quiet: the test reads server.requests instead

    def _file(self, name):
        path = os.path.join(self.server.root, os.path.basename(name))
        return path if os.path.isfile(path) else None

    def _send_file(self, path, length=None, rate=None, close=False):
        size = os.path.getsize(path)
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        if length is not False:
            self.send_header('Content-Length', str(length or size))
        if close or length is False:
            self.send_header('Connection', 'close')
            self.close_connection = True
        self.end_headers()
        with open(path, 'rb') as f:
            while True:
                piece = f.read(PIECE)
                if not piece:
                    break
                try:
                    self.wfile.write(piece)
                except OSError:
                    return
                if rate:
                    time.sleep(len(piece) / rate)
        if close:
            self.wfile.flush()
            self.connection.shutdown(2)

    def _send_broken_chunks(self, path):
        self.send_response(200)
        self.send_header('Transfer-Encoding', 'chunked')
        self.send_header('Connection', 'close')
        self.close_connection = True
        self.end_headers()
        with open(path, 'rb') as f:
            data = f.read()
        half = data[:len(data) // 2]
        for start in range(0, len(half), PIECE):
            piece = half[start:start + PIECE]
            self.wfile.write(b'%x\r\n%s\r\n' % (len(piece), piece))
        self.wfile.flush()
        self.connection.shutdown(2)

    def do_GET(self):
        self.server.requests.append(self.path)
        self.server.auth.append(self.headers.get('Authorization'))
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = url.path.strip('/').split('/')
        route, name = (parts[0], parts[-1]) if len(parts) > 1 else \
            ('', parts[0])
        if route == 'redirect':
            self.send_response(302)
            self.send_header('Location', query['to'][0])
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        path = self._file(name)
        if path is None:
            body = b'no such image\n'
            self.send_response(404)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if route == 'lie':
            self._send_file(path, length=os.path.getsize(path) * 2 + 1,
                            close=True)
        elif route == 'slow':
            self._send_file(path, rate=float(query['rate'][0]))
        elif route == 'nolength':
            self._send_file(path, length=False)
        elif route == 'broken':
            self._send_broken_chunks(path)
        else:
            self._send_file(path)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """Quiet: clients that go away (killed on purpose) are expected."""


class ImageServer(fixtures.Fixture):
    """An HTTP server on 127.0.0.1 serving the files of ``root``."""

    def __init__(self, root):
        super().__init__()
        self.root = root

    def _setUp(self):
        os.makedirs(self.root, exist_ok=True)
        self.server = _Server(('127.0.0.1', 0), _Handler)
        self.server.root = self.root
        self.server.requests = []
        self.server.auth = []
        self.port = self.server.server_address[1]
        thread = threading.Thread(target=self.server.serve_forever,
                                  kwargs={'poll_interval': 0.05},
                                  daemon=True, name='image-server')
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def url(self, name, route=None, **query):
        path = '/%s/%s' % (route, name) if route else '/%s' % name
        if query:
            path += '?' + urllib.parse.urlencode(query)
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    @property
    def requests(self):
        return list(self.server.requests)

    @property
    def auth_headers(self):
        return list(self.server.auth)


def qemu_img(*args):
    subprocess.run([QEMU_IMG, *args], check=True, capture_output=True,
                   timeout=60)


def make_image(directory, name, disk_format='raw', size=1024 * 1024,
               data=True, backing=None, data_file=None):
    """Write an image file; return its path.

    ``data`` fills a raw image with non-zero bytes (so hashes mean
    something); a qcow2 is made by converting such a raw file.
    """
    path = os.path.join(directory, name)
    if disk_format == 'raw':
        with open(path, 'wb') as f:
            if data:
                block = bytes(range(256)) * 256
                written = 0
                while written < size:
                    piece = block[:size - written]
                    f.write(piece)
                    written += len(piece)
            else:
                f.truncate(size)
        return path
    if backing is not None:
        qemu_img('create', '-f', disk_format, '-b', backing, '-F',
                 'qcow2', path, str(size))
    elif data_file is not None:
        qemu_img('create', '-f', disk_format, '-o',
                 'data_file=%s' % data_file, path, str(size))
    else:
        raw = make_image(directory, name + '.src', 'raw', size)
        qemu_img('convert', '-f', 'raw', '-O', disk_format, raw, path)
        os.unlink(raw)
    return path


ALL_TYPES = (noop.Noop, image_import.Import, location_import.LocationImport)


class ImageServiceTestCase(engine_fixtures.ServiceTestCase):
    """The real task service with the image task types and a source."""

    ENABLED = ('noop', 'import', 'location_import')

    def setUp(self):
        super().setUp()
        self.source_dir = os.path.join(self.state_path, 'source')
        self.server = self.useFixture(ImageServer(self.source_dir))
        group = 'import_filtering_opts'
        self.conf.set_override('allowed_hosts', ['127.0.0.1'], group=group)
        self.conf.set_override('allowed_ports', [], group=group)
        self.conf.set_override('fetch_timeout', 10, group='image_import')
        # Broken transfers are retried at once: the tests wait for less.
        self.conf.set_override('fetch_retry_backoff', 0,
                               group='image_import')

    def registry(self, enabled=None):
        return registry_mod.TaskTypeRegistry(
            ALL_TYPES, enabled=self.ENABLED if enabled is None else enabled)

    @property
    def store_dir(self):
        return self.conf.glance_store.filesystem_store_datadir

    @property
    def work_dir(self):
        return self.conf.image_import.work_dir

    def image_row(self, image_id):
        """The image as stored, deleted or not, as a namespace."""
        rows = [row for row in self.db.rows('images')
                if row['id'] == image_id]
        self.assertEqual(1, len(rows), 'image %s' % image_id)
        return types.SimpleNamespace(**rows[0])

    def files_in(self, directory):
        if not os.path.isdir(directory):
            return []
        return sorted(os.listdir(directory))

    def assertNoLeftovers(self, keep=()):
        self.assertEqual(sorted(keep), self.files_in(self.store_dir))
        self.assertEqual([], self.files_in(self.work_dir))
