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

"""Benchmark: web-download imports beside legacy ``import`` tasks.

Both run through the HTTP API as a client drives them, in one run, from
the same source URL (``python -m http.server`` on 127.0.0.1, as in
``bench_import.py``), on the real application served by
``glance-tasks-api``'s server in this process (as in ``bench_api.py``):

* legacy: ``POST /v2/tasks`` (type ``import``), then ``GET
  /v2/tasks/{id}`` until ``success``;
* web-download: ``POST /v2/images`` (raw, bare), ``POST
  /v2/images/{id}/import`` with ``{"method": {"name": "web-download",
  "uri": ...}}``, then ``GET /v2/images/{id}`` until ``active``.

Measured:

* create→done latency of a 1 MiB image, one at a time, the two kinds
  alternating sample by sample (p50, p90), with the CPU this process
  (service, server and client together) spent per sample;
* a burst of N of each kind, submitted by 8 clients at once: tasks/s,
  how many ended done and failed (the lists polled every 0.25 s);
* optionally one large image of each kind, MB/s.

    python tools/bench_web_download.py --small 30 --burst 200
    python tools/bench_web_download.py --large-mib 256
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid

from oslo_log import log as logging

import bench_api
import bench_import
import benchlib
from glance_tasks.db import api as db_api
from glance_tasks.db import migration

LEGACY = 'import'
WEB = 'web-download'
KINDS = (LEGACY, WEB)
DONE = {LEGACY: 'success', WEB: 'active'}
BURST_POLL = 0.25


class Client:
    """The API calls of both kinds, on the server at ``port``."""

    def __init__(self, port, poll, timeout):
        self.port = port
        self.poll = poll
        self.timeout = timeout

    def call(self, method, path, body=None, expected=200):
        status, data, _seconds = bench_api.request(
            self.port, method, path,
            None if body is None else json.dumps(body))
        if status != expected:
            raise RuntimeError('%s %s: %d %s' % (method, path, status,
                                                 data[:300]))
        return json.loads(data) if data else None

    def submit(self, kind, url, name):
        """Start one import; the id of what to watch (task or image)."""
        if kind == LEGACY:
            task_input = bench_import.task_input(url)
            task_input['image_properties']['name'] = name
            return self.call('POST', '/v2/tasks',
                             {'type': 'import', 'input': task_input},
                             expected=201)['id']
        image = self.call('POST', '/v2/images',
                          dict(bench_import.PROPS, name=name),
                          expected=201)
        self.call('POST', '/v2/images/%s/import' % image['id'],
                  {'method': {'name': 'web-download', 'uri': url}},
                  expected=202)
        return image['id']

    def status(self, kind, watched):
        if kind == LEGACY:
            return self.call('GET', '/v2/tasks/%s' % watched)['status']
        return self.call('GET', '/v2/images/%s' % watched)['status']

    def wait(self, kind, watched):
        """Poll until done or failed: ``(status, seconds waited)``."""
        start = time.perf_counter()
        while time.perf_counter() - start < self.timeout:
            status = self.status(kind, watched)
            if status == DONE[kind] or status == 'failure' or (
                    kind == WEB and status == 'queued'):
                return status, time.perf_counter() - start
            time.sleep(self.poll)
        return 'timeout', time.perf_counter() - start

    def image_task(self, image_id):
        """The ``api_image_import`` task of a web-download image."""
        tasks = self.call('GET', '/v2/images/%s/tasks' % image_id)['tasks']
        return tasks[0]['id'] if tasks else None


def one_sample(client, finishes, kind, url):
    """``(seconds until done or None, CPU seconds)`` of one import.

    The CPU is counted until the task itself has ended (a web-download
    task commits its success just after the image went ``active``), so
    that no sample's tail falls into the next.
    """
    cpu = time.process_time()
    start = time.perf_counter()
    watched = client.submit(kind, url, 'bench-%s' % kind)
    status, _waited = client.wait(kind, watched)
    seconds = time.perf_counter() - start
    task_id = watched if kind == LEGACY else client.image_task(watched)
    done = finishes.wait([task_id], client.timeout) if task_id else {}
    if status != DONE[kind] or task_id not in done or (
            done[task_id][1].status != 'success'):
        return None, time.process_time() - cpu
    return seconds, time.process_time() - cpu


def sequential(client, finishes, url, count):
    """Both kinds alternating: ``{kind: (latencies, failed, cpu)}``."""
    results = {kind: ([], 0, []) for kind in KINDS}
    for _ in range(count):
        for kind in KINDS:
            latencies, failed, cpus = results[kind]
            seconds, cpu = one_sample(client, finishes, kind, url)
            cpus.append(cpu)
            if seconds is None:
                results[kind] = (latencies, failed + 1, cpus)
            else:
                latencies.append(seconds)
    return results


def _listed(client, kind, name, status):
    if kind == LEGACY:
        path = '/v2/tasks?type=import&status=%s&limit=1000' % status
        return {task['id'] for task in client.call('GET', path)['tasks']}
    path = '/v2/images?name=%s&status=%s&limit=1000' % (name, status)
    return {image['id'] for image in client.call('GET', path)['images']}


def burst(client, kind, url, count):
    """``(tasks/s, done, failed, seconds)`` of ``count`` at once."""
    name = 'burst-%s-%s' % (kind, uuid.uuid4().hex[:8])
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(bench_api.CLIENTS) as pool:
        watched = set(pool.map(lambda _i: client.submit(kind, url, name),
                               range(count)))
    failed_status = 'failure' if kind == LEGACY else 'queued'
    done = failed = set()
    while time.perf_counter() - start < client.timeout:
        done = _listed(client, kind, name, DONE[kind]) & watched
        failed = _listed(client, kind, name, failed_status) & watched
        if len(done) + len(failed) == count:
            break
        time.sleep(BURST_POLL)
    elapsed = time.perf_counter() - start
    return count / elapsed, len(done), len(failed), elapsed


def report_sequential(results, count):
    print('1 MiB, one at a time (%d of each, alternating):' % count)
    print('  %-14s %8s %8s %8s %7s %10s'
          % ('kind', 'p50 ms', 'p90 ms', 'mean ms', 'failed', 'CPU ms'))
    for kind in KINDS:
        latencies, failed, cpus = results[kind]
        print('  %-14s %8.1f %8.1f %8.1f %7d %10.1f'
              % (kind, benchlib.percentile(latencies, 0.5) * 1e3,
                 benchlib.percentile(latencies, 0.9) * 1e3,
                 statistics.mean(latencies) * 1e3 if latencies else 0,
                 failed, statistics.mean(cpus) * 1e3))
    legacy, web = results[LEGACY][0], results[WEB][0]
    print('  web-download / import: p50 %.2f x, p90 %.2f x, CPU %.2f x'
          % (benchlib.percentile(web, 0.5) / benchlib.percentile(legacy, 0.5),
             benchlib.percentile(web, 0.9) / benchlib.percentile(legacy, 0.9),
             statistics.mean(results[WEB][2])
             / statistics.mean(results[LEGACY][2])))


def run_bursts(client, url, count):
    rates, ok = {}, True
    print('burst of %d 1 MiB imports of each kind, %d clients submitting:'
          % (count, bench_api.CLIENTS))
    for kind in KINDS:
        rate, done, failed, elapsed = burst(client, kind, url, count)
        rates[kind] = rate
        ok &= done == count
        print('  %-14s %6.1f tasks/s (%.1f s): %d %s, %d failed, %d not '
              'finished' % (kind, rate, elapsed, done, DONE[kind], failed,
                            count - done - failed))
    print('  web-download / import: %.2f x the tasks/s'
          % (rates[WEB] / rates[LEGACY]))
    return ok


def run_large(client, finishes, url, mib):
    ok = True
    print('large image, %d MiB:' % mib)
    for kind in KINDS:
        seconds, _cpu = one_sample(client, finishes, kind, url)
        ok &= seconds is not None
        print('  %-14s %7.1f MB/s' % (
            kind, mib * bench_import.MiB / seconds / 1e6 if seconds else 0))
    return ok


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--small', type=int, default=30,
                        help='1 MiB imports of each kind, one at a time')
    parser.add_argument('--burst', type=int, default=200,
                        help='1 MiB imports of each kind at once (0: none)')
    parser.add_argument('--large-mib', type=int, default=0,
                        help='size of one large import of each kind '
                        '(0: none)')
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--poll-ms', type=float, default=5,
                        help='interval of the GETs that wait for one '
                        'import to end')
    parser.add_argument('--database-url', default=None,
                        help='default: a SQLite file in a temp dir')
    parser.add_argument('--timeout', type=float, default=900)
    return parser.parse_args()


def make_conf(root, args):
    conf = bench_import.make_conf(os.path.join(root, 'state'),
                                  args.database_url, args.workers)
    conf.set_override('enabled_task_types', [LEGACY, 'api_image_import'],
                      group='task')
    os.makedirs(conf.state_path, exist_ok=True)
    return conf


def main():
    args = parse_args()
    root = tempfile.mkdtemp(prefix='gt-bench-web-download-')
    source = os.path.join(root, 'source')
    os.makedirs(source)
    bench_import.write_random(os.path.join(source, 'small.raw'),
                              bench_import.MiB)
    if args.large_mib:
        bench_import.write_random(os.path.join(source, 'large.raw'),
                                  args.large_mib * bench_import.MiB)
    files, files_port = bench_import.start_server(source)
    conf = make_conf(root, args)
    logging.setup(conf, 'glance-tasks-bench')
    db_api.configure(conf)
    migration.db_sync()
    server, service, port = bench_api.serve(conf)
    finishes = bench_import.Finishes(service)
    client = Client(port, args.poll_ms / 1e3, args.timeout)
    small = 'http://127.0.0.1:%d/small.raw' % files_port
    ok = True
    try:
        print('backend=%s workers=%d cpus=%d poll=%.0f ms'
              % (conf.database.connection.split(':', 1)[0], args.workers,
                 os.cpu_count(), args.poll_ms))
        sequential(client, finishes, small, 3)  # warm-up
        results = sequential(client, finishes, small, args.small)
        ok &= not any(results[kind][1] for kind in KINDS)
        report_sequential(results, args.small)
        if args.burst:
            ok &= run_bursts(client, small, args.burst)
        if args.large_mib:
            ok &= run_large(client, finishes, 'http://127.0.0.1:%d/large.raw'
                            % files_port, args.large_mib)
    finally:
        bench_api.server_mod.stop(server, conf.graceful_shutdown_timeout)
        service.stop()
        files.kill()
        files.wait()
        shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
