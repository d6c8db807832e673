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

"""A task service running ``trace`` tasks in a child process.

For the engine's crash tests; see :mod:`..child_service` for the command
line. A resuming child also waits for the notifications to leave: the
dead child held the relay lease, so they leave once that lease has ended.
"""

import sys

from glance_tasks.task_types import noop
from glance_tasks.tests.functional import child_service
from glance_tasks.tests.functional.engine import crash_types


def main(argv=None):
    return child_service.main(
        sys.argv[1:] if argv is None else argv, 'crash-child',
        [noop.Noop, crash_types.Trace], 'trace', drain_on_resume=True)


if __name__ == '__main__':
    sys.exit(main())
