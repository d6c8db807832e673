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

"""The HTTP server of ``glance-tasks-api``, probed with real sockets.

Each test starts the console script as a child process, as an operator
runs it, and talks to it with raw sockets or ``http.client``: idle and
slow clients, SIGTERM while clients hold connections, keep-alive, chunked
bodies, TLS, the limits.
"""

import datetime
import http.client
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import time

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import NameOID
import fixtures
import testtools

from glance_tasks.tests.functional import service

TIMEOUT = 60
IDLE_CLIENTS = 400
IDLE_TIMEOUT = 2
THREADS = 4
GRACE = 3
# Start-up, the task service's stop and interpreter exit on a loaded
# two-core machine: what the stop may take beyond its grace time.
STOP_MARGIN = 8
TASK = b'{"type": "noop", "input": {"atoms": 1}}'
BODY_LIMIT = 4096


def _config(state, extra, threads, grace):
    """The servers' configuration; ``extra``: more ``[DEFAULT]`` options."""
    return service.api_config(state, options={
        'DEFAULT': dict({
            'server_threads': threads,
            'client_socket_timeout': IDLE_TIMEOUT,
            'client_header_timeout': 2, 'client_body_timeout': 2,
            'graceful_shutdown_timeout': grace, 'max_header_line': 1024},
            **extra),
        'api': {'max_request_body_size': BODY_LIMIT}})


def _threads(pid):
    with open('/proc/%d/status' % pid) as status:
        for line in status:
            if line.startswith('Threads:'):
                return int(line.split()[1])


def _closed_by_server(sock):
    sock.setblocking(False)
    try:
        return sock.recv(1) == b''
    except BlockingIOError:
        return False
    except OSError:
        return True


def _read_response(sock):
    """``(status, headers, body)`` of one response read from ``sock``."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status, response.headers, response.read()


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1: ``(cert, key)`` paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, '127.0.0.1')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                critical=False)
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(directory, 'cert.pem')
    key_path = os.path.join(directory, 'key.pem')
    with open(cert_path, 'wb') as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, 'wb') as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path


class ServerTestCase(testtools.TestCase):
    """Starts ``glance-tasks-api`` with the test's configuration."""

    def setUp(self):
        super().setUp()
        self.state = self.useFixture(fixtures.TempDir()).path

    def _configure(self, extra=None, threads=THREADS, grace=GRACE):
        config = _config(self.state, extra or {}, threads, grace)
        config.db_sync()
        return config.path

    def start(self, **kwargs):
        """Start the API; set ``process``, ``port`` and ``url``."""
        self.process = self.useFixture(
            service.APIProcess(self._configure(**kwargs)))
        self.url = self.process.url
        self.port = self.process.port

    def connect(self):
        sock = socket.create_connection(('127.0.0.1', self.port),
                                        timeout=TIMEOUT)
        self.addCleanup(sock.close)
        return sock

    def connection(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                          timeout=TIMEOUT)
        self.addCleanup(conn.close)
        return conn

    def post_chunked(self, sock, chunks):
        head = ('POST /v2/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                'Content-Type: application/json\r\n'
                'Transfer-Encoding: chunked\r\n\r\n').encode()
        body = b''.join(b'%x\r\n%s\r\n' % (len(chunk), chunk)
                        for chunk in chunks)
        sock.sendall(head + body + b'0\r\n\r\n')
        return _read_response(sock)


class TestIdleClients(ServerTestCase):

    def test_idle_connections_hold_no_thread_and_are_closed(self):
        self.start()
        before = _threads(self.process.pid)
        idle = [self.connect() for _ in range(IDLE_CLIENTS)]
        time.sleep(1)
        # Each idle connection would cost a thread on a thread-per-
        # connection server; here none does.
        self.assertLessEqual(_threads(self.process.pid), before + 2)
        started = time.monotonic()
        conn = self.connection()
        conn.request('GET', '/versions')
        self.assertEqual(200, conn.getresponse().status)
        self.assertLess(time.monotonic() - started, 5,
                        'a request waited behind the idle connections')
        deadline = time.monotonic() + IDLE_TIMEOUT + 10
        while time.monotonic() < deadline:
            open_ones = [s for s in idle if not _closed_by_server(s)]
            if not open_ones:
                break
            time.sleep(0.5)
        self.assertEqual([], open_ones, '%d of %d idle connections still '
                         'open' % (len(open_ones), len(idle)))

    def test_sigterm_with_clients_holding_connections(self):
        self.start()
        for _ in range(50):
            self.connect()
        # One client half-way through its headers, one that sent a
        # whole request head and keeps its body back.
        self.connect().sendall(b'GET /versions HTTP/1.1\r\nHost: x')
        self.connect().sendall(
            b'POST /v2/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: '
            b'application/json\r\nContent-Length: 100\r\n\r\n{')
        time.sleep(0.5)
        started = time.monotonic()
        self.process.signal(signal.SIGTERM)
        try:
            code = self.process.wait(GRACE + STOP_MARGIN)
        except subprocess.TimeoutExpired:
            self.fail('still running %d s after SIGTERM' %
                      (GRACE + STOP_MARGIN))
        self.assertEqual(0, code)
        self.assertLess(time.monotonic() - started, GRACE + STOP_MARGIN)


