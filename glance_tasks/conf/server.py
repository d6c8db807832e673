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

"""``[DEFAULT]`` options of the ``glance-tasks-api`` console script's server.

None of them is used when a WSGI server (uWSGI, Apache mod_wsgi) runs
``glance_tasks.wsgi.api:application``: that server has its own settings.
"""

from oslo_config import cfg

# Glance listens on 9292; a different default lets both run on one host.
DEFAULT_PORT = 9494

_NOT_UNDER_WSGI = (' Not used when a WSGI server (uWSGI, Apache) runs '
                   'glance_tasks.wsgi.api:application.')

bind_opts = [
    cfg.HostAddressOpt('bind_host',
                       default='127.0.0.1',
                       help='Address glance-tasks-api listens on (Glance\'s '
                            'option name). The default, loopback, suits '
                            'the embedded single-host setup with '
                            '``[api] auth_strategy = noauth``; set '
                            '0.0.0.0 or a service address only together '
                            'with ``auth_strategy = keystone``.' +
                            _NOT_UNDER_WSGI),
    cfg.PortOpt('bind_port',
                default=DEFAULT_PORT,
                help='TCP port glance-tasks-api listens on. The default '
                     'differs from Glance\'s 9292 so both can run on one '
                     'host.' + _NOT_UNDER_WSGI),
    cfg.IntOpt('backlog',
               default=4096,
               min=1,
               help='Length of the listening socket\'s queue of '
                    'connections the kernel has accepted but the server '
                    'has not yet picked up (``listen()`` backlog). Raise '
                    'it only if clients see connection resets under '
                    'bursts; the kernel caps it at '
                    '``net.core.somaxconn``.' + _NOT_UNDER_WSGI),
]

pool_opts = [
    cfg.IntOpt('server_threads',
               default=16,
               min=1,
               help='Number of threads that handle HTTP requests: at most '
                    'this many requests are read, run and answered at '
                    'once; further requests wait until a thread is free. '
                    'A thread is taken only while a request is being '
                    'received or answered: idle keep-alive connections '
                    'and connections that have sent nothing yet hold '
                    'none, so the thread count does not grow with the '
                    'number of clients. Each running request may hold a '
                    'database connection: keep it no larger than '
                    '``[database] max_pool_size`` plus '
                    '``[database] max_overflow``. Task flows run on '
                    'their own threads (``[task_executor] max_workers``).'
                    + _NOT_UNDER_WSGI),
]

timeout_opts = [
    cfg.IntOpt('client_socket_timeout',
               default=60,
               min=1,
               help='Seconds to wait on a client socket (Glance\'s option '
                    'name): for each read of a request and each write of '
                    'a response, and for a keep-alive connection -- or a '
                    'new one -- to send its next request, after which '
                    'the server closes it. Lower it if many clients keep '
                    'connections open they do not use; raise it for '
                    'clients on slow links. Unlike Glance, 0 (wait '
                    'forever) is not allowed. Related options: '
                    '``client_header_timeout``, ``client_body_timeout``, '
                    '``http_keepalive``.' + _NOT_UNDER_WSGI),
    cfg.IntOpt('client_header_timeout',
               default=20,
               min=1,
               help='Seconds a client has to send a whole request line '
                    'and headers, counted from their first byte. A '
                    'client slower than that gets 408 and its connection '
                    'is closed, so one sending a byte now and then '
                    '(slowloris) cannot hold a server thread. Related '
                    'options: ``client_socket_timeout``, '
                    '``server_threads``.' + _NOT_UNDER_WSGI),
    cfg.IntOpt('client_body_timeout',
               default=60,
               min=1,
               help='Seconds a client has to send a whole request body, '
                    'counted from the end of its headers; fixed-length '
                    'and chunked bodies alike. A client slower than that '
                    'gets 408 and its connection is closed. Bodies here '
                    'are small JSON documents (``[api] '
                    'max_request_body_size``). Related option: '
                    '``client_header_timeout``.' + _NOT_UNDER_WSGI),
    cfg.IntOpt('graceful_shutdown_timeout',
               default=60,
               min=0,
               help='Seconds glance-tasks-api waits, after SIGTERM or '
                    'SIGINT, for the requests being handled to finish '
                    '(oslo.service\'s option name). It stops accepting '
                    'connections and closes idle ones at once; requests '
                    'still running after this many seconds have their '
                    'connection closed. Then the task service stops '
                    '(running flows finish, notifications are flushed). '
                    '0 waits for running requests however long they '
                    'take.' + _NOT_UNDER_WSGI),
]

protocol_opts = [
    cfg.BoolOpt('http_keepalive',
                default=True,
                help='Keep a client\'s connection open for further '
                     'requests after a response (HTTP/1.1 keep-alive, '
                     'Glance\'s option name). With False every response '
                     'carries ``Connection: close``. Idle connections '
                     'are closed after ``client_socket_timeout``.' +
                     _NOT_UNDER_WSGI),
    cfg.IntOpt('max_header_line',
               default=16384,
               min=0,
               help='Longest request line or header line accepted, in '
                    'bytes (Glance\'s option name); a request line over '
                    'it gets 414, a header line 431. The request line '
                    'and headers together may take at most 100 times '
                    'this. Raise it if clients send large tokens (PKI '
                    'tokens with a big catalog); 0 sets no limit at '
                    'all.' + _NOT_UNDER_WSGI),
]

tls_opts = [
    cfg.StrOpt('cert_file',
               help='PEM file of the certificate (with any intermediate '
                    'certificates after it) glance-tasks-api serves HTTPS '
                    'with. Set it together with ``key_file``; with '
                    'neither, the server speaks plain HTTP (put a TLS '
                    'proxy in front, or use these). The server refuses '
                    'to start if only one is set or a file cannot be '
                    'read.' + _NOT_UNDER_WSGI),
    cfg.StrOpt('key_file',
               help='PEM file of the private key of ``cert_file`` '
                    '(unencrypted; keep it readable only by the service '
                    'user).' + _NOT_UNDER_WSGI),
]

server_opts = (bind_opts + pool_opts + timeout_opts + protocol_opts +
               tls_opts)


def register_opts(conf):
    conf.register_opts(server_opts)


def list_opts():
    return [('DEFAULT', server_opts)]
