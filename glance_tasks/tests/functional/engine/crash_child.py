"""A task service in a child process, for the crash tests.

``python -m glance_tasks.tests.functional.engine.crash_child CONFIG create
INPUT`` syncs the database, starts the service, creates a ``trace`` task
with the JSON ``INPUT``, prints ``{"id": ...}`` and waits for the task to
end (it is meant to die first). ``... CONFIG resume TASK_ID`` starts the
service on the same databases (its start recovers left-over tasks), waits
for the task to end and its notifications to leave (the dead process held
the relay lease, so they leave once that lease has ended), stops the
service and prints the task as JSON.
Both give up after ``--timeout`` seconds (exit code 2).
"""

import argparse
import json
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
from glance_tasks import service as service_mod
from glance_tasks.task_types import noop
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests.functional.engine import crash_types

TIMED_OUT = 2


def _wait(predicate, deadline):
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _ended(service, context, task_id):
    task = service.get_task(context, task_id)
    return task.status in task_domain.TABLE.terminal


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    parser.add_argument('mode', choices=['create', 'resume'])
    parser.add_argument('argument', help='task input, or task id')
    parser.add_argument('--timeout', type=float, default=60)
    args = parser.parse_args(argv)

    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    gt_conf.load(args=['--config-file', args.config], conf=conf)
    logging.setup(conf, 'crash-child')
    db_api.configure(conf)
    migration.db_sync()

    registry = registry_mod.TaskTypeRegistry(
        [noop.Noop, crash_types.Trace], conf.task.enabled_task_types)
    service = service_mod.TaskService(conf, registry=registry)
    service.start()
    context = gt_context.RequestContext(project_id='project-a',
                                        user_id='user-a')
    if args.mode == 'create':
        task = service.create_task(context, 'trace',
                                   json.loads(args.argument))
        task_id = task.id
        print(json.dumps({'id': task_id}), flush=True)
    else:
        task_id = args.argument

    deadline = time.monotonic() + args.timeout
    finished = _wait(lambda: _ended(service, context, task_id), deadline)
    if finished and args.mode == 'resume':
        finished = _wait(lambda: not outbox_db.unsent_count(context),
                         deadline)
    service.stop()
    task = service.get_task(context, task_id)
    print(json.dumps({'id': task.id, 'status': task.status,
                      'result': task.result, 'message': task.message}),
          flush=True)
    return 0 if finished else TIMED_OUT


if __name__ == '__main__':
    sys.exit(main())