class TestProtocol(ServerTestCase):

    def test_chunked_post_creates_a_task(self):
        self.start()
        status, _, body = self.post_chunked(
            self.connect(), [TASK[:10], TASK[10:]])
        self.assertEqual(201, status, body)
        self.assertEqual('noop', json.loads(body)['type'])

    def test_oversize_chunked_body_is_413_json(self):
        self.start()
        chunk = b'x' * 1024
        status, headers, body = self.post_chunked(
            self.connect(), [chunk] * (BODY_LIMIT // len(chunk) + 2))
        self.assertEqual(413, status, body)
        self.assertEqual('application/json', headers['Content-Type'])
        error = json.loads(body)
        self.assertEqual(413, error['errors'][0]['status'])
        self.assertIn(str(BODY_LIMIT), error['message'])

    def test_keep_alive_serves_two_requests_on_one_connection(self):
        self.start()
        conn = self.connection()
        conn.request('GET', '/versions')
        first = conn.getresponse()
        first.read()
        self.assertEqual((200, 11), (first.status, first.version))
        sock = conn.sock
        conn.request('POST', '/v2/tasks', TASK,
                     {'Content-Type': 'application/json'})
        second = conn.getresponse()
        second.read()
        self.assertEqual(201, second.status)
        self.assertIs(sock, conn.sock, 'the connection was reopened')

    def test_keep_alive_off_closes_after_each_response(self):
        self.start(extra={'http_keepalive': False})
        sock = self.connect()
        sock.sendall(b'GET /versions HTTP/1.1\r\nHost: x\r\n\r\n')
        status, headers, _ = _read_response(sock)
        self.assertEqual((200, 'close'), (status, headers['Connection']))
        self.assertEqual(b'', sock.recv(1))

    def test_slow_request_head_is_408(self):
        self.start()
        sock = self.connect()
        started = time.monotonic()
        # A byte at a time, each well within client_socket_timeout: only
        # the deadline for the whole head (2 s) stops it.
        for byte in b'GET /versions HTTP/1.1\r\nHost: 127':
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            time.sleep(0.3)
            if time.monotonic() - started > 6:
                break
        sock.settimeout(10)
        status, headers, body = _read_response(sock)
        self.assertEqual(408, status)
        self.assertEqual('application/json', headers['Content-Type'])
        self.assertLess(time.monotonic() - started, 2 + 2)

    def test_slow_body_is_408(self):
        self.start()
        sock = self.connect()
        sock.sendall(b'POST /v2/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: '
                     b'application/json\r\nContent-Length: 40\r\n\r\n{')
        sock.settimeout(10)
        status, _, body = _read_response(sock)
        self.assertEqual(408, status)
        self.assertIn('client_body_timeout', json.loads(body)['message'])

    def test_header_line_over_max_header_line_is_431(self):
        self.start()
        sock = self.connect()
        sock.sendall(b'GET /versions HTTP/1.1\r\nHost: x\r\nX-Big: ' +
                     b'a' * 2000 + b'\r\n\r\n')
        status, _, body = _read_response(sock)
        self.assertEqual(431, status)
        self.assertIn('max_header_line', json.loads(body)['message'])


class TestTLS(ServerTestCase):

    def test_https_request(self):
        cert, key = make_certificate(self.state)
        self.start(extra={'cert_file': cert, 'key_file': key})
        self.assertTrue(self.url.startswith('https://'), self.url)
        context = ssl.create_default_context(cafile=cert)
        # A silent client must not hold the handshakes of others (it
        # would, for client_socket_timeout, if cheroot's accepting thread
        # shook hands).
        self.connect()
        time.sleep(0.2)
        started = time.monotonic()
        conn = http.client.HTTPSConnection('127.0.0.1', self.port,
                                           timeout=10, context=context)
        self.addCleanup(conn.close)
        conn.request('GET', '/versions')
        response = conn.getresponse()
        self.assertEqual(200, response.status)
        self.assertLess(time.monotonic() - started, IDLE_TIMEOUT - 0.5)
        links = json.loads(response.read())['versions'][0]['links']
        self.assertTrue(links[0]['href'].startswith('https://'))

    def _refused(self, extra):
        config = self._configure(extra=extra)
        done = subprocess.run(
            service.command('glance-tasks-api') + ['--config-file', config],
            capture_output=True, text=True, timeout=TIMEOUT)
        self.assertNotEqual(0, done.returncode, done.stdout)
        self.assertNotIn('listening', done.stdout)
        return done.stderr

    def test_only_one_of_cert_and_key_is_refused(self):
        cert, _ = make_certificate(self.state)
        stderr = self._refused({'cert_file': cert})
        self.assertIn('cert_file is set but key_file is not', stderr)

    def test_unreadable_key_is_refused(self):
        cert, _ = make_certificate(self.state)
        missing = os.path.join(self.state, 'missing.pem')
        stderr = self._refused({'cert_file': cert, 'key_file': missing})
        self.assertIn('key_file %s cannot be read' % missing, stderr)
