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

"""Benchmark: task lifecycle throughput against bare TaskFlow, same run.

Runs N ``noop`` tasks (3 atoms each) through the whole service path —
database, TaskFlow persistence, outbox, log notifications, local executor —
and, in the same run, the same flows through bare ``taskflow.engines.run``
with no persistence, database or notifications. Prints tasks/s of both,
their ratio, the CPU per task of each (the process's user + system time:
on a busy machine the steadier figure), the SQL statements and commits
per task, and p50/p99 create→success latency of the service path.
``--repeat`` runs both phases that many times, alternating, and prints
the medians too.

    python tools/bench_engine.py --tasks 300
    python tools/bench_engine.py --database-url \\
        postgresql+psycopg2://openstack_citest:openstack_citest@localhost/bench
"""

import argparse
import statistics
import sys
import tempfile
import time
import warnings

warnings.simplefilter('ignore')

from oslo_log import log as logging  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from taskflow import engines  # noqa: E402

import benchlib  # noqa: E402
from glance_tasks import context as gt_context  # noqa: E402
from glance_tasks.db import api as db_api  # noqa: E402
from glance_tasks.db import migration  # noqa: E402
from glance_tasks.db import tasks as task_db  # noqa: E402
from glance_tasks import service as service_mod  # noqa: E402
from glance_tasks.task_types import noop  # noqa: E402

ATOMS = 3
_ENDED = sa.text("SELECT count(*) FROM tasks WHERE status IN "
                 "('success', 'failure') AND id IN :ids").bindparams(
    sa.bindparam('ids', expanding=True))


def bare_taskflow(count):
    """``(flows/s, CPU s per flow)`` with no persistence at all."""
    cpu = time.process_time()
    start = time.perf_counter()
    for index in range(count):
        engines.run(noop.build_flow(str(index), {'atoms': ATOMS}))
    elapsed = time.perf_counter() - start
    return count / elapsed, (time.process_time() - cpu) / count


def make_conf(state_path, database_url, workers, mode):
    conf = benchlib.make_conf(state_path, database_url)
    conf.set_override('max_workers', workers, group='task_executor')
    conf.set_override('engine_mode', mode, group='task_executor')
    return conf


def wait_all_done(engine, ids, timeout):
    """Poll with one cheap count, so the watching costs the run little."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(_ENDED, {'ids': ids}).scalar() >= len(ids):
                return True
        time.sleep(0.02)
    return False


class Counter:
    """Statements and commits the service's engine runs."""

    def __init__(self, engine):
        self.statements = self.commits = 0
        sa.event.listen(engine, 'before_cursor_execute', self._statement)
        sa.event.listen(engine, 'commit', self._commit)

    def _statement(self, *args):
        self.statements += 1

    def _commit(self, *args):
        self.commits += 1

    def snapshot(self):
        return self.statements, self.commits


def service_path(conf, count, timeout):
    """One run of the full lifecycle: a dict of its figures."""
    engine = db_api.get_engine()
    counter = Counter(engine)
    service = service_mod.TaskService(conf)
    service.start()
    context = gt_context.RequestContext(project_id='bench', user_id='bench')
    statements, commits = counter.snapshot()
    cpu = time.process_time()
    start = time.perf_counter()
    ids = [service.create_task(context, 'noop', {'atoms': ATOMS}).id
           for _ in range(count)]
    finished = wait_all_done(db_api.get_engine(), ids, timeout)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    statements, commits = (now - before for now, before in
                           zip(counter.snapshot(), (statements, commits)))
    service.stop()
    rows = [task_db.get(context, task_id) for task_id in ids]
    succeeded = [t for t in rows if t.status == 'success']
    return {'finished': finished, 'succeeded': len(succeeded),
            'rate': count / elapsed, 'cpu': cpu / count,
            'statements': statements / count, 'commits': commits / count,
            'latencies': sorted((t.updated_at - t.created_at).total_seconds()
                                for t in succeeded)}


def report(args, conf, rounds):
    backend = conf.database.connection.split(':', 1)[0]
    print('backend=%s tasks=%d atoms=%d workers=%d mode=%s rounds=%d'
          % (backend, args.tasks, ATOMS, args.workers, args.engine_mode,
             len(rounds)))
    for index, (bare, bare_cpu, run) in enumerate(rounds):
        latencies = run['latencies']
        print('round %d' % (index + 1))
        print('  bare taskflow      : %8.1f flows/s, CPU %.2f ms per flow'
              % (bare, bare_cpu * 1e3))
        print('  service lifecycle  : %8.1f tasks/s, CPU %.2f ms per task '
              '(%d succeeded%s)'
              % (run['rate'], run['cpu'] * 1e3, run['succeeded'],
                 '' if run['finished'] else ', TIMED OUT'))
        print('  ratio              : %8.2f x bare (by CPU: %.2f x)'
              % (run['rate'] / bare, bare_cpu / run['cpu']))
        print('  per task           : %.1f statements, %.1f commits'
              % (run['statements'], run['commits']))
        print('  create->success    : p50 %.1f ms, p99 %.1f ms, mean %.1f ms'
              % (benchlib.percentile(latencies, 0.5) * 1e3,
                 benchlib.percentile(latencies, 0.99) * 1e3,
                 statistics.mean(latencies) * 1e3 if latencies else 0))
    print('median ratio %.2f x bare (by CPU %.2f x); CPU per task: bare '
          '%.2f ms, service %.2f ms' % (
              statistics.median(r['rate'] / b for b, _c, r in rounds),
              statistics.median(c / r['cpu'] for _b, c, r in rounds),
              statistics.median(c for _b, c, _r in rounds) * 1e3,
              statistics.median(r['cpu'] for _b, _c, r in rounds) * 1e3))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', type=int, default=300)
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--engine-mode', default='serial')
    parser.add_argument('--database-url', default=None,
                        help='default: a SQLite file in a temp dir')
    parser.add_argument('--repeat', type=int, default=1,
                        help='rounds of both phases; medians are printed')
    parser.add_argument('--timeout', type=float, default=600)
    args = parser.parse_args()
    state_path = tempfile.mkdtemp(prefix='gt-bench-')
    conf = make_conf(state_path, args.database_url, args.workers,
                     args.engine_mode)
    logging.setup(conf, 'glance-tasks-bench')
    db_api.configure(conf)
    migration.db_sync()
    rounds = []
    for _ in range(args.repeat):
        bare, bare_cpu = bare_taskflow(args.tasks)
        rounds.append((bare, bare_cpu,
                       service_path(conf, args.tasks, args.timeout)))
    report(args, conf, rounds)
    return 0 if all(run['finished'] and run['succeeded'] == args.tasks
                    for _b, _c, run in rounds) else 1


if __name__ == '__main__':
    sys.exit(main())
