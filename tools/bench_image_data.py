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

"""Benchmark: image upload and download through the API, beside curl.

In one run, on 127.0.0.1, with ``curl`` as the client every time:

* ``curl -T`` of an N MiB file to ``PUT /v2/images/{id}/file`` of a
  ``glance-tasks-api`` process (noauth, SQLite, the filesystem store),
  and ``curl -o /dev/null`` of ``GET /v2/images/{id}/file``;
* the same file PUT to and GET from a plain file server (a child
  process: Python's ``http.server`` with a PUT that writes 1 MiB chunks),
  the baseline;
* the resident memory of the API process before and at its peak during
  each transfer (sampled every 20 ms).

    python tools/bench_image_data.py              # 1 GiB image
    python tools/bench_image_data.py --mib 256
"""

import argparse
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import psutil

import benchlib
from glance_tasks.tests.functional import service as fixture

MiB = 1024 * 1024


class _PutHandler(http.server.SimpleHTTPRequestHandler):
    """GET from the directory, PUT into it: a plain file server."""

    def do_PUT(self):
        remaining = int(self.headers['Content-Length'])
        path = self.translate_path(self.path)
        with open(path, 'wb') as f:
            while remaining:
                chunk = self.rfile.read(min(MiB, remaining))
                if not chunk:
                    break
                f.write(chunk)
                remaining -= len(chunk)
        self.send_response(201)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


def file_server(directory):
    """Run the plain file server (child mode); print its port."""
    os.chdir(directory)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _PutHandler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


class PeakRSS:
    """Peak resident memory of ``pid`` while the block runs."""

    def __init__(self, pid):
        self.process = psutil.Process(pid)
        self.peak = 0
        self._done = threading.Event()

    def __enter__(self):
        self.before = self.process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._done.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()


def curl(*args):
    """Seconds a curl run takes; fails on an HTTP error."""
    started = time.monotonic()
    subprocess.run(['curl', '-sS', '--fail', '-o', '/dev/null'] + list(args),
                   check=True)
    return time.monotonic() - started


def start_api(state):
    config = benchlib.service_config(state, notifications='noop', options={
        'DEFAULT': {'bind_port': 0, 'log_file': None}}, name='api')
    config.db_sync()
    api = fixture.APIProcess(config.path)
    api.setUp()
    return api, api.url


def create_image(url):
    body = json.dumps({'name': 'bench', 'disk_format': 'raw',
                       'container_format': 'bare'}).encode()
    request = urllib.request.Request(url + '/v2/images', data=body, headers={
        'Content-Type': 'application/json'})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())['id']


def make_source(path, mib):
    block = os.urandom(MiB)
    with open(path, 'wb') as f:
        for _ in range(mib):
            f.write(block)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mib', type=int, default=1024)
    parser.add_argument('--file-server', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.file_server:
        return file_server(args.file_server)
    work = tempfile.mkdtemp(prefix='bench-image-data-')
    api = files = None
    try:
        source = os.path.join(work, 'source.raw')
        make_source(source, args.mib)
        served = os.path.join(work, 'served')
        os.mkdir(served)
        files = subprocess.Popen([sys.executable, __file__, '--file-server',
                                  served], stdout=subprocess.PIPE, text=True)
        plain = 'http://127.0.0.1:%s/image' % files.stdout.readline().strip()
        state = os.path.join(work, 'state')
        os.mkdir(state)
        api, url = start_api(state)
        image_id = create_image(url)
        data_url = '%s/v2/images/%s/file' % (url, image_id)
        # No "Expect: 100-continue" wait: http.server never answers it.
        octet = ['-H', 'Content-Type: application/octet-stream',
                 '-H', 'Expect:']

        results = []
        with PeakRSS(api.pid) as upload_rss:
            seconds = curl('-T', source, *octet, data_url)
        results.append(('upload, API', seconds, upload_rss))
        results.append(('upload, plain file server',
                        curl('-T', source, '-H', 'Expect:', plain), None))
        with PeakRSS(api.pid) as download_rss:
            seconds = curl(data_url)
        results.append(('download, API', seconds, download_rss))
        results.append(('download, plain file server', curl(plain), None))

        print('%d MiB image, curl on 127.0.0.1' % args.mib)
        print('%-30s %9s %12s %22s' % ('transfer', 'MB/s', 'API/plain',
                                       'API RSS before/peak'))
        for index, (name, seconds, rss) in enumerate(results):
            rate = args.mib * MiB / 1e6 / seconds
            ratio = memory = ''
            if rss is not None:
                ratio = '%.2f' % (results[index + 1][1] / seconds)
                memory = '%d / %d MiB' % (rss.before // MiB,
                                          rss.peak // MiB)
            print('%-30s %9.1f %12s %22s' % (name, rate, ratio, memory))
    finally:
        if api is not None:
            api.stop(30)
            api.cleanUp()
        if files is not None:
            files.terminate()
            files.wait(30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
