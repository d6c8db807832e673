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

"""Resources of ``glance-tasks-api`` under idle clients, and its stop time.

    python tools/bench_http_server.py [--connections 400] [--idle-timeout 3]

Starts the console script on an embedded SQLite database (no other
service needed), then:

1. opens ``--connections`` TCP connections that send nothing, and reads
   the process's thread count and resident memory (``/proc/PID/status``)
   before and after;
2. times one ``GET /versions`` made while they are open;
3. counts how many of them the server closed ``--idle-timeout`` (plus a
   margin) seconds later -- the configuration file sets
   ``[DEFAULT] client_socket_timeout`` to that value;
4. opens as many idle connections again, sends SIGTERM and times the
   process's exit (``[DEFAULT] graceful_shutdown_timeout`` is
   ``--grace``), killing it after ``--give-up`` seconds.

Options a server does not know are ignored by oslo.config, so the same
command measures an older server too.
"""

import argparse
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import benchlib
from glance_tasks.tests.functional import service as fixture


def _status(pid):
    """``(threads, rss_kib)`` of process ``pid``."""
    fields = {}
    with open('/proc/%d/status' % pid) as status:
        for line in status:
            name, _, value = line.partition(':')
            fields[name] = value.split()
    return int(fields['Threads'][0]), int(fields['VmRSS'][0])


def _start(state, args):
    config = benchlib.service_config(state, notifications='noop', options={
        'DEFAULT': {'bind_port': 0, 'log_file': None,
                    'client_socket_timeout': args.idle_timeout,
                    'graceful_shutdown_timeout': args.grace}})
    config.db_sync()
    api = fixture.APIProcess(config.path)
    api.setUp()
    return api, api.url


def _connect(url, count):
    host, port = url.split('//')[1].rsplit(':', 1)
    return [socket.create_connection((host, int(port))) for _ in range(count)]


def _closed_by_server(sock):
    sock.setblocking(False)
    try:
        return sock.recv(1) == b''
    except BlockingIOError:
        return False
    except OSError:
        return True


def _timed_get(url):
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url + '/versions', timeout=60) as resp:
            resp.read()
            return '%.2f s (%d)' % (time.monotonic() - started, resp.status)
    except OSError as exc:
        return 'failed after %.2f s (%s)' % (time.monotonic() - started, exc)


def _stop_time(process, give_up):
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(give_up)
        return '%.2f s' % (time.monotonic() - started)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return 'not stopped after %d s (killed)' % give_up


def run(args):
    with tempfile.TemporaryDirectory() as state:
        api, url = _start(state, args)
        process = api.proc
        try:
            threads, rss = _status(process.pid)
            print('idle process: %d threads, %d MiB RSS' % (
                threads, rss // 1024))
            idle = _connect(url, args.connections)
            time.sleep(args.settle)
            threads, rss = _status(process.pid)
            print('%d idle connections: %d threads, %d MiB RSS' % (
                args.connections, threads, rss // 1024))
            print('GET /versions meanwhile: %s' % _timed_get(url))
            time.sleep(args.idle_timeout + args.settle)
            closed = sum(_closed_by_server(sock) for sock in idle)
            print('closed by the server %d s after they opened: %d of %d' % (
                args.idle_timeout + 2 * args.settle, closed, len(idle)))
            for sock in idle:
                sock.close()
            idle = _connect(url, args.connections)
            time.sleep(args.settle)
            print('SIGTERM with %d idle connections: stopped in %s '
                  '(graceful_shutdown_timeout = %d)' % (
                      args.connections, _stop_time(process, args.give_up),
                      args.grace))
        finally:
            api.cleanUp()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--connections', type=int, default=400)
    parser.add_argument('--idle-timeout', type=int, default=3)
    parser.add_argument('--grace', type=int, default=5)
    parser.add_argument('--settle', type=float, default=2.0,
                        help='seconds to let the server react')
    parser.add_argument('--give-up', type=int, default=30)
    run(parser.parse_args())


if __name__ == '__main__':
    main()
