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

"""The HTTP server of ``glance-tasks-api``: cheroot, every resource bounded.

cheroot -- the server of Ironic's standalone API -- speaks HTTP/1.1 with
keep-alive and chunked request bodies, runs requests on a fixed pool of
``[DEFAULT] server_threads`` threads, and keeps idle connections in one
selector thread. This module configures it from ``[DEFAULT]`` and adds
what a server open to hostile clients needs:

- a new connection takes a pool thread only once it has sent bytes
  (cheroot hands it to a thread at once, which then waits in ``recv`` for
  a client that may send nothing) and is closed, like an idle keep-alive
  one, after ``client_socket_timeout``;
- deadlines for a whole request head and body, Glance's
  ``max_header_line``, JSON errors (:mod:`glance_tasks.wsgi.connection`);
- optional TLS from ``cert_file`` and ``key_file``, checked at start;
- :func:`stop`: closes idle connections at once and waits at most
  ``graceful_shutdown_timeout`` for running requests.
"""

import ssl
import threading

from cheroot.ssl import builtin as cheroot_ssl
from cheroot import wsgi as cheroot_wsgi
from oslo_log import log as logging

from glance_tasks import exception
from glance_tasks.wsgi import connection

LOG = logging.getLogger(__name__)

SERVER_NAME = 'glance-tasks-api'


class Server(cheroot_wsgi.Server):
    """cheroot's WSGI server with the connection class of this package."""

    ConnectionClass = connection.Connection

    def process_conn(self, conn):
        # Called by the selector thread for a new connection and for one
        # that has bytes to read. A new one waits in the selector first,
        # like an idle keep-alive connection, so it costs no thread.
        if not conn.waited:
            conn.waited = True
            if not conn.pending():
                self._connections.put(conn)
                return
        super().process_conn(conn)

    def error_log(self, msg='', level=20, traceback=False):
        LOG.log(level, 'HTTP server: %s', msg, exc_info=traceback)


class _TLSAdapter(cheroot_ssl.BuiltinSSLAdapter):
    """Leaves the handshake to the connection's pool thread.

    cheroot would shake hands in the thread that accepts every
    connection, which one silent client would hold for
    ``client_socket_timeout``.
    """

    def wrap(self, sock):
        tls_socket = self.context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False)
        return tls_socket, {}


def _readable(option, path):
    try:
        with open(path, 'rb'):
            pass
    except OSError as exc:
        raise exception.InvalidServerConfig(
            reason='[DEFAULT] %s %s cannot be read: %s' % (
                option, path, exc.strerror))


def tls_adapter(conf):
    """The TLS adapter ``cert_file`` and ``key_file`` ask for, or None."""
    if not conf.cert_file and not conf.key_file:
        return None
    if not (conf.cert_file and conf.key_file):
        given, missing = (('cert_file', 'key_file') if conf.cert_file
                          else ('key_file', 'cert_file'))
        raise exception.InvalidServerConfig(
            reason='[DEFAULT] %s is set but %s is not; set both to serve '
                   'HTTPS, or neither for HTTP.' % (given, missing))
    _readable('cert_file', conf.cert_file)
    _readable('key_file', conf.key_file)
    try:
        # An empty password: an encrypted key fails here instead of
        # OpenSSL asking for its pass phrase on the terminal.
        return _TLSAdapter(conf.cert_file, conf.key_file,
                           private_key_password=b'')
    except (ssl.SSLError, ValueError) as exc:
        raise exception.InvalidServerConfig(
            reason='[DEFAULT] cert_file %s and key_file %s are not a '
                   'matching PEM certificate and unencrypted key: %s' % (
                       conf.cert_file, conf.key_file, exc))


def make_server(conf, application):
    """A cheroot server for ``application``, configured from ``conf``.

    Raises :class:`~glance_tasks.exception.InvalidServerConfig` when the
    TLS options are unusable. :func:`start` binds it.
    """
    grace = conf.graceful_shutdown_timeout
    server = Server(
        (conf.bind_host, conf.bind_port), application,
        numthreads=conf.server_threads, server_name=SERVER_NAME,
        request_queue_size=conf.backlog, timeout=conf.client_socket_timeout,
        # cheroot waits for ever on None.
        shutdown_timeout=grace or None)
    server.ssl_adapter = tls_adapter(conf)
    server.api_conf = conf
    server.header_timeout = conf.client_header_timeout
    server.body_timeout = conf.client_body_timeout
    server.max_header_line = conf.max_header_line
    # Idle connections cost a selector entry, not a thread: no limit on
    # how many stay open, or none with keep-alive off.
    server.keep_alive_conn_limit = None if conf.http_keepalive else 0
    return server


def _in_daemon_thread(function):
    # Threads inherit the daemon flag of the thread that starts them: the
    # pool threads cheroot starts here cannot keep the process alive past
    # stop()'s deadline.
    outcome = []

    def run():
        try:
            function()
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, name='http-start', daemon=True)
    thread.start()
    thread.join()
    if outcome:
        raise outcome[0]


def start(server):
    """Bind and listen, then serve on a daemon thread; ``(host, port)``."""
    _in_daemon_thread(server.prepare)
    threading.Thread(target=server.serve, name='http-server',
                     daemon=True).start()
    return server.bind_addr[:2]


def stop(server, timeout):
    """Stop serving; True if every running request finished.

    Idle connections are closed at once; running requests get ``timeout``
    seconds (0: however long they take).
    """
    stopper = threading.Thread(target=server.stop, name='http-stop',
                               daemon=True)
    stopper.start()
    # cheroot force-closes the connections of requests still running at
    # the deadline, then waits for their threads: a request stuck in the
    # application must not hold the process, so give up a moment later.
    stopper.join(timeout + 1 if timeout else None)
    if stopper.is_alive():
        LOG.warning('Requests still running %d seconds after the stop '
                    'began ([DEFAULT] graceful_shutdown_timeout); '
                    'stopping without them.', timeout)
        return False
    return True
