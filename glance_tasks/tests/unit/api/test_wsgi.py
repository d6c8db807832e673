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

"""``glance_tasks.wsgi.api``: configuration for a WSGI server."""

import os

import fixtures

from glance_tasks.tests import base
from glance_tasks.wsgi import api as wsgi_api


class TestLoadConf(base.TestCase):

    def test_files_from_the_environment(self):
        path = os.path.join(self.state_path, 'api.conf')
        with open(path, 'w') as config:
            config.write('[DEFAULT]\nbind_port = 9999\n'
                         '[api]\nauth_strategy = keystone\n')
        self.useFixture(fixtures.EnvironmentVariable(
            wsgi_api.CONFIG_FILES_ENV, path))
        conf = wsgi_api.load_conf()
        self.addCleanup(conf.reset)
        self.assertEqual(9999, conf.bind_port)
        self.assertEqual('keystone', conf.api.auth_strategy)

    def test_defaults_without_files(self):
        self.useFixture(fixtures.EnvironmentVariable(
            wsgi_api.CONFIG_FILES_ENV, ''))
        self.assertIsNone(wsgi_api._config_files())
        self.assertEqual(9494, self.conf.bind_port)
        self.assertEqual('127.0.0.1', self.conf.bind_host)
        self.assertEqual('noauth', self.conf.api.auth_strategy)
