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

"""An image service of "another region", as glance-download sees it.

A real HTTP server on 127.0.0.1 answering the two calls glance-download
makes, ``GET /v2/images/{id}`` (the image's record) and ``GET
/v2/images/{id}/file`` (its data), only with the right ``X-Auth-Token``
(else 401), as Glance does behind auth_token. The test sets what it
serves: the record, the data, and on purpose wrong answers (other data
than the record's hashes say, a redirect to another server). Every
request's path and token are kept. The tests with two real instances of
this service are in ``tests/functional/api/test_glance_download.py``.
"""

import http.server
import json
import threading

import fixtures


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):
        pass

    def _send(self, status, body=b'', content_type='application/json',
              headers=()):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        server = self.server
        token = self.headers.get('X-Auth-Token')
        server.seen.append((self.path, token))
        if server.token is not None and token != server.token:
            return self._send(401, b'{"error": "unauthorized"}')
        parts = self.path.strip('/').split('/')
        if len(parts) < 3 or parts[:2] != ['v2', 'images'] or \
                parts[2] not in server.images:
            return self._send(404, b'{"error": "not found"}')
        image_id = parts[2]
        if parts[3:] == []:
            return self._send(200, json.dumps(
                server.images[image_id]).encode('utf-8'))
        if parts[3:] == ['file']:
            if server.redirect is not None:
                return self._send(302, headers=[('Location',
                                                 server.redirect)])
            return self._send(200, server.data[image_id],
                              'application/octet-stream')
        return self._send(404)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """Quiet: clients going away are expected."""


class RemoteGlance(fixtures.Fixture):
    """The remote region's image service; ``url`` is its endpoint."""

    def __init__(self, token=None):
        super().__init__()
        self.token = token

    def _setUp(self):
        self.server = _Server(('127.0.0.1', 0), _Handler)
        self.server.images = {}
        self.server.data = {}
        self.server.seen = []
        self.server.token = self.token
        self.server.redirect = None
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        thread = threading.Thread(target=self.server.serve_forever,
                                  kwargs={'poll_interval': 0.05},
                                  daemon=True, name='remote-glance')
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def add(self, image_id, record, data):
        self.server.images[image_id] = dict(record, id=image_id)
        self.server.data[image_id] = data

    def redirect_to(self, url):
        self.server.redirect = url

    @property
    def seen(self):
        """``[(path, X-Auth-Token)]`` of every request, in order."""
        return list(self.server.seen)
