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

"""Answers of glance-tasks-api while its PostgreSQL is stopped.

Starts a private PostgreSQL (never the shared one on :5432) and
``glance-tasks-api`` on it, runs ``--clients`` clients that alternate
``POST /v2/tasks`` with ``GET /v2/tasks`` and ``GET /v2/images``, stops
the server for ``--outage`` seconds, starts it again and keeps going for
``--after`` seconds. Prints the answers by phase and status code, the
tasks in the database by status against the 201 answers (a task whose
POST was answered an error would show as one more task than 201s), and
whether the API log holds the database password.

    .venv/bin/python tools/api_outage.py --outage 20
"""

import argparse
import collections
import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.request

from glance_tasks.tests.functional import dbserver
from glance_tasks.tests.functional import service

PORT = 19496
BASE = 'http://127.0.0.1:%d' % PORT
HEADERS = {'X-Project-Id': 'p1', 'Content-Type': 'application/json'}
TASK = b'{"type": "noop", "input": {"atoms": 1}}'


def _wait_until_up():
    for _attempt in range(150):
        try:
            urllib.request.urlopen(BASE + '/versions', timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit('glance-tasks-api did not start')


def _one_request(number):
    if number % 2:
        request = urllib.request.Request(BASE + '/v2/tasks', data=TASK,
                                         headers=HEADERS, method='POST')
    else:
        path = '/v2/tasks' if number % 4 else '/v2/images'
        request = urllib.request.Request(BASE + path, headers=HEADERS)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get('Retry-After')
    except OSError as exc:
        return type(exc).__name__, None


def _clients(count, phase, counts, stop):
    def run():
        number = 0
        while not stop.is_set():
            number += 1
            status, retry_after = _one_request(number)
            counts[(phase[0], status, retry_after)] += 1
            time.sleep(0.05)
    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def _tasks_by_status():
    statuses, marker = collections.Counter(), None
    while True:
        url = BASE + '/v2/tasks?limit=1000' + (
            '&marker=' + marker if marker else '')
        page = json.load(urllib.request.urlopen(url))['tasks']
        statuses.update(task['status'] for task in page)
        if len(page) < 1000:
            return statuses
        marker = page[-1]['id']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clients', type=int, default=4)
    parser.add_argument('--outage', type=float, default=20)
    parser.add_argument('--after', type=float, default=10)
    args = parser.parse_args()
    server = dbserver.PostgreSQLServer()
    server.setUp()
    state = tempfile.mkdtemp(prefix='gt-outage-')
    config = service.ServiceConfig(
        state, database=server.url, options={'DEFAULT': {'bind_port': PORT}},
        name='api')
    config.db_sync()
    # Its whole output in the log the password is looked for in.
    log_path = os.path.join(state, 'api.log')
    api = service.ChildProcess(
        service.command('glance-tasks-api') + ['--config-file',
                                               config.path],
        output=log_path)
    api.setUp()
    try:
        _wait_until_up()
        phase, counts, stop = ['before'], collections.Counter(), \
            threading.Event()
        threads = _clients(args.clients, phase, counts, stop)
        time.sleep(3)
        phase[0] = 'during'
        server.stop()
        time.sleep(args.outage)
        server.start()
        phase[0] = 'after'
        time.sleep(args.after)
        stop.set()
        for thread in threads:
            thread.join()
        statuses = _tasks_by_status()
    finally:
        api.stop(60)
        api.cleanUp()
        server.cleanUp()
    for key, count in sorted(counts.items(), key=str):
        when, status, retry_after = key
        print('%-7s %-5s Retry-After=%-5s %d' % (
            when, status, retry_after, count))
    created = sum(count for (_w, status, _r), count in counts.items()
                  if status == 201)
    print('tasks by status: %s; 201 answers: %d' % (dict(statuses),
                                                    created))
    with open(log_path) as log:
        text = log.read()
    print('API log: %d "answered 503" lines, password present: %s (%s)' %
          (text.count('answered 503'), dbserver.PASSWORD in text, log_path))


if __name__ == '__main__':
    main()
