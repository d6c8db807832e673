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
