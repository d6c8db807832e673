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

"""The service's main job on its embedded defaults (``tools/demo.sh``).

Syncs the SQLite database under ``state_path``, starts the task service
(local executor, notifications to the log), runs one ``noop`` task that
succeeds and one that fails, and prints every status each goes through.
Then it imports a real image it serves itself on loopback
(``tools/demo_import.py``, beside this file). A tool, not one of the
service's commands: run it with the service's virtualenv's Python.
"""

import os
import sys
import time

from oslo_config import cfg
from oslo_log import log as logging

# tools/demo_import.py: Python puts this file's directory on the path.
import demo_import
from glance_tasks import conf as gt_conf
from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import migration
from glance_tasks.domain import image as image_domain
from glance_tasks.domain import task as task_domain
from glance_tasks import service as service_mod

LOG_FILE = 'glance-tasks-demo.log'
DEMO_TASKS = (
    ('succeeds', {'atoms': 3, 'sleep': 0.2}),
    ('fails at its second atom', {'atoms': 3, 'sleep': 0.2, 'fail_at': 1}),
)


def print_table(table):
    print('%s statuses (from -> allowed to):' % table.kind)
    for status, targets in table.transitions.items():
        allowed = ', '.join(t for t in table.statuses if t in targets)
        print('  %-15s -> %s' % (status, allowed or '(terminal)'))


def watch(service, context, tasks, timeout=30):
    """Print each status change of ``tasks`` until all have ended."""
    # Each was created pending (and said so); print what comes after.
    seen = {task_id: task_domain.PENDING for _label, task_id in tasks}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for label, task_id in tasks:
            task = service.get_task(context, task_id)
            if seen.get(task_id) != task.status:
                seen[task_id] = task.status
                detail = task.result or task.message or ''
                print('  task %s (%s): %s %s'
                      % (task_id[:8], label, task.status, detail))
        if all(s in task_domain.TABLE.terminal for s in seen.values()):
            return True
        time.sleep(0.05)
    return False


def main(argv=None):
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    gt_conf.load(sys.argv[1:] if argv is None else argv, conf=conf)
    conf.set_default('enabled_task_types', ['noop'], group='task')
    demo_import.prepare(conf)
    # The logs, notifications included, go to a file: the terminal gets
    # the story. --log-file (or log_file in a config file) overrides it.
    os.makedirs(conf.state_path, exist_ok=True)
    conf.set_default('log_file', os.path.join(conf.state_path, LOG_FILE))
    logging.setup(conf, 'glance-tasks')
    print_table(task_domain.TABLE)
    print_table(image_domain.TABLE)
    db_api.configure(conf)
    migration.db_sync()
    print('Database %s at revision %s.'
          % (conf.database.connection, migration.db_version()))
    service = service_mod.TaskService(conf)
    service.start()
    context = gt_context.RequestContext(project_id='demo-project',
                                        user_id='demo-user')
    tasks = [(label, service.create_task(context, 'noop', task_input).id)
             for label, task_input in DEMO_TASKS]
    print('Created %d noop tasks; their statuses:' % len(tasks))
    for label, task_id in tasks:
        print('  task %s (%s): %s' % (task_id[:8], label,
                                      task_domain.PENDING))
    finished = watch(service, context, tasks)
    imported = demo_import.run(service, context, conf)
    service.stop()
    print('The logs, with every notification as the log driver sent it '
          '(lines of oslo.messaging.notification.*), are in %s.'
          % conf.log_file)
    return 0 if finished and imported else 1


if __name__ == '__main__':
    sys.exit(main())
