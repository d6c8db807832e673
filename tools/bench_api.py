#!/usr/bin/env python3
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

"""Benchmark: the HTTP API with a large task table, beside a floor.

Seeds ``--tasks`` tasks (90% ``success``, 10% ``failure``, all of one
project, created one second apart, expiring in ten years) straight into
``tasks`` and ``task_info`` with SQLAlchemy Core bulk inserts, then serves
the real application (``make_app`` over a running ``TaskService``) with
``glance-tasks-api``'s own cheroot server on 127.0.0.1, on a free
port, in a background thread. No ``pending`` task is seeded: the service
would run it at start and so change the table during the measurement.

Measured over HTTP with ``http.client`` (one connection per request, as
clients without keep-alive make them), noauth identity headers:

* ``GET /v2/tasks?status=success&limit=25``, one client, ``--requests``
  times: p50/p99 latency;
* paging: the first page, then its ``next`` link, up to page 100:
  latency of each page and the total;
* ``GET /healthcheck``, one client: the floor for the two above;
* ``GET /healthcheck`` then ``POST /v2/tasks`` (type ``noop``, input
  ``{"atoms": 1}``), each ``--requests`` times from 8 concurrent clients:
  p50/p99 and requests/s; the healthcheck run is the floor for the POST.
  The created tasks run in the service while the POSTs go on (with
  ``--executor jobboard`` the API only posts them to a fresh Redis
  namespace, as an API host of a jobboard deployment does; no engine
  runs them).

After the POSTs the created tasks are counted in the database: with
the local executor the run waits (up to ``--max-seconds``) until none is
``pending`` or ``processing`` and prints when the last one finished,
counted from the first POST, so that tasks run late are not hidden;
every one must end ``success``. With the jobboard every 201 must have
left its task committed ``pending``. A count that differs fails the run.

Each case prints the CPU this process spent per request (server and
clients together: compare it with the floor's, not alone).

Every loop is bounded by a count and by ``--max-seconds`` per phase.

    python tools/bench_api.py --tasks 100000
    python tools/bench_api.py --tasks 10000 --executor jobboard
    python tools/bench_api.py --database-url \\
        postgresql+psycopg2://openstack_citest:openstack_citest@127.0.0.1/db

The PostgreSQL database must be empty (created fresh for the run).
"""

import argparse
import concurrent.futures
import datetime
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import uuid
import warnings

warnings.simplefilter('ignore')

from oslo_log import log as logging  # noqa: E402
import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402

import benchlib  # noqa: E402
from glance_tasks.api import app as app_mod  # noqa: E402
from glance_tasks.db import api as db_api  # noqa: E402
from glance_tasks.db import migration  # noqa: E402
from glance_tasks.db.sqlalchemy import models  # noqa: E402
from glance_tasks.tests.functional import service as fixture  # noqa: E402
from glance_tasks.wsgi import server as server_mod  # noqa: E402

HOST = '127.0.0.1'
PROJECT = 'bench-project'
HEADERS = {'X-Project-Id': PROJECT, 'X-User-Id': 'bench-user',
           'X-Roles': 'admin,member,reader', 'Accept': 'application/json'}
LIST_PATH = '/v2/tasks?status=success&limit=25'
POST_BODY = json.dumps({'type': 'noop', 'input': {'atoms': 1}})
PAGES = 100
CLIENTS = 8
CHUNK = 5000
FAILURE_EVERY = 10


def make_conf(state_path, args):
    conf = benchlib.make_conf(state_path, args.database_url)
    conf.set_override('bind_host', HOST)
    if args.executor == 'jobboard':
        conf.set_override('backend', 'jobboard', group='task_executor')
        conf.set_override('backend', 'redis', group='jobboard')
        conf.set_override('hosts', [args.redis], group='jobboard')
        conf.set_override('namespace',
                          'gt-bench-api-%s' % uuid.uuid4().hex[:8],
                          group='jobboard')
    return conf


