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

"""No process of ours loads eventlet (glance_tasks/threads.py).

Each console script's module and the WSGI module is imported in a fresh
interpreter, as an operator's process starts it: a test process has
imported glance_tasks long before, so only a new process can show what an
import pulls in.
"""

import importlib.metadata
import json
import os
import subprocess
import sys

from glance_tasks.tests import base

# Prints the eventlet modules the import left loaded (a None entry is the
# "not importable" marker glance_tasks.threads sets) and the backend.
_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
from oslo_service import backend
print(json.dumps({
    'eventlet': sorted(name for name, module in sys.modules.items()
                       if name.split('.')[0] == 'eventlet'
                       and module is not None),
    'backend': backend.get_backend_type().value,
}))
"""


def _console_script_modules():
    """The modules of the console scripts setup.cfg declares."""
    dist = importlib.metadata.distribution('glance-tasks')
    return sorted({entry.module for entry in dist.entry_points
                   if entry.group == 'console_scripts'})


def _env():
    # No PYTHONWARNINGS: warnings as an operator sees them (Python's
    # default filters, which show eventlet's EventletDeprecationWarning).
    env = dict(os.environ)
    env.pop('PYTHONWARNINGS', None)
    return env


def _run(*args):
    return subprocess.run([sys.executable, *args], capture_output=True,
                          text=True, timeout=120, env=_env(), check=False)


class TestNoEventlet(base.TestCase):

    def assert_no_warning(self, process):
        self.assertEqual(0, process.returncode, process.stderr)
        self.assertNotIn('Warning', process.stderr)
        self.assertNotIn('eventlet', process.stderr.lower())

    def test_every_command_and_the_wsgi_module(self):
        modules = _console_script_modules() + ['glance_tasks.wsgi.api']
        self.assertIn('glance_tasks.cmd.manage', modules)
        found = {}
        for module in modules:
            process = _run('-c', _PROBE, module)
            self.assert_no_warning(process)
            found[module] = json.loads(process.stdout)
        self.assertEqual(
            {module: {'eventlet': [], 'backend': 'threading'}
             for module in modules},
            found)

    def test_manage_help_prints_no_warning(self):
        # The installed console script, beside this interpreter.
        script = os.path.join(os.path.dirname(sys.executable),
                              'glance-tasks-manage')
        process = subprocess.run([script, '--help'], capture_output=True,
                                 text=True, timeout=120, env=_env(),
                                 check=False)
        self.assert_no_warning(process)
        self.assertIn('usage: glance-tasks-manage', process.stdout)
