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

"""A task service in a child process, for the tests that kill one.

``python -m <child module> CONFIG create INPUT`` syncs the database,
starts the service, creates a task with the JSON ``INPUT``, prints
``{"id": ...}`` and waits for the task to end (the test kills it first).
``... CONFIG resume TASK_ID`` starts the service on the same databases
(its start resumes the tasks left ``processing``), waits for the task to
end, stops the service and prints the task as JSON. Both give up after
``--timeout`` seconds (exit code 2).

Each child module says which task types it offers, which one it creates
and what it adds to the printed task (:func:`main`).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from oslo_config import cfg
from oslo_log import log as logging

from glance_tasks import conf as gt_conf
from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import migration
from glance_tasks.db import outbox as outbox_db
from glance_tasks.domain import task as task_domain
from glance_tasks.engine import persistence
from glance_tasks import service as service_mod
from glance_tasks.task_types import registry as registry_mod

TIMED_OUT = 2
# Seconds a test waits for a child; each child bounds its own wait to less.
CHILD_TIMEOUT = 120


def _wait(predicate, deadline):
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _ended(service, context, task_id):
    task = service.get_task(context, task_id)
    return task.status in task_domain.TABLE.terminal


def parse(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    parser.add_argument('mode', choices=['create', 'resume'])
    parser.add_argument('argument', help='task input, or task id')
    parser.add_argument('--timeout', type=float, default=60)
    return parser.parse_args(argv)


def start_service(args, name, task_types):
    """Sync the databases of ``args.config``, start a service on them."""
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    gt_conf.load(args=['--config-file', args.config], conf=conf)
    logging.setup(conf, name)
    db_api.configure(conf)
    migration.db_sync()
    persistence.sync_own_database(conf)
    registry = registry_mod.TaskTypeRegistry(task_types,
                                             conf.task.enabled_task_types)
    service = service_mod.TaskService(conf, registry=registry)
    service.start()
    return service


def main(argv, name, task_types, task_type, report=None,
         drain_on_resume=False, create=None):
    """Run the child; its exit status.

    ``report(task)``: more fields for the printed task. ``create(service,
    context, task_input)`` creates the task instead of
    ``service.create_task`` (an import call's own transaction). With
    ``drain_on_resume`` a resuming child also waits for the outbox to be
    sent (the dead child held the relay lease, so that waits for the
    lease to end).
    """
    args = parse(argv)
    service = start_service(args, name, task_types)
    context = gt_context.RequestContext(project_id='project-a',
                                        user_id='user-a')
    if args.mode == 'create':
        task_input = json.loads(args.argument)
        if create is not None:
            task_id = create(service, context, task_input).id
        else:
            task_id = service.create_task(context, task_type,
                                          task_input).id
        print(json.dumps({'id': task_id}), flush=True)
    else:
        task_id = args.argument

    deadline = time.monotonic() + args.timeout
    finished = _wait(lambda: _ended(service, context, task_id), deadline)
    if finished and drain_on_resume and args.mode == 'resume':
        finished = _wait(lambda: not outbox_db.unsent_count(context),
                         deadline)
    service.stop()
    task = service.get_task(context, task_id)
    printed = {'id': task.id, 'status': task.status, 'result': task.result,
               'message': task.message}
    printed.update(report(task) if report else {})
    print(json.dumps(printed), flush=True)
    return 0 if finished else TIMED_OUT


class ChildProcessMixin:
    """The test's side: the children's configuration, start and kill.

    ``CHILD`` names the child module; ``self.state_path`` holds its
    configuration, databases and log.
    """

    CHILD = None

    def write_child_config(self, template):
        self.dir = self.state_path
        self.config = os.path.join(self.dir, 'glance-tasks.conf')
        with open(self.config, 'w') as f:
            f.write(template.format(dir=self.dir))

    def _child_args(self, *args):
        return [sys.executable, '-m', self.CHILD, self.config, *args,
                '--timeout', str(CHILD_TIMEOUT - 30)]

    def spawn_create(self, task_input):
        """A child creating a task from JSON ``task_input``: (proc, id)."""
        proc = subprocess.Popen(self._child_args('create', task_input),
                                cwd=self.dir, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(_reap, proc)
        return proc, json.loads(proc.stdout.readline())['id']

    def kill_child(self, proc):
        os.kill(proc.pid, signal.SIGKILL)
        self.assertEqual(-signal.SIGKILL, proc.wait(CHILD_TIMEOUT))


def _reap(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()
