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
import time
import urllib.request

import fixtures
import testtools

from glance_tasks.tests.functional import service

TIMEOUT = 60


class TestConsoleScript(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.config = service.api_config(
            self.useFixture(fixtures.TempDir()).path)
        self.config.db_sync()

    def _start(self):
        process = self.useFixture(service.APIProcess(self.config.path))
        self.assertTrue(process.url.startswith('http://127.0.0.1:'))
        return process, process.url

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
        self.assertEqual(0, process.stop(TIMEOUT))
