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

"""A real HTTP source on a bad network, for the download tests.

:class:`FlakySource` is an ``http.server`` on 127.0.0.1 serving one image
(``data``) at a few routes that misbehave on purpose. Every route takes
``drop=N`` (bytes) and ``fails=K``: the first ``K`` answers (default: all)
send their headers, at most ``N`` bytes of body, then close the
connection mid-body.

``/range``
    Honours ``Range`` and ``If-Range`` (206 with a ``Content-Range``), and
    gives a strong ETag.
``/norange``
    Gives an ETag but ignores ``Range``: always 200 with all the data.
``/novalidator``
    Honours ``Range`` but gives neither ETag nor Last-Modified.
``/changing``
    Like ``/range``, but the data and its ETag change after the first
    answer (``If-Range`` then gets the new data whole, as RFC 9110 says).
``/changing206``
    Like ``/changing``, but ignores ``If-Range``: it answers 206 with the
    new ETag, and the client must notice.
``/badrange``
    Answers a ``Range`` request 206 with a ``Content-Range`` starting at 0
    (other bytes than asked for), with the same ETag.
``/short``
    Like ``/range``, but no answer ever goes past byte ``stop``: it ends
    short every time.
``/liar``
    Serves other bytes than ``data`` (the first byte changed), whole.
``/busy``
    Answers 503 ``fails`` times, then serves the data whole.
``/stall``
    Like ``/range``, but instead of closing the connection after ``drop``
    bytes it goes silent for ``stall`` seconds, then closes it.
``/unsatisfiable``
    Like ``/range``, but answers every ``Range`` request 416.

``requests`` lists ``(route, Range header, If-Range header)`` per request.
"""

import http.server
import threading
import time
import urllib.parse

import fixtures

ETAG = '"v1"'
NEW_ETAG = '"v2"'
LAST_MODIFIED = 'Mon, 07 Dec 2026 12:00:00 GMT'


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):
        pass  # quiet: the test reads server.requests instead

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        route = url.path.strip('/')
        query = {k: int(v[0]) for k, v in
                 urllib.parse.parse_qs(url.query).items()}
        server = self.server
        with server.lock:
            server.requests.append((route, self.headers.get('Range'),
                                    self.headers.get('If-Range')))
            answer = server.answers.get(route, 0)
            server.answers[route] = answer + 1
        if route == 'busy' and answer < query.get('fails', 0):
            self.send_error(503, 'Busy')
            return
        if route == 'unsatisfiable' and self.headers.get('Range'):
            self.send_error(416, 'Range Not Satisfiable')
            return
        data, etag = server.data, ETAG
        if route == 'liar':
            data = bytes([data[0] ^ 0xff]) + data[1:]
        elif route in ('changing', 'changing206') and answer:
            data, etag = server.new_data, NEW_ETAG
        start = self._start(route, etag)
        end = len(data)
        if route == 'short':
            end = min(end, query.get('stop', end))
        drop = query.get('drop')
        if drop is not None and answer < query.get('fails', 1 << 30):
            end = min(end, start + drop)
        stall = query.get('stall', 0) if end < len(data) else 0
        self._answer(route, data, start, end, etag, stall)

    def _start(self, route, etag):
        """Where the body starts: the Range asked, if the route honours it."""
        asked = self.headers.get('Range')
        if not asked or route in ('norange', 'liar'):
            return 0
        if_range = self.headers.get('If-Range')
        if route != 'changing206' and if_range is not None and \
                if_range not in (etag, LAST_MODIFIED):
            return 0  # the data changed: all of it, 200
        return int(asked.split('=')[1].rstrip('-'))

    def _answer(self, route, data, start, end, etag, stall=0):
        partial = start > 0
        # /badrange: a 206 for other bytes than asked, all of them.
        first = 0 if route == 'badrange' else start
        self.send_response(206 if partial else 200)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Length', str(len(data) - first))
        if route != 'novalidator':
            self.send_header('ETag', etag)
            self.send_header('Last-Modified', LAST_MODIFIED)
        if partial:
            self.send_header('Content-Range', 'bytes %d-%d/%d'
                             % (first, len(data) - 1, len(data)))
        self.send_header('Connection', 'close')
        self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(data[first:end])
            self.wfile.flush()
        except OSError:
            return
        time.sleep(stall)  # the client gives up waiting meanwhile
        # Closing before Content-Length was sent is the broken transfer.
        self.connection.shutdown(2)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """Quiet: clients that go away are expected."""


class FlakySource(fixtures.Fixture):
    """A misbehaving HTTP source of ``data`` on 127.0.0.1."""

    def __init__(self, data, new_data=None):
        super().__init__()
        self.data = data
        self.new_data = new_data if new_data is not None else data[::-1]

    def _setUp(self):
        self.server = _Server(('127.0.0.1', 0), _Handler)
        self.server.data = self.data
        self.server.new_data = self.new_data
        self.server.requests = []
        self.server.answers = {}
        self.server.lock = threading.Lock()
        self.port = self.server.server_address[1]
        thread = threading.Thread(target=self.server.serve_forever,
                                  kwargs={'poll_interval': 0.05},
                                  daemon=True, name='flaky-source')
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def url(self, route, **query):
        path = '/%s' % route
        if query:
            path += '?' + urllib.parse.urlencode(query)
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    @property
    def requests(self):
        with self.server.lock:
            return list(self.server.requests)
