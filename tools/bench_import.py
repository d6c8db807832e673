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

"""Benchmark: ``import`` tasks end to end, beside a plain download.

Serves generated raw images with ``python -m http.server`` (a child
process on 127.0.0.1) and runs the whole service path -- database,
TaskFlow persistence, outbox, local executor, fetch, inspection,
glance_store with md5 and sha512 -- measuring, in one run:

* create→success latency of a 1 MiB import, one at a time (p50, p90);
* a burst of N 1 MiB imports submitted at once: tasks/s, all succeeded?;
* MB/s of one large import beside two plain download-and-hash baselines
  of the same file in the same run: ``curl | tee >(md5sum) >(sha512sum)
  > file`` and a single Python thread doing the same;
* the resident memory of the service process before and at its peak
  during the large import (sampled every 20 ms).

    python tools/bench_import.py                     # 1 GiB large image
    python tools/bench_import.py --large-mib 256 --burst 100
    python tools/bench_import.py --database-url \\
        postgresql+psycopg2://openstack_citest:openstack_citest@localhost/b
"""

import argparse
import hashlib
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings

warnings.simplefilter('ignore')

from oslo_log import log as logging  # noqa: E402
import psutil  # noqa: E402

import benchlib  # noqa: E402
from glance_tasks import context as gt_context  # noqa: E402
from glance_tasks.db import api as db_api  # noqa: E402
from glance_tasks.db import migration  # noqa: E402
from glance_tasks.domain import task as task_domain  # noqa: E402
from glance_tasks import service as service_mod  # noqa: E402

MiB = 1024 * 1024
PROPS = {'name': 'bench', 'disk_format': 'raw', 'container_format': 'bare'}


def write_random(path, size):
    with open(path, 'wb') as f:
        left = size
        while left:
            piece = min(left, 4 * MiB)
            f.write(os.urandom(piece))
            left -= piece


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start_server(directory):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, '-m', 'http.server', str(port), '--bind',
         '127.0.0.1', '--directory', directory],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(('127.0.0.1', port), 0.2):
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError('the HTTP server did not start')


def make_conf(state_path, database_url, workers):
    conf = benchlib.make_conf(state_path, database_url, ['import'])
    conf.set_override('max_workers', workers, group='task_executor')
    conf.set_override('allowed_hosts', ['127.0.0.1'],
                      group='import_filtering_opts')
    conf.set_override('allowed_ports', [], group='import_filtering_opts')
    return conf


def task_input(url):
    return {'import_from': url, 'import_from_format': 'raw',
            'image_properties': dict(PROPS)}


