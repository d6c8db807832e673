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

"""``glance-tasks-api``: serve the API on one host, no WSGI server needed.

The API is served by cheroot (:mod:`glance_tasks.wsgi.server`), as
Ironic's standalone API is: HTTP/1.1 with keep-alive and chunked request
bodies, a fixed pool of ``[DEFAULT] server_threads`` request threads, idle
connections waiting in one selector thread and closed after
``client_socket_timeout``, deadlines for request heads and bodies, and
HTTPS when ``cert_file`` and ``key_file`` are set. It listens on
``bind_host`` and ``bind_port``.

SIGTERM or SIGINT stops it: no new connection is accepted, idle ones are
closed at once, running requests get ``graceful_shutdown_timeout`` seconds
to finish; then the task service stops (running flows finish,
notifications are flushed). A WSGI server (uWSGI, Apache mod_wsgi) can
run ``glance_tasks.wsgi.api:application`` instead.
"""

import signal
import sys
import time

from oslo_log import log as logging

from glance_tasks import exception
from glance_tasks.images import store
from glance_tasks.wsgi import api as wsgi_api
from glance_tasks.wsgi import server as server_mod

LOG = logging.getLogger(__name__)


def _record_signals():
    # The handler only records the signal: taking a lock (Event.set) in a
    # signal handler can deadlock with the main thread holding it.
    signals = []

    def _stop(signum, frame):
        signals.append(signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return signals


def _refuse(error):
    LOG.error('%s', error)
    print('glance-tasks-api: %s' % error, file=sys.stderr, flush=True)
    return 2


def main(argv=None):
    conf = wsgi_api.load_conf(sys.argv[1:] if argv is None else argv)
    logging.setup(conf, 'glance-tasks')
    signals = _record_signals()
    try:
        # Before the service starts: a bad option must not leave it
        # running half-configured.
        server = server_mod.make_server(conf, None)
        store.check_config(conf)
    except (exception.InvalidServerConfig,
            store.ConfigurationError) as error:
        return _refuse(error)
    application, service = wsgi_api.build(conf)
    server.wsgi_app = application
    try:
        host, port = server_mod.start(server)
    except OSError as error:
        service.stop()
        return _refuse('cannot listen on %s:%s: %s' % (
            conf.bind_host, conf.bind_port, error))
    scheme = 'https' if server.ssl_adapter else 'http'
    LOG.info('glance-tasks-api listening on %(scheme)s://%(host)s:%(port)s/',
             {'scheme': scheme, 'host': host, 'port': port})
    print('glance-tasks-api listening on %s://%s:%s/' % (scheme, host, port),
          flush=True)
    while not signals:
        time.sleep(0.2)
    LOG.info('Signal %d received: stopping.', signals[0])
    server_mod.stop(server, conf.graceful_shutdown_timeout)
    service.stop()
    LOG.info('glance-tasks-api stopped.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
