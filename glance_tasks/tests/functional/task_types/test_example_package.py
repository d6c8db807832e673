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

"""The contributor docs' example task type, installed as shipped.

``doc/source/contributor/example_task_type`` is pip-installed, from a
copy of the shipped files (pip builds in the source tree), into a
directory of this test -- never into the test virtualenv, so no other
test sees it -- that is put on the path of a real ``glance-tasks-api``
process enabled with ``[task] enabled_task_types = hello``. The service
finds the type by its entry point, as it would any third-party package,
and runs a ``hello`` task through the API.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import fixtures
import testtools

import glance_tasks
from glance_tasks.tests.functional import service

TIMEOUT = 120
EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    glance_tasks.__file__))), 'doc', 'source', 'contributor',
    'example_task_type')


class TestExamplePackage(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One install for the class: pip takes seconds.
        cls.install_dir = tempfile.mkdtemp(prefix='example-task-type-')
        source = os.path.join(cls.install_dir, 'example_task_type')
        shutil.copytree(EXAMPLE, source)
        cls.site = os.path.join(cls.install_dir, 'site-packages')
        # --no-deps: glance_tasks and its requirements are the venv's.
        cls.pip = subprocess.run(
            [sys.executable, '-m', 'pip', 'install', '--quiet',
             '--no-deps', '--target', cls.site, source],
            capture_output=True, text=True, timeout=TIMEOUT)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.install_dir, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.assertEqual(0, self.pip.returncode, self.pip.stderr)
        self.state = self.useFixture(fixtures.TempDir()).path
        self.config = service.api_config(self.state, task_types=['hello'])
        self.config.db_sync()
        self.url = self._start()

    def _start(self):
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(
            filter(None, [self.site, env.get('PYTHONPATH')]))
        process = self.useFixture(service.APIProcess(self.config.path,
                                                     env=env))
        self.assertTrue(process.url.startswith('http://127.0.0.1:'))
        return process.url

    def request(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data,
                                         headers={'Content-Type':
                                                  'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def test_the_example_is_not_in_the_test_venv(self):
        found = subprocess.run(
            [sys.executable, '-c', 'import glance_tasks_hello'],
            capture_output=True, timeout=TIMEOUT)
        self.assertNotEqual(0, found.returncode)

    def test_hello_task_through_the_api(self):
        status, task = self.request('/v2/tasks', {
            'type': 'hello', 'input': {'name': 'World'}})
        self.assertEqual(201, status, task)
        deadline = time.monotonic() + TIMEOUT
        while task['status'] not in ('success', 'failure') and \
                time.monotonic() < deadline:
            time.sleep(0.1)
            _, task = self.request('/v2/tasks/' + task['id'])
        self.assertEqual(('success', {'greeting': 'Hello, World!'}),
                         (task['status'], task['result']), task)
        _, schema = self.request('/v2/schemas/task')
        self.assertIn('hello', schema['properties']['type']['enum'])

    def test_any_other_input_is_a_400(self):
        for task_input, words in (
                ({}, "'name' is a required property"),
                ({'name': 5}, "input.name: 5 is not of type 'string'"),
                ({'name': 'World', 'shout': True},
                 'Additional properties are not allowed'),
                ('World', 'must be a JSON object')):
            status, body = self.request('/v2/tasks', {
                'type': 'hello', 'input': task_input})
            self.assertEqual(400, status, body)
            self.assertIn(words, json.dumps(body), task_input)
        _, tasks = self.request('/v2/tasks')
        self.assertEqual([], tasks['tasks'])
