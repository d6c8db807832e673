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

"""The systemd unit samples in etc/glance-tasks/systemd.

``systemd-analyze verify`` reads each unit as systemd would (unknown
keys, bad values, a missing executable), with the install guide's
``/opt/glance-tasks/bin`` pointed at this virtualenv; the ExecStart lines
are checked against what this tree ships.
"""

import configparser
import os
import shlex
import shutil
import subprocess
import sys

import fixtures

from glance_tasks.tests import base

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
ETC = os.path.join(REPO, 'etc', 'glance-tasks')
UNITS = os.path.join(ETC, 'systemd')
INSTALLED_BIN = '/opt/glance-tasks/bin/'
INSTALLED_ETC = '/etc/glance-tasks/'
CONFIG_FILE = INSTALLED_ETC + 'glance-tasks.conf'


def _read(name):
    with open(os.path.join(UNITS, name)) as unit:
        return unit.read()


def _unit(name):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read_string(_read(name))
    return parser


def _exec_start(name):
    return shlex.split(_unit(name)['Service']['ExecStart'])


class TestSystemdUnits(base.TestCase):

    def test_the_two_units_are_shipped(self):
        self.assertEqual(['glance-tasks-api.service',
                          'glance-tasks-engine.service'],
                         sorted(os.listdir(UNITS)))

    def test_systemd_accepts_them(self):
        analyze = shutil.which('systemd-analyze')
        if analyze is None:
            self.skipTest('systemd-analyze is not installed')
        here = self.useFixture(fixtures.TempDir()).path
        bin_dir = os.path.dirname(sys.executable) + '/'
        for name in os.listdir(UNITS):
            with open(os.path.join(here, name), 'w') as unit:
                unit.write(_read(name).replace(INSTALLED_BIN, bin_dir))
        done = subprocess.run(
            [analyze, 'verify'] + sorted(os.path.join(here, name)
                                         for name in os.listdir(UNITS)),
            capture_output=True, text=True, timeout=60, check=False)
        # A warning (an unknown key, say) is on stderr with status 0.
        self.assertEqual((0, ''), (done.returncode, done.stderr))

    def test_api_is_uwsgi_with_the_shipped_sample(self):
        command = _exec_start('glance-tasks-api.service')
        self.assertEqual(
            [INSTALLED_BIN + 'uwsgi', '--ini',
             INSTALLED_ETC + 'glance-tasks-api-uwsgi.ini'], command)
        self.assertTrue(os.path.isfile(os.path.join(
            ETC, os.path.basename(command[-1]))))
        service = _unit('glance-tasks-api.service')['Service']
        # uWSGI reports readiness itself (the uWSGI test checks it).
        self.assertEqual('notify', service['Type'])
        self.assertEqual('GLANCE_TASKS_CONFIG_FILES=' + CONFIG_FILE,
                         service['Environment'])

    def test_engine_is_our_console_script(self):
        command = _exec_start('glance-tasks-engine.service')
        self.assertEqual([INSTALLED_BIN + 'glance-tasks-engine',
                          '--config-file', CONFIG_FILE], command)
        self.assertTrue(os.path.exists(os.path.join(
            os.path.dirname(sys.executable), 'glance-tasks-engine')))