def clean_board(conf):
    """Remove the jobs this run posted (its namespace's keys)."""
    client = redis.Redis(host=conf.jobboard.hosts[0])
    for key in client.scan_iter(match=conf.jobboard.namespace + ':*'):
        client.delete(key)


def _cpu():
    return sum(os.times()[:2])


def _rows(start, count, now):
    tasks, infos = [], []
    expires = now + datetime.timedelta(days=3650)
    for index in range(start, start + count):
        task_id = str(uuid.uuid4())
        failed = index % FAILURE_EVERY == 0
        created = now - datetime.timedelta(seconds=index + 1)
        tasks.append({
            'id': task_id, 'type': 'noop', 'owner': PROJECT,
            'status': 'failure' if failed else 'success',
            'user_id': 'bench-user', 'request_id': 'req-' + task_id,
            'expires_at': expires, 'created_at': created,
            'updated_at': created, 'deleted': False})
        infos.append({
            'task_id': task_id, 'input': {'atoms': 1},
            'result': None if failed else {},
            'message': 'bench failure' if failed else ''})
    return tasks, infos


def seed(engine, count):
    """Bulk-insert ``count`` finished tasks; return the seconds taken."""
    start = time.perf_counter()
    now = db_api.utcnow()
    for offset in range(0, count, CHUNK):
        tasks, infos = _rows(offset, min(CHUNK, count - offset), now)
        with engine.begin() as connection:
            connection.execute(sa.insert(models.Task.__table__), tasks)
            connection.execute(sa.insert(models.TaskInfo.__table__), infos)
    if engine.dialect.name == 'postgresql':
        with engine.connect().execution_options(
                isolation_level='AUTOCOMMIT') as connection:
            connection.execute(sa.text('ANALYZE'))
    return time.perf_counter() - start


def existing_tasks(engine):
    with engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(models.Task.__table__)
        ).scalar()


def count_by_status(engine):
    """``{status: number of tasks}`` in the table."""
    table = models.Task.__table__
    with engine.connect() as connection:
        return dict(connection.execute(
            sa.select(table.c.status, sa.func.count())
            .group_by(table.c.status)).all())


def _new(counts, before):
    return {status: number - before.get(status, 0)
            for status, number in counts.items()
            if number != before.get(status, 0)}


def settle(engine, before, posts, executor, max_seconds):
    """Wait for the created tasks to end; ``(new counts, seconds, ok)``.

    ``seconds``: from the first POST to the last task's end (local
    executor), or None when they are not run here (jobboard).
    """
    created = len(posts.latencies) - posts.errors
    deadline = time.monotonic() + max_seconds
    while True:
        new = _new(count_by_status(engine), before)
        live = new.get('pending', 0) + new.get('processing', 0)
        if executor == 'jobboard' or not live or \
                time.monotonic() > deadline:
            break
        time.sleep(0.02)
    if executor == 'jobboard':
        return new, None, new == ({'pending': created} if created else {})
    seconds = time.perf_counter() - posts.started
    return new, seconds, new == ({'success': created} if created else {})


def request(port, method, path, body=None):
    """One request on a new connection: ``(status, body, seconds)``."""
    headers = dict(HEADERS)
    if body is not None:
        headers['Content-Type'] = 'application/json'
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        start = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - start
    finally:
        connection.close()


class Result:
    """Latencies (seconds), errors and wall time of one measured case."""

    def __init__(self):
        self.latencies = []
        self.errors = 0
        self.wall = 0.0
        self.cpu = 0.0
        self.started = 0.0
        self.lock = threading.Lock()

    def add(self, status, expected, seconds):
        with self.lock:
            self.latencies.append(seconds)
            self.errors += status != expected

    def percentile(self, fraction):
        return benchlib.percentile(self.latencies, fraction)

    @property
    def cpu_per_request(self):
        return self.cpu / len(self.latencies) if self.latencies else 0.0

    @property
    def rate(self):
        return len(self.latencies) / self.wall if self.wall else 0.0


