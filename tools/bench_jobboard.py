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

"""Benchmark: tasks/s end to end on the jobboard, beside the local executor.

For each engine count (default 1, 2 and 4) it starts that many
``glance-tasks-engine`` processes on a fresh Redis (or ZooKeeper)
namespace, creates N ``noop`` tasks (3 atoms each) through the task
service of this process with ``[task_executor] backend = jobboard``, and
waits until every task has ended. Then the same N tasks run through the
local executor in this process, in the same run. It prints tasks/s from
the first create to the last success, the posting rate alone, and
create→success latency p50/p99 (seen by polling the database every 20 ms).

Besides the processes' own CPU per task it prints, for each jobboard
run, the Redis commands per task (``INFO commandstats``: exact only on a
Redis no one else uses), the SQL statements and commits per task on
PostgreSQL (``pg_stat_statements`` when the server loads it, and
``pg_stat_database``; the bench's own polling left out), and with
``--server-pid NAME=PID`` the CPU per task of a server's process tree
(the postmaster and its backends, ``redis-server``). ``--posters``
creates the tasks from several threads, as API workers would: one
posting thread caps the rate at what one can post.

    python tools/bench_jobboard.py --database-url \\
        postgresql+psycopg2://openstack_citest:openstack_citest@localhost/bench

The database must exist; the bench migrates it and empties its task
tables before each run. Without ``--database-url`` a SQLite file is used.
"""

import argparse
import collections
import concurrent.futures
import datetime
import functools
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import warnings

warnings.simplefilter('ignore')

from oslo_log import log as logging  # noqa: E402
from oslo_utils import uuidutils  # noqa: E402
import sqlalchemy as sa  # noqa: E402

import benchlib  # noqa: E402
from glance_tasks.common import internals  # noqa: E402
from glance_tasks import context as gt_context  # noqa: E402
from glance_tasks.db import api as db_api  # noqa: E402
from glance_tasks.db import migration  # noqa: E402
from glance_tasks.engine import jobboard  # noqa: E402
from glance_tasks import service as service_mod  # noqa: E402
from glance_tasks.tests.functional import service as fixture  # noqa: E402

ATOMS = 3
TABLES = ('task_info', 'tasks', 'notification_outbox',
          'glance_tasks_flow_checkpoints')


def bench_config(args, state, namespace, executor, name='glance-tasks',
                 **options):
    """The poster's or an engine's configuration: one board, one database."""
    options.setdefault('jobboard', {})['hosts'] = [args.hosts]
    return benchlib.service_config(
        state, args.database_url, executor=executor, board=args.board,
        namespace=namespace, notifications='noop', options=options,
        name=name)


def make_conf(args, state, namespace, backend):
    return benchlib.load(bench_config(
        args, state, namespace, backend,
        task_executor={'max_workers': args.jobs}))


def empty_tables(engine):
    with engine.begin() as conn:
        for table in TABLES:
            if sa.inspect(conn).has_table(table):
                conn.execute(sa.text('DELETE FROM %s' % table))


