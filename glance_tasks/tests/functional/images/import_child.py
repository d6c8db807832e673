"""A task service with the image task types in a child process.

``python -m glance_tasks.tests.functional.images.import_child CONFIG
create INPUT`` syncs the database, starts the service, creates an
``import`` task with the JSON ``INPUT``, prints ``{"id": ...}`` and waits
for the task to end (the test kills it first). ``... CONFIG resume
TASK_ID`` starts the service on the same databases (its start resumes the
tasks left ``processing``), waits for the task to end, stops the service
and prints the task and its image as JSON. Both give up after
``--timeout`` seconds (exit code 2).
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
from glance_tasks.domain import task as task_domain
from glance_tasks.images import lifecycle
from glance_tasks.images import runtime
from glance_tasks import service as service_mod
from glance_tasks.task_types import image_import
from glance_tasks.task_types import location_import
from glance_tasks.task_types import registry as registry_mod

TIMED_OUT = 2


def _wait(service, context, task_id, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = service.get_task(context, task_id)
        if task.status in task_domain.TABLE.terminal:
            return task
        time.sleep(0.05)
    return None


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
    logging.setup(conf, 'import-child')
    db_api.configure(conf)
    migration.db_sync()
    runtime.configure(conf)

    registry = registry_mod.TaskTypeRegistry(
        [image_import.Import, location_import.LocationImport],
        conf.task.enabled_task_types)
    service = service_mod.TaskService(conf, registry=registry)
    service.start()
    context = gt_context.RequestContext(project_id='project-a',
                                        user_id='user-a')
    if args.mode == 'create':
        task = service.create_task(context, 'import',
                                   json.loads(args.argument))
        task_id = task.id
        print(json.dumps({'id': task_id}), flush=True)
    else:
        task_id = args.argument

    finished = _wait(service, context, task_id, args.timeout)
    service.stop()
    task = service.get_task(context, task_id)
    image = lifecycle.get(gt_context.get_admin_context(), task.image_id) \
        if task.image_id else None
    print(json.dumps({'id': task.id, 'status': task.status,
                      'result': task.result, 'message': task.message,
                      'image_id': task.image_id,
                      'image_status': image.status if image else None,
                      'checksum': image.checksum if image else None}),
          flush=True)
    return 0 if finished else TIMED_OUT


if __name__ == '__main__':
    sys.exit(main())