def sequential(port, path, count, max_seconds):
    """``count`` GETs of ``path`` one after another."""
    result = Result()
    deadline = time.monotonic() + max_seconds
    cpu = _cpu()
    start = time.perf_counter()
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        status, _body, seconds = request(port, 'GET', path)
        result.add(status, 200, seconds)
    result.wall = time.perf_counter() - start
    result.cpu = _cpu() - cpu
    return result


def _client(port, method, path, body, expected, tickets, deadline, result):
    while time.monotonic() < deadline and tickets.acquire(blocking=False):
        status, _data, seconds = request(port, method, path, body)
        result.add(status, expected, seconds)


def concurrent_run(port, method, path, body, expected, count, max_seconds):
    """``count`` requests shared by ``CLIENTS`` concurrent clients."""
    result = Result()
    tickets = threading.Semaphore(count)
    deadline = time.monotonic() + max_seconds
    cpu = _cpu()
    start = result.started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(_client, port, method, path, body, expected,
                               tickets, deadline, result)
                   for _ in range(CLIENTS)]
        for future in futures:
            future.result()
    result.wall = time.perf_counter() - start
    result.cpu = _cpu() - cpu
    return result


def paging(port, max_seconds):
    """Follow ``next`` from the first page up to page ``PAGES``."""
    result = Result()
    deadline = time.monotonic() + max_seconds
    path = LIST_PATH
    start = time.perf_counter()
    while path and len(result.latencies) < PAGES:
        if time.monotonic() > deadline:
            break
        status, data, seconds = request(port, 'GET', path)
        result.add(status, 200, seconds)
        path = json.loads(data).get('next') if status == 200 else None
    result.wall = time.perf_counter() - start
    return result


def _row(name, result, floor):
    p50 = result.percentile(0.5)
    ratio = p50 / floor.percentile(0.5) if floor else 1.0
    rate_ratio = result.rate / floor.rate if floor else 1.0
    p99 = result.percentile(0.99)
    p99_ratio = p99 / floor.percentile(0.99) if floor else 1.0
    return ('%-34s %5d %4d %8.2f %8.2f %8.1f %7.1fx %7.1fx %7.2fx %7.2f'
            % (name, len(result.latencies), result.errors, p50 * 1e3,
               p99 * 1e3, result.rate, ratio, p99_ratio, rate_ratio,
               result.cpu_per_request * 1e3))


def report(header, cases):
    print(header)
    print('%-34s %5s %4s %8s %8s %8s %8s %8s %8s %7s'
          % ('case', 'n', 'err', 'p50 ms', 'p99 ms', 'req/s',
             'p50/flr', 'p99/flr', 'rps/flr', 'CPU ms'))
    for name, result, floor in cases:
        print(_row(name, result, floor))


def report_pages(pages):
    marks = [n for n in (1, 2, 10, 50, 100) if n <= len(pages.latencies)]
    print('paging: %d pages in %.3f s; %s' % (
        len(pages.latencies), pages.wall, ', '.join(
            'page %d %.2f ms' % (n, pages.latencies[n - 1] * 1e3)
            for n in marks)))


def measure(port, args, engine):
    limit = args.max_seconds
    health = app_mod.HEALTHCHECK_PATH
    floor1 = sequential(port, health, args.requests, limit)
    listing = sequential(port, LIST_PATH, args.requests, limit)
    pages = paging(port, limit)
    floor8 = concurrent_run(port, 'GET', health, None, 200, args.requests,
                            limit)
    before = count_by_status(engine)
    posts = concurrent_run(port, 'POST', '/v2/tasks', POST_BODY, 201,
                           args.requests, limit)
    outcome = settle(engine, before, posts, args.executor, limit)
    cases = [('GET /healthcheck, 1 client', floor1, None),
             ('GET list success limit=25, 1 cl.', listing, floor1),
             ('paging to page %d, per page' % PAGES, pages, floor1),
             ('GET /healthcheck, 8 clients', floor8, None),
             ('POST /v2/tasks noop, 8 clients', posts, floor8)]
    return cases, pages, (posts, outcome)


