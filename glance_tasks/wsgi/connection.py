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

"""One client connection of the cheroot server, with deadlines and limits.

cheroot bounds each socket read by ``client_socket_timeout`` only, so a
client sending a byte now and then keeps a pool thread forever. Here every
read of a request's head must end by its ``client_header_timeout``
deadline and every read of its body by its ``client_body_timeout`` one;
writes keep the plain socket timeout. A TLS handshake runs on the pool
thread under the header deadline, not on cheroot's accepting thread.
Errors the server answers itself are JSON, in the API's error format.
"""

import ssl
import time

from cheroot import errors as cheroot_errors
from cheroot import server as cheroot_server
from oslo_log import log as logging
from oslo_serialization import jsonutils

from glance_tasks.api import errors as api_errors

LOG = logging.getLogger(__name__)

# The request line and headers together may take this many maximal lines.
MAX_HEAD_LINES = 100


class BodyNotReceived(BaseException):
    """The client failed to send its request body.

    A ``BaseException`` so that the application's catch-all error handler,
    which would answer 500 and log a traceback, lets it through to the
    server: the client is at fault, and the server answers 408 (or nothing
    to a connection that broke).
    """

    def __init__(self, timed_out):
        super().__init__(timed_out)
        self.timed_out = timed_out


class TimedSocket:
    """A connection's socket whose reads end by the current deadline.

    The buffered files cheroot reads a request through call ``recv_into``
    once per socket read; arming the timeout there makes the deadline hold
    however the bytes trickle in.
    """

    def __init__(self, sock, timeout):
        self._sock = sock
        self._timeout = timeout
        self.deadline = None
        self.in_body = False

    def recv_into(self, buffer, nbytes=0):
        try:
            self._sock.settimeout(self._wait())
            return self._sock.recv_into(buffer, nbytes)
        except OSError as exc:
            if not self.in_body:
                raise
            # Raised inside the application, which reads the body.
            raise BodyNotReceived(isinstance(exc, TimeoutError)) from exc

    def send(self, data):
        self._sock.settimeout(self._timeout)
        return self._sock.send(data)

    def handshake(self, timeout):
        self._sock.settimeout(timeout)
        try:
            self._sock.do_handshake()
        finally:
            self._sock.settimeout(self._timeout)

    def _wait(self):
        if self.deadline is None:
            return self._timeout
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError('timed out')
        return min(remaining, self._timeout)

    def __getattr__(self, name):
        return getattr(self._sock, name)


class HeadReader(cheroot_server.SizeCheckWrapper):
    """The reader of a request head: Glance's per-line limit, and a total."""

    def __init__(self, rfile, max_line):
        super().__init__(rfile, max_line * MAX_HEAD_LINES)
        self.max_line = max_line

    def readline(self, size=None):
        line = super().readline(size)
        if self.max_line and len(line.rstrip(b'\r\n')) > self.max_line:
            raise cheroot_errors.MaxSizeExceeded()
        return line


def _text(value):
    if isinstance(value, bytes):
        return value.decode('latin-1')
    return str(value or '')


class Request(cheroot_server.HTTPRequest):
    """cheroot's request, with deadlines, line limits and JSON errors."""

    def parse_request(self):
        clock = self.conn.clock
        clock.deadline = time.monotonic() + self.server.header_timeout
        try:
            self._parse_head()
        finally:
            clock.deadline = None

    def _parse_head(self):
        limit = self.server.max_header_line
        self.rfile = HeadReader(self.conn.rfile, limit)
        try:
            if not self.read_request_line():
                return
        except cheroot_errors.MaxSizeExceeded:
            self.simple_response(
                '414 Request-URI Too Long',
                'The request line is longer than %d bytes ([DEFAULT] '
                'max_header_line).' % limit)
            return
        try:
            if not self.read_request_headers():
                return
        except cheroot_errors.MaxSizeExceeded:
            self.simple_response(
                '431 Request Header Fields Too Large',
                'A header line is longer than %d bytes, or the headers are '
                'longer than %d bytes together ([DEFAULT] max_header_line).'
                % (limit, limit * MAX_HEAD_LINES))
            return
        self.ready = True

    def respond(self):
        clock = self.conn.clock
        started = time.monotonic()
        clock.deadline = started + self.server.body_timeout
        clock.in_body = True
        try:
            super().respond()
        except BodyNotReceived as exc:
            self.close_connection = True
            if exc.timed_out and not self.sent_headers:
                self.simple_response(
                    '408 Request Timeout',
                    'The request body did not arrive within %d seconds '
                    '([DEFAULT] client_body_timeout).' %
                    self.server.body_timeout)
        finally:
            clock.deadline = None
            clock.in_body = False
            self._log_access(time.monotonic() - started)

    def _log_access(self, seconds):
        # The access log wsgiref's handler used to write.
        LOG.info('%(client)s "%(method)s %(uri)s %(protocol)s" %(status)s '
                 '%(seconds).3f s',
                 {'client': self.conn.remote_addr,
                  'method': _text(self.method), 'uri': _text(self.uri),
                  'protocol': _text(self.request_protocol),
                  'status': _text(self.status)[:3] or '-',
                  'seconds': seconds})

    def send_headers(self):
        # cheroot drains an unread fixed-length body before the next
        # request but not a chunked one, whose rest would then be parsed
        # as the next request.
        if self.chunked_read and not self.rfile.closed:
            self.close_connection = True
        super().send_headers()

    def simple_response(self, status, msg=''):
        """Answer an error found by the server itself, then close."""
        status = str(status)
        code = int(status[:3])
        title = status[4:]
        detail = msg or title + '.'
        body = jsonutils.dump_as_bytes(api_errors.error_body(
            {}, self.server.api_conf, code,
            api_errors.error_code(title), detail))
        self.close_connection = True
        head = ('%s %s\r\nContent-Type: application/json\r\n'
                'Content-Length: %d\r\nConnection: close\r\n\r\n' % (
                    self.server.protocol, status, len(body)))
        try:
            self.conn.wfile.write(head.encode('latin-1') + body)
        except OSError as exc:
            if exc.args[0] not in cheroot_errors.socket_errors_to_ignore:
                raise


class Connection(cheroot_server.HTTPConnection):
    """A client connection whose reads go through a :class:`TimedSocket`."""

    RequestHandlerClass = Request

    def __init__(self, server, sock, makefile=cheroot_server.MakeFile):
        super().__init__(server, sock, makefile)
        self.clock = TimedSocket(sock, server.timeout)
        self.rfile = makefile(self.clock, 'rb', self.rbufsize)
        self.wfile = makefile(self.clock, 'wb', self.wbufsize)
        # Set once the connection has waited in the selector for its
        # first bytes (see Server.process_conn).
        self.waited = False
        self.needs_handshake = isinstance(sock, ssl.SSLSocket)

    def communicate(self):
        if self.needs_handshake and not self._handshake():
            return False
        return super().communicate()

    def _handshake(self):
        try:
            self.clock.handshake(self.server.header_timeout)
        except (OSError, ValueError) as exc:
            LOG.debug('TLS handshake with %(client)s failed: %(error)s',
                      {'client': self.remote_addr, 'error': exc})
            return False
        self.needs_handshake = False
        self.ssl_env = self.server.ssl_adapter.get_environ(self.socket)
        return True

    def pending(self):
        """Whether bytes already read from the socket wait in a buffer."""
        if self.rfile.has_data():
            return True
        return bool(getattr(self.socket, 'pending', lambda: 0)())