def start_engines(args, state, namespace, count):
    engines = []
    for index in range(count):
        name = 'engine-%s-%d' % (namespace, index)
        config = bench_config(
            args, state, namespace, 'jobboard', name=name,
            DEFAULT={'log_file': os.path.join(state, name + '.log'),
                     'debug': False},
            jobboard={'conductor': args.conductor,
                      'max_simultaneous_jobs': args.jobs,
                      'expiration_time': 30, 'sweep_interval': 0})
        engines.append(fixture.EngineProcess(
            config.write(), os.path.join(state, name + '.out'),
            block=False))
        engines[-1].setUp()
    for engine in engines:
        engine.wait_ready()
    time.sleep(1.0)  # let every conductor connect and start polling
    return engines


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def tree_cpu_seconds(pid):
    """CPU seconds of ``pid``, its live descendants and reaped children.

    A PostgreSQL backend that exits is reaped by the postmaster, whose
    children times then hold its CPU.
    """
    stats = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry) as f:
                    fields = f.read().rsplit(')', 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            stats[int(entry)] = (int(fields[1]),
                                 sum(int(n) for n in fields[11:15]))
    children = collections.defaultdict(list)
    for child, (parent, _ticks) in stats.items():
        children[parent].append(child)
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += stats.get(current, (0, 0))[1]
        todo.extend(children[current])
    return total / os.sysconf('SC_CLK_TCK')


class ServerCounters:
    """What the servers did in a run: commands, statements, CPU."""

    PG_STATEMENTS = sa.text(
        "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE "
        "upper(query) NOT IN ('BEGIN', 'COMMIT', 'ROLLBACK')")
    PG_COMMITS = sa.text("SELECT xact_commit FROM pg_stat_database "
                         "WHERE datname = current_database()")

    def __init__(self, args, engine):
        self.args = args
        self.engine = engine
        self.servers = dict(spec.split('=', 1) for spec in args.server_pid)

    def snapshot(self, conf):
        figures = {'%s CPU' % name: tree_cpu_seconds(int(pid))
                   for name, pid in self.servers.items()}
        if conf.jobboard.backend == 'redis':
            figures['Redis commands'] = self._redis_commands(conf)
        if self.engine.url.get_backend_name() == 'postgresql':
            figures.update(self._pg_counts())
        return figures

    @staticmethod
    def _redis_commands(conf):
        board = jobboard.make_board(conf, None)
        board.connect()
        try:
            stats = internals.board_client(board).info('commandstats')
        finally:
            board.close()
        return sum(stat['calls'] for name, stat in stats.items()
                   if not name.startswith(('cmdstat_info',
                                           'cmdstat_hello')))

    def _pg_counts(self):
        # A backend's statistics reach the views when it exits (or after
        # seconds idle): they are read after the engines have stopped,
        # and once this process's own connections are closed.
        db_api.get_engine().dispose()
        self.engine.dispose()
        time.sleep(0.5)
        counts = {}
        with self.engine.connect() as conn:
            conn.execute(sa.text('SELECT pg_stat_clear_snapshot()'))
            counts['SQL commits'] = conn.execute(self.PG_COMMITS).scalar()
            try:
                with conn.begin_nested():
                    counts['SQL statements'] = conn.execute(
                        self.PG_STATEMENTS).scalar()
            except sa.exc.DBAPIError:
                pass  # pg_stat_statements not loaded
        return counts

    @staticmethod
    def report(before, after, tasks, watcher_polls):
        parts = []
        for name in before:
            delta = after[name] - before[name]
            if name == 'SQL statements':
                delta -= watcher_polls
            if name.endswith('CPU'):
                parts.append('%s %.1f ms' % (name, delta / tasks * 1e3))
            else:
                parts.append('%s %.1f' % (name, delta / tasks))
        if parts:
            print('%-22s per task: %s' % ('', ', '.join(parts)), flush=True)


def stop_engines(engines):
    for engine in engines:
        engine.signal(signal.SIGTERM)
    for engine in engines:
        engine.wait(60)
        engine.cleanUp()


class Watcher(threading.Thread):
    """Notes when each task is first seen ended, polling the database.

    Each poll reads only the tasks that ended in the last seconds, so that
    watching costs the database and this process little.
    """

    INTERVAL = 0.02
    # Timestamps are whole seconds: look back a little before each poll.
    SLACK = datetime.timedelta(seconds=2)

    def __init__(self, engine, count):
        super().__init__(daemon=True)
        self.engine = engine
        self.count = count
        self.ended = {}
        self.polls = 0
        self.done = threading.Event()

    def run(self):
        query = sa.text("SELECT id, status FROM tasks WHERE status IN "
                        "('success', 'failure') AND updated_at >= :since")
        since = datetime.datetime(2000, 1, 1)
        while len(self.ended) < self.count and not self.done.is_set():
            now = time.perf_counter()
            polled_at = db_api.utcnow()
            with self.engine.connect() as conn:
                for task_id, status in conn.execute(query,
                                                    {'since': since}):
                    self.ended.setdefault(task_id, (now, status))
            self.polls += 1
            since = polled_at - self.SLACK
            time.sleep(self.INTERVAL)
        self.done.set()


def post_tasks(service, count, created):
    """Create ``count`` tasks; the CPU seconds this thread spent."""
    context = gt_context.RequestContext(project_id='bench', user_id='bench')
    thread_cpu = time.thread_time()
    for _ in range(count):
        task = service.create_task(context, 'noop', {'atoms': ATOMS})
        created[task.id] = time.perf_counter()
    return time.thread_time() - thread_cpu


def run_once(args, conf, engine, timeout, watcher=None):
    """(tasks/s, posts/s, latencies, failures, post CPU) of one run."""
    empty_tables(engine)
    service = service_mod.TaskService(conf)
    service.start()
    watcher = watcher or Watcher(engine, args.tasks)
    watcher.start()
    created = {}
    shares = [args.tasks // args.posters + (index < args.tasks % args.posters)
              for index in range(args.posters)]
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(args.posters) as pool:
        cpu = list(pool.map(functools.partial(post_tasks, service,
                                              created=created), shares))
    posted = time.perf_counter()
    # The posting threads alone: not the watcher, not the relay.
    post_cpu = sum(cpu) / args.tasks
    watcher.done.wait(timeout)
    watcher.done.set()
    service.stop()
    if len(watcher.ended) < args.tasks:
        raise SystemExit('timed out: %d of %d tasks ended'
                         % (len(watcher.ended), args.tasks))
    last = max(seen for seen, _status in watcher.ended.values())
    latencies = sorted(watcher.ended[task_id][0] - created[task_id]
                       for task_id in created)
    failures = sum(status != 'success'
                   for _seen, status in watcher.ended.values())
    return (args.tasks / (last - start), args.tasks / (posted - start),
            latencies, failures, post_cpu)


def clean_board(conf):
    board = jobboard.make_board(conf, None)
    board.connect()
    try:
        client = internals.board_client(board)
        if conf.jobboard.backend == 'redis':
            for key in client.scan_iter(
                    match=conf.jobboard.namespace.encode() + b':*'):
                client.delete(key)
        else:
            client.delete('/' + conf.jobboard.namespace, recursive=True)
    finally:
        board.close()


def report(label, rate, post_rate, latencies, failures, post_cpu):
    print('%-22s %8.1f tasks/s  (posting %6.1f/s)  p50 %7.1f ms  '
          'p99 %7.1f ms  mean %7.1f ms%s'
          % (label, rate, post_rate, benchlib.percentile(latencies, 0.5) * 1e3,
             benchlib.percentile(latencies, 0.99) * 1e3,
             statistics.mean(latencies) * 1e3,
             '  FAILED: %d' % failures if failures else ''), flush=True)
    print('%-22s CPU per task of the posting threads: %.1f ms'
          % ('', post_cpu * 1e3), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', type=int, default=300)
    parser.add_argument('--engines', default='1,2,4',
                        help='engine counts to run, comma-separated')
    # noop flows are pure CPU: past a few threads an engine only adds GIL
    # contention. The service's default (8) suits imports, which wait on
    # I/O.
    parser.add_argument('--jobs', type=int, default=4,
                        help='[jobboard] max_simultaneous_jobs per engine '
                             '(and max_workers of the local executor)')
    parser.add_argument('--conductor', default='nonblocking',
                        choices=['blocking', 'nonblocking'])
    parser.add_argument('--board', default='redis',
                        choices=['redis', 'zookeeper'])
    parser.add_argument('--hosts', default='127.0.0.1')
    parser.add_argument('--database-url', default=None,
                        help='default: a SQLite file in a temp dir')
    parser.add_argument('--timeout', type=float, default=600)
    parser.add_argument('--no-local', action='store_true',
                        help='skip the local executor\'s run')
    parser.add_argument('--posters', type=int, default=1,
                        help='threads creating the tasks')
    parser.add_argument('--server-pid', action='append', default=[],
                        metavar='NAME=PID',
                        help='report the CPU per task of this process and '
                             'its children (repeatable)')
    args = parser.parse_args()
    state = tempfile.mkdtemp(prefix='gt-bench-jobboard-')
    args.database_url = args.database_url or \
        'sqlite:///%s/gt.sqlite' % state
    base_conf = make_conf(args, state, 'unused', 'local')
    logging.setup(base_conf, 'glance-tasks-bench')
    db_api.configure(base_conf)
    migration.db_sync()
    engine = sa.create_engine(args.database_url)
    print('database=%s board=%s conductor=%s jobs/engine=%d tasks=%d '
          'atoms=%d posters=%d cpus=%d load=%.1f' % (
              engine.url.get_backend_name(), args.board, args.conductor,
              1 if args.conductor == 'blocking' else args.jobs, args.tasks,
              ATOMS, args.posters, os.cpu_count(), os.getloadavg()[0]),
          flush=True)
    servers = ServerCounters(args, engine)
    for count in [int(n) for n in args.engines.split(',')]:
        namespace = 'gt-bench-%s' % uuidutils.generate_uuid()[:8]
        conf = make_conf(args, state, namespace, 'jobboard')
        engines = start_engines(args, state, namespace, count)
        watcher = Watcher(engine, args.tasks)
        try:
            # What the engines spent starting (imports, connections) is
            # not the tasks': it is measured apart.
            start_cpu = sum(cpu_seconds(proc.pid) for proc in engines)
            counts_before = servers.snapshot(conf)
            before = os.times()
            result = run_once(args, conf, engine, args.timeout, watcher)
            poster_cpu = sum(os.times()[:2]) - sum(before[:2])
            engine_cpu = sum(cpu_seconds(proc.pid)
                             for proc in engines) - start_cpu
        finally:
            stop_engines(engines)
        try:
            counts_after = servers.snapshot(conf)
        finally:
            clean_board(conf)
        report('jobboard, %d engine%s' % (count, 's' if count > 1 else ''),
               *result)
        print('%-22s CPU per task: poster process %.1f ms (with the bench\'s '
              'watcher), engines %.1f ms (their start, apart: %.1f s)'
              % ('', poster_cpu / args.tasks * 1e3,
                 engine_cpu / args.tasks * 1e3, start_cpu), flush=True)
        servers.report(counts_before, counts_after, args.tasks,
                       watcher.polls)
        print('%-22s load average after: %.1f'
              % ('', os.getloadavg()[0]), flush=True)
    if args.no_local:
        return 0
    conf = make_conf(args, state, 'unused', 'local')
    before = os.times()
    report('local executor', *run_once(args, conf, engine, args.timeout))
    print('%-22s CPU per task: %.1f ms (the process: posting and running)'
          % ('', (sum(os.times()[:2]) - sum(before[:2])) / args.tasks * 1e3))
    return 0


if __name__ == '__main__':
    sys.exit(main())