def report_tasks(posts, outcome):
    new, seconds, ok = outcome
    counts = ', '.join('%s %d' % item for item in sorted(new.items()))
    if seconds is None:
        print('created tasks: %s (%s; not run here)' % (
            counts or 'none', 'as expected' if ok else 'WRONG COUNT'))
        return
    print('created tasks: %s (%s); the last ended %.2f s after the first '
          'POST, %.2f s after the last answer' % (
              counts or 'none', 'all success' if ok else 'WRONG COUNT',
              seconds, seconds - posts.wall))


def report_settings(engine):
    """The load and the database's durability settings of this run."""
    print('load average %.2f %.2f %.2f, %d CPUs' % (
        os.getloadavg() + (os.cpu_count(),)))
    with engine.connect() as connection:
        if engine.dialect.name == 'sqlite':
            names = ('journal_mode', 'synchronous')
            values = [connection.exec_driver_sql('PRAGMA %s' % name)
                      .scalar() for name in names]
        elif engine.dialect.name == 'postgresql':
            names = ('fsync', 'synchronous_commit', 'full_page_writes')
            values = [connection.exec_driver_sql('SHOW %s' % name)
                      .scalar() for name in names]
        else:
            names = ('innodb_flush_log_at_trx_commit', 'sync_binlog')
            values = [connection.exec_driver_sql('SELECT @@%s' % name)
                      .scalar() for name in names]
    print('database %s: %s' % (engine.dialect.name, ', '.join(
        '%s=%s' % pair for pair in zip(names, values))))


def serve(conf):
    """Start the service and server; return ``(server, service, port)``."""
    service = fixture.start_in_process(conf, sync=False)
    server, url = fixture.serve(conf, app_mod.make_app(conf, service))
    return server, service, int(url.rsplit(':', 1)[1])


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', type=int, default=100000)
    parser.add_argument('--requests', type=int, default=500,
                        help='requests per measured case (paging: %d)'
                        % PAGES)
    parser.add_argument('--database-url', default=None,
                        help='default: a SQLite file in a temp dir')
    parser.add_argument('--max-seconds', type=float, default=300,
                        help='time bound of each measured phase')
    parser.add_argument('--executor', default='local',
                        choices=['local', 'jobboard'],
                        help='[task_executor] backend of the API process')
    parser.add_argument('--redis', default='127.0.0.1',
                        help='the jobboard\'s Redis, with --executor '
                             'jobboard')
    return parser.parse_args()


def main():
    args = parse_args()
    state_path = tempfile.mkdtemp(prefix='gt-bench-api-')
    conf = make_conf(state_path, args)
    logging.setup(conf, 'glance-tasks-bench')
    db_api.configure(conf)
    migration.db_sync()
    engine = db_api.get_engine()
    if existing_tasks(engine):
        print('The database already holds tasks: use a fresh one.')
        return 2
    seconds = seed(engine, args.tasks)
    server, service, port = serve(conf)
    try:
        cases, pages, (posts, outcome) = measure(port, args, engine)
    finally:
        server_mod.stop(server, conf.graceful_shutdown_timeout)
        service.stop()
        if args.executor == 'jobboard':
            clean_board(conf)
    report('backend=%s executor=%s tasks=%d (seeded in %.1f s) requests=%d '
           'clients=%d' % (engine.dialect.name, args.executor, args.tasks,
                           seconds, args.requests, CLIENTS), cases)
    report_pages(pages)
    report_tasks(posts, outcome)
    report_settings(engine)
    failed = any(result.errors for _n, result, _f in cases)
    return 1 if failed or not outcome[2] else 0


if __name__ == '__main__':
    sys.exit(main())
