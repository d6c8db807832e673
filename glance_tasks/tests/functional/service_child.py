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

The console scripts offer only the installed task types; the crash tests
need ``trace`` (:mod:`.engine.crash_types`) too, and to create tasks
without an API. This program starts the service of
:func:`.service.start_in_process` on a configuration file, offering
every type below that the file enables:

``python -m glance_tasks.tests.functional.service_child CONFIG create
TYPE INPUTS [--until ended|stdin]`` creates one task of ``TYPE`` per
input of the JSON list ``INPUTS``, prints ``{"ids": [...], "executor":
OWNER}``, then serves until every task ended (and prints the last one as
JSON) or until its standard input is closed.

``... CONFIG resume TASK_ID`` starts the service on the same databases
(its start resumes the tasks left ``processing``), waits for the task to
end and for the outbox to be sent (the dead child held the relay lease,
so that waits for the lease to end), stops and prints the task.

Waits give up after ``--timeout`` seconds (exit code 2).
"""

import argparse
import json
import sys
import time

from oslo_config import cfg
from oslo_log import log as logging

from glance_tasks import conf as gt_conf
from glance_tasks import context as gt_context
from glance_tasks.db import outbox as outbox_db
from glance_tasks.domain import task as task_domain
from glance_tasks.task_types import image_import
from glance_tasks.task_types import location_import
from glance_tasks.task_types import noop
from glance_tasks.tests.functional.engine import crash_types
from glance_tasks.tests.functional import service

TASK_TYPES = [noop.Noop, crash_types.Trace, image_import.Import,
              location_import.LocationImport]
TIMED_OUT = 2
# Seconds a test waits for a child; each child bounds its own wait to less.
CHILD_TIMEOUT = 120


def child_config(state_path, task_types, log='child', **choices):
    """What a crash test's children share: files under ``state_path``.

    Logs to ``<log>.log`` with debug; the service and flow databases are
    SQLite files (``gt.sqlite``, ``taskflow.sqlite``) unless
    ``database`` says; a dead child's lease lapses after 3 s, another
    process sweeps every second and takes the relay over after 3 s.
    """
    options = choices.pop('options', {})
    settings = {
        'DEFAULT': {'log_file': '%s/%s.log' % (state_path, log),
                    'debug': True, 'notification_relay_lease': 3},
        'task_executor': {
            'persistence_connection': 'sqlite:///%s/taskflow.sqlite'
                                      % state_path,
            'lease_duration': 3, 'sweep_interval': 1}}
    for group, values in options.items():
        settings.setdefault(group, {}).update(values)
    choices.setdefault('database', 'sqlite:///%s/gt.sqlite' % state_path)
    return service.ServiceConfig(state_path, task_types=task_types,
                                 notifications='log', options=settings,
                                 name=log, **choices)


def command(config, *args, module=__name__):
    """The command line of a child on ``config`` (a path).

    ``module``: a child program of its own that calls :func:`main`.
    """
    return [sys.executable, '-m', module, config, *args,
            '--timeout', str(CHILD_TIMEOUT - 30)]


def parse(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    sub = parser.add_subparsers(dest='mode', required=True)
    create = sub.add_parser('create')
    create.add_argument('type')
    create.add_argument('inputs', type=json.loads)
    create.add_argument('--until', choices=['ended', 'stdin'],
                        default='ended')
    resume = sub.add_parser('resume')
    resume.add_argument('task_id')
    for mode in (create, resume):
        mode.add_argument('--timeout', type=float, default=60)
    return parser.parse_args(argv)


def _start(config, task_types):
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    gt_conf.load(args=['--config-file', config], conf=conf)
    logging.setup(conf, 'service-child')
    return service.start_in_process(conf, task_types)


def _create_task(started, context, task_type, task_input):
    return started.create_task(context, task_type, task_input)


def _wait(predicate, deadline):
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _print(value):
    print(json.dumps(value), flush=True)


def main(argv=None, task_types=TASK_TYPES, create=_create_task):
    """Run the child; its exit status.

    A child program of its own (for types or a way to create tasks this
    one lacks) calls this with its ``task_types`` and ``create(service,
    context, task_type, task_input)``, which returns the task.
    """
    args = parse(sys.argv[1:] if argv is None else argv)
    started = _start(args.config, task_types)
    context = gt_context.RequestContext(project_id='project-a',
                                        user_id='user-a')
    if args.mode == 'create':
        ids = [create(started, context, args.type, task_input).id
               for task_input in args.inputs]
        _print({'ids': ids, 'executor': started.executor.owner})
        if args.until == 'stdin':
            sys.stdin.read()  # until the test closes it
            started.stop()
            return 0
    else:
        ids = [args.task_id]

    def ended():
        return all(started.get_task(context, task_id).status in
                   task_domain.TABLE.terminal for task_id in ids)

    deadline = time.monotonic() + args.timeout
    finished = _wait(ended, deadline)
    if finished and args.mode == 'resume':
        finished = _wait(lambda: not outbox_db.unsent_count(context),
                         deadline)
    started.stop()
    task = started.get_task(context, ids[-1])
    _print({'id': task.id, 'status': task.status, 'result': task.result,
            'message': task.message})
    return 0 if finished else TIMED_OUT


if __name__ == '__main__':
    sys.exit(main())
