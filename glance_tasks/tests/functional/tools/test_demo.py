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

"""``tools/demo.py``, run as ``tools/demo.sh`` runs it, on its own state."""

import os
import subprocess
import sys

import fixtures

from glance_tasks.tests import base

TOOLS = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                     'tools')


class DemoTest(base.TestCase):

    def test_the_demo_tells_its_story_and_succeeds(self):
        state = self.useFixture(fixtures.TempDir()).path
        config = os.path.join(state, 'demo.conf')
        with open(config, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n' % state)
        result = subprocess.run(
            [sys.executable, os.path.join(TOOLS, 'demo.py'),
             '--config-file', config],
            capture_output=True, text=True, timeout=240)
        self.assertEqual(0, result.returncode, result.stderr[-2000:])
        out = result.stdout
        for line in ('task statuses (from -> allowed to):',
                     'image statuses (from -> allowed to):',
                     '(succeeds): success',
                     '(fails at its second atom): failure noop atom 1 '
                     'failed on purpose',
                     '(image.upload) size',
                     '(task.success) {"image_id":'):
            self.assertIn(line, out)
        self.assertRegex(out, r'Image \S+ is active: (qcow2|raw), ')
        self.assertTrue(os.path.exists(
            os.path.join(state, 'glance_tasks.sqlite')))
