"""``glance-tasks-api``: serve the API on one host, no WSGI server needed.

A threaded ``wsgiref`` server listens on ``[DEFAULT] bind_host`` and
``bind_port``. SIGTERM or SIGINT stops accepting requests, lets running
requests finish, then stops the task service (running flows finish,
notifications are flushed). For production behind a real WSGI server use
``glance_tasks.wsgi.api:application`` instead.
"""

import signal
import socket
import socketserver
import sys
import threading
import time
from wsgiref import simple_server

from oslo_log import log as logging

from glance_tasks.wsgi import api as wsgi_api

LOG = logging.getLogger(__name__)


class ThreadingWSGIServer(socketserver.ThreadingMixIn,
                          simple_server.WSGIServer):
    """One thread per request; ``shutdown`` waits for them to finish."""

    daemon_threads = False
    block_on_close = True
    # socketserver's default backlog of 5 makes bursts of clients wait a
    # second for a SYN retry.
    request_queue_size = 128


class RequestHandler(simple_server.WSGIRequestHandler):
    """wsgiref's handler, logging through oslo.log instead of stderr."""

    def log_message(self, format, *args):
        LOG.info('%(client)s %(line)s',
                 {'client': self.address_string(), 'line': format % args})


class ThreadingWSGIServerV6(ThreadingWSGIServer):
    address_family = socket.AF_INET6


def make_server(application, host, port):
    """A server for ``application``; port 0 picks a free port."""
    server_class = ThreadingWSGIServerV6 if ':' in host else \
        ThreadingWSGIServer
    return simple_server.make_server(
        host, port, application, server_class=server_class,
        handler_class=RequestHandler)


def serve(server, stop_requested):
    """Serve until ``stop_requested()`` is true, then close the server."""
    thread = threading.Thread(target=server.serve_forever,
                              name='wsgi-server', daemon=True)
    thread.start()
    while not stop_requested():
        time.sleep(0.2)
    server.shutdown()
    server.server_close()
    thread.join()


def main(argv=None):
    conf = wsgi_api.load_conf(sys.argv[1:] if argv is None else argv)
    logging.setup(conf, 'glance-tasks')
    application, service = wsgi_api.build(conf)
    server = make_server(application, conf.bind_host, conf.bind_port)
    # The handler only records the signal: taking a lock (Event.set) in a
    # signal handler can deadlock with the main thread holding it.
    signals = []

    def _stop(signum, frame):
        signals.append(signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    host, port = server.server_address[:2]
    LOG.info('glance-tasks-api listening on http://%(host)s:%(port)s/',
             {'host': host, 'port': port})
    print('glance-tasks-api listening on http://%s:%s/' % (host, port),
          flush=True)
    serve(server, lambda: bool(signals))
    LOG.info('Signal %d received: stopping.', signals[0])
    service.stop()
    LOG.info('glance-tasks-api stopped.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
