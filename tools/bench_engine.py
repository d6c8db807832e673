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
their ratio, and p50/p99 create→success latency of the service path.

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
from taskflow import engines  # noqa: E402

import benchlib  # noqa: E402
from glance_tasks import context as gt_context  # noqa: E402
from glance_tasks.db import api as db_api  # noqa: E402
from glance_tasks.db import migration  # noqa: E402
from glance_tasks.db import tasks as task_db  # noqa: E402
from glance_tasks import service as service_mod  # noqa: E402
from glance_tasks.task_types import noop  # noqa: E402

ATOMS = 3


def bare_taskflow(count):
    """Tasks/s of the same flows with no persistence at all."""
    start = time.perf_counter()
    for index in range(count):
        engines.run(noop.build_flow(str(index), {'atoms': ATOMS}))
    return count / (time.perf_counter() - start)


def make_conf(state_path, database_url, workers, mode):
    conf = benchlib.make_conf(state_path, database_url)
    conf.set_override('max_workers', workers, group='task_executor')
    conf.set_override('engine_mode', mode, group='task_executor')
    return conf


def wait_all_done(context, count, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = sum(len(task_db.list_tasks(context, filters={'status': s}))
                   for s in ('success', 'failure'))
        if done >= count:
            return True
        time.sleep(0.02)
    return False


def service_path(conf, count, timeout):
    """Tasks/s and latencies (s) of the full lifecycle."""
    db_api.configure(conf)
    migration.db_sync()
    service = service_mod.TaskService(conf)
    service.start()
    context = gt_context.RequestContext(project_id='bench', user_id='bench')
    start = time.perf_counter()
    for _ in range(count):
        service.create_task(context, 'noop', {'atoms': ATOMS})
    finished = wait_all_done(context, count, timeout)
    elapsed = time.perf_counter() - start
    service.stop()
    rows = task_db.list_tasks(context, filters={'status': 'success'})
    latencies = sorted((t.updated_at - t.created_at).total_seconds()
                       for t in rows)
    return finished, len(rows), count / elapsed, latencies


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', type=int, default=300)
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--engine-mode', default='serial')
    parser.add_argument('--database-url', default=None,
                        help='default: a SQLite file in a temp dir')
    parser.add_argument('--timeout', type=float, default=600)
    args = parser.parse_args()
    state_path = tempfile.mkdtemp(prefix='gt-bench-')
    conf = make_conf(state_path, args.database_url, args.workers,
                     args.engine_mode)
    logging.setup(conf, 'glance-tasks-bench')
    bare = bare_taskflow(args.tasks)
    finished, succeeded, rate, latencies = service_path(
        conf, args.tasks, args.timeout)
    backend = conf.database.connection.split(':', 1)[0]
    print('backend=%s tasks=%d atoms=%d workers=%d mode=%s'
          % (backend, args.tasks, ATOMS, args.workers, args.engine_mode))
    print('bare taskflow      : %8.1f flows/s' % bare)
    print('service lifecycle  : %8.1f tasks/s (%d succeeded%s)'
          % (rate, succeeded, '' if finished else ', TIMED OUT'))
    print('ratio              : %8.2f x bare' % (rate / bare))
    print('create->success    : p50 %.1f ms, p99 %.1f ms, mean %.1f ms'
          % (benchlib.percentile(latencies, 0.5) * 1e3,
             benchlib.percentile(latencies, 0.99) * 1e3,
             statistics.mean(latencies) * 1e3 if latencies else 0))
    return 0 if finished and succeeded == args.tasks else 1


if __name__ == '__main__':
    sys.exit(main())
