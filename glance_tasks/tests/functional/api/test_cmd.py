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

"""``glance-tasks-api`` as an operator runs it: a process, a port, SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import fixtures
import testtools

from glance_tasks.tests import base

TIMEOUT = 60


def _script(name):
    return os.path.join(os.path.dirname(sys.executable), name)


class TestConsoleScript(testtools.TestCase):

    def setUp(self):
        super().setUp()
        state = self.useFixture(fixtures.TempDir()).path
        self.config = os.path.join(state, 'glance-tasks.conf')
        with open(self.config, 'w') as config:
            config.write('[DEFAULT]\nstate_path = %s\nbind_port = 0\n'
                         '[task]\nenabled_task_types = noop\n'
                         '[oslo_messaging_notifications]\ndriver = noop\n'
                         % state)
        subprocess.run([_script('glance-tasks-manage'), '--config-file',
                        self.config, 'db', 'sync'], check=True,
                       capture_output=True, timeout=TIMEOUT)

    def _start(self):
        process = subprocess.Popen(
            [_script('glance-tasks-api'), '--config-file', self.config],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(process.kill)
        last = base.read_until(process.stdout, 'listening on http://')
        self.assertIn('listening on http://127.0.0.1:', last)
        return process, last.split()[-1].rstrip('/')

    def _request(self, url, body=None):
        request = urllib.request.Request(url, data=body, headers={
            'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read() or b'null')

    def test_serves_then_stops_on_sigterm(self):
        process, url = self._start()
        status, _ = self._request(url + '/versions')
        self.assertEqual(200, status)
        status, task = self._request(
            url + '/v2/tasks', b'{"type": "noop", "input": {"atoms": 1}}')
        self.assertEqual(201, status)
        deadline = time.monotonic() + TIMEOUT
        while task['status'] != 'success' and time.monotonic() < deadline:
            time.sleep(0.1)
            _, task = self._request(url + '/v2/tasks/' + task['id'])
        self.assertEqual('success', task['status'])
        process.send_signal(signal.SIGTERM)
        self.assertEqual(0, process.wait(TIMEOUT))
