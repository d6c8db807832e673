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

"""``glance-tasks-engine`` on a slow store disk, for the crash tests.

``GT_TEST_STORE_RATE`` (bytes per second) slows the image store's
writes as :mod:`.api_import_child` does, so that a test can SIGKILL the
engine while it writes an import's data to the store. Nothing else
differs from the engine command.
"""

import os
import sys

from glance_tasks.cmd import engine
from glance_tasks.tests.functional.images import api_import_child


def main():
    rate = os.environ.get('GT_TEST_STORE_RATE')
    if rate:
        api_import_child.slow_store(float(rate))
    return engine.main()


if __name__ == '__main__':
    sys.exit(main())