class Finishes:
    """When each task's final status was committed, without polling.

    Wraps the service's ``Lifecycle.move`` (through which every status
    change goes) to note the moment a task's success or failure is
    committed; polling the database instead would compete with the
    workers for the CPU and the SQLite lock.
    """

    def __init__(self, service):
        self._done = {}
        self._cond = threading.Condition()
        lifecycle = service.lifecycle
        move = lifecycle.move

        def recording_move(context, task, to_status, **kwargs):
            moved = move(context, task, to_status, **kwargs)
            if to_status in task_domain.TABLE.terminal:
                with self._cond:
                    self._done[task.id] = (time.perf_counter(), moved)
                    self._cond.notify_all()
            return moved
        lifecycle.move = recording_move

    def wait(self, task_ids, timeout):
        """``{task id: (finished at, task)}`` once all ended (or timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not all(t in self._done for t in task_ids):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return {t: self._done[t] for t in task_ids if t in self._done}


def one_at_a_time(service, finishes, context, url, count, timeout):
    """Latencies (s), failures and CPU seconds of this process per task."""
    latencies, failed = [], 0
    cpu = time.process_time()
    for _ in range(count):
        start = time.perf_counter()
        task = service.create_task(context, 'import', task_input(url))
        done = finishes.wait([task.id], timeout)
        if task.id not in done:
            failed += 1
            continue
        finished_at, task = done[task.id]
        latencies.append(finished_at - start)
        failed += task.status != task_domain.SUCCESS
    return latencies, failed, (time.process_time() - cpu) / count


def burst(service, finishes, context, url, count, timeout):
    start = time.perf_counter()
    ids = [service.create_task(context, 'import', task_input(url)).id
           for _ in range(count)]
    done = finishes.wait(ids, timeout)
    elapsed = (max(at for at, _task in done.values()) if done
               else time.perf_counter()) - start
    succeeded = sum(1 for _at, task in done.values()
                    if task.status == task_domain.SUCCESS)
    ends = sorted(at - start for at, _task in done.values())
    tenth = max(1, len(ends) // 10)
    print('  seconds to finish each tenth of the burst: %s' % ' '.join(
        '%.1f' % (ends[i + tenth - 1] - (ends[i - 1] if i else 0))
        for i in range(0, len(ends) - tenth + 1, tenth)))
    return count / elapsed, succeeded, count - len(done), elapsed


def baseline_curl(url, directory):
    """``curl | tee >(md5sum) >(sha512sum) > file``: seconds."""
    out = os.path.join(directory, 'curl.out')
    script = ('set -o pipefail; curl -sS --fail %s | tee >(md5sum > %s.md5)'
              ' >(sha512sum > %s.sha512) > %s; wait'
              % (url, out, out, out))
    start = time.perf_counter()
    subprocess.run(['bash', '-c', script], check=True)
    elapsed = time.perf_counter() - start
    os.unlink(out)
    return elapsed


def baseline_python(port, name, directory):
    """One Python thread: download, md5, sha512, write: seconds."""
    out = os.path.join(directory, 'python.out')
    start = time.perf_counter()
    conn = http.client.HTTPConnection('127.0.0.1', port)
    conn.request('GET', '/' + name)
    response = conn.getresponse()
    md5, sha512 = hashlib.md5(), hashlib.sha512()
    buffer = bytearray(MiB)
    view = memoryview(buffer)
    with open(out, 'wb') as f:
        while True:
            count = response.readinto(view)
            if not count:
                break
            md5.update(view[:count])
            sha512.update(view[:count])
            f.write(view[:count])
    conn.close()
    elapsed = time.perf_counter() - start
    os.unlink(out)
    return elapsed


class MemorySampler(threading.Thread):
    def __init__(self, interval=0.02):
        super().__init__(daemon=True)
        self.process = psutil.Process()
        self.interval = interval
        self.peak = 0
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval)

    def stop(self):
        self.stop_event.set()
        self.join()


def large_import(service, finishes, context, url, timeout):
    process = psutil.Process()
    before = process.memory_info().rss
    sampler = MemorySampler()
    sampler.start()
    start = time.perf_counter()
    task = service.create_task(context, 'import', task_input(url))
    done = finishes.wait([task.id], timeout)
    sampler.stop()
    if task.id not in done:
        return task, time.perf_counter() - start, before, sampler.peak
    finished_at, task = done[task.id]
    return task, finished_at - start, before, sampler.peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--small', type=int, default=30,
                        help='1 MiB imports run one at a time')
    parser.add_argument('--burst', type=int, default=200)
    parser.add_argument('--large-mib', type=int, default=1024)
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--database-url', default=None,
                        help='default: a SQLite file in a temp dir')
    parser.add_argument('--timeout', type=float, default=900)
    parser.add_argument('--keep', action='store_true',
                        help='keep the temp dir (state, images, log)')
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix='gt-bench-import-')
    source_dir = os.path.join(root, 'source')
    os.makedirs(source_dir)
    write_random(os.path.join(source_dir, 'small.raw'), MiB)
    if args.large_mib:
        write_random(os.path.join(source_dir, 'large.raw'),
                     args.large_mib * MiB)
    server, port = start_server(source_dir)
    conf = make_conf(os.path.join(root, 'state'), args.database_url,
                     args.workers)
    os.makedirs(conf.state_path, exist_ok=True)
    logging.setup(conf, 'glance-tasks-bench')
    db_api.configure(conf)
    migration.db_sync()
    service = service_mod.TaskService(conf)
    finishes = Finishes(service)
    service.start()
    context = gt_context.RequestContext(project_id='bench', user_id='bench')
    small = 'http://127.0.0.1:%d/small.raw' % port
    ok = True
    try:
        backend = conf.database.connection.split(':', 1)[0]
        print('backend=%s workers=%d cpus=%d'
              % (backend, args.workers, os.cpu_count()))
        one_at_a_time(service, finishes, context, small, 3,
                      args.timeout)  # warm-up
        latencies, failed, cpu = one_at_a_time(
            service, finishes, context, small, args.small, args.timeout)
        ok &= not failed
        print('1 MiB import, one at a time (%d): p50 %.1f ms, p90 %.1f ms, '
              'mean %.1f ms, %d failed; %.1f ms of CPU each'
              % (args.small, benchlib.percentile(latencies, 0.5) * 1e3,
                 benchlib.percentile(latencies, 0.9) * 1e3,
                 statistics.mean(latencies) * 1e3, failed, cpu * 1e3))
        if args.burst:
            rate, succeeded, stuck, elapsed = burst(
                service, finishes, context, small, args.burst, args.timeout)
            ok &= succeeded == args.burst
            print('burst of %d 1 MiB imports: %.1f tasks/s (%.1f s), %d '
                  'succeeded, %d not finished'
                  % (args.burst, rate, elapsed, succeeded, stuck))
        if args.large_mib:
            name = 'large.raw'
            url = 'http://127.0.0.1:%d/%s' % (port, name)
            size = args.large_mib * MiB
            curl = baseline_curl(url, root)
            python = baseline_python(port, name, root)
            task, elapsed, before, peak = large_import(
                service, finishes, context, url, args.timeout)
            ok &= task.status == task_domain.SUCCESS
            mbs = size / elapsed / 1e6
            print('large image: %d MiB' % args.large_mib)
            print('  curl | tee >(md5sum) >(sha512sum) > file : %7.1f MB/s'
                  % (size / curl / 1e6))
            print('  python download+md5+sha512+write        : %7.1f MB/s'
                  % (size / python / 1e6))
            print('  import task (create -> success)         : %7.1f MB/s'
                  ' = %.2f x curl, %.2f x python (%s)'
                  % (mbs, mbs / (size / curl / 1e6),
                     mbs / (size / python / 1e6), task.status))
            print('  service RSS: %.1f MiB before, %.1f MiB peak during '
                  'the import (+%.1f MiB for a %d MiB image)'
                  % (before / MiB, peak / MiB, (peak - before) / MiB,
                     args.large_mib))
    finally:
        service.stop()
        server.kill()
        server.wait()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print('kept %s' % root)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
