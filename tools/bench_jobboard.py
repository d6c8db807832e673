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

    python tools/bench_jobboard.py --database-url \\
        postgresql+psycopg2://openstack_citest:openstack_citest@localhost/bench

The database must exist; the bench migrates it and empties its task
tables before each run. Without ``--database-url`` a SQLite file is used.
"""

import argparse
import datetime
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
            since = polled_at - self.SLACK
            time.sleep(self.INTERVAL)
        self.done.set()


def run_once(args, conf, engine, timeout):
    """(tasks/s, posts/s, latencies, failures) of one run."""
    empty_tables(engine)
    service = service_mod.TaskService(conf)
    service.start()
    context = gt_context.RequestContext(project_id='bench', user_id='bench')
    watcher = Watcher(engine, args.tasks)
    watcher.start()
    created = {}
    thread_cpu = time.thread_time()
    start = time.perf_counter()
    for _ in range(args.tasks):
        task = service.create_task(context, 'noop', {'atoms': ATOMS})
        created[task.id] = time.perf_counter()
    posted = time.perf_counter()
    # The posting thread alone: not the watcher, not the relay.
    post_cpu = (time.thread_time() - thread_cpu) / args.tasks
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
    print('%-22s CPU per task of the posting thread: %.1f ms'
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
          'atoms=%d cpus=%d load=%.1f' % (
              engine.url.get_backend_name(), args.board, args.conductor,
              1 if args.conductor == 'blocking' else args.jobs, args.tasks,
              ATOMS, os.cpu_count(), os.getloadavg()[0]), flush=True)
    for count in [int(n) for n in args.engines.split(',')]:
        namespace = 'gt-bench-%s' % uuidutils.generate_uuid()[:8]
        conf = make_conf(args, state, namespace, 'jobboard')
        engines = start_engines(args, state, namespace, count)
        try:
            # What the engines spent starting (imports, connections) is
            # not the tasks': it is measured apart.
            start_cpu = sum(cpu_seconds(proc.pid) for proc in engines)
            before = os.times()
            result = run_once(args, conf, engine, args.timeout)
            poster_cpu = sum(os.times()[:2]) - sum(before[:2])
            engine_cpu = sum(cpu_seconds(proc.pid)
                             for proc in engines) - start_cpu
        finally:
            stop_engines(engines)
            clean_board(conf)
        report('jobboard, %d engine%s' % (count, 's' if count > 1 else ''),
               *result)
        print('%-22s CPU per task: poster process %.1f ms (with the bench\'s '
              'watcher), engines %.1f ms (their start, apart: %.1f s)'
              % ('', poster_cpu / args.tasks * 1e3,
                 engine_cpu / args.tasks * 1e3, start_cpu), flush=True)
    conf = make_conf(args, state, 'unused', 'local')
    before = os.times()
    report('local executor', *run_once(args, conf, engine, args.timeout))
    print('%-22s CPU per task: %.1f ms (the process: posting and running)'
          % ('', (sum(os.times()[:2]) - sum(before[:2])) / args.tasks * 1e3))
    return 0


if __name__ == '__main__':
    sys.exit(main())
