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

"""The sweep: tasks whose job is no longer on the board.

A job stays on the board from its posting until its task has ended, so a
task ``processing`` without a job lost it: the board's data was wiped (a
Redis restarted without persistence, a ZooKeeper path removed). Nothing
would ever finish such a task; the sweep fails it, saying why. A task
``pending`` without a job (its poster died before posting, or the board
was wiped before an engine claimed it) is posted again.

Tasks are read before the board: a task ``processing`` when read had its
job on the board from before that read until it ended, so missing from
the later listing means lost (or just ended, and then the failure's
compare-and-swap finds it ended and changes nothing).
"""

import datetime

from oslo_log import log as logging

from glance_tasks.common import periodic
from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import task as task_domain
from glance_tasks.engine import jobboard
from glance_tasks import exception

LOG = logging.getLogger(__name__)

LOST_MESSAGE = ('The job of this task was lost from the jobboard (its '
                'data was wiped while the task was running), so no '
                'engine could finish it. Create the task again.')


class Sweeper:
    """Periodically fails or reposts the tasks the board lost."""

    def __init__(self, conf, board, backend, registry, lifecycle):
        self._interval = conf.jobboard.sweep_interval
        self._board = board
        self._backend = backend
        self._registry = registry
        self._lifecycle = lifecycle
        self._context = gt_context.get_admin_context()
        # Engines started together would sweep together; spread them.
        self._loop = periodic.Loop('jobboard-sweep', self.sweep,
                                   self._interval, what='Jobboard sweep',
                                   jitter=0.25, join_timeout=30)

    def start(self):
        if self._interval:
            self._loop.start()

    def stop(self):
        self._loop.stop()

    def sweep(self, now=None):
        """One sweep; returns (tasks failed, tasks posted again)."""
        now = now or db_api.utcnow()
        processing = self._tasks(task_domain.PROCESSING)
        grace = datetime.timedelta(seconds=self._interval)
        pending = [task for task in self._tasks(task_domain.PENDING)
                   if task.created_at <= now - grace]
        if not (processing or pending) or not self._board.connected:
            return 0, 0
        on_board = jobboard.jobs_by_task(self._board)
        # A ZooKeeper board lists nothing while its session is down.
        if not self._board.connected:
            return 0, 0
        failed = sum(self._fail(task) for task in processing
                     if task.id not in on_board)
        posted = sum(self._repost(task) for task in pending
                     if task.id not in on_board)
        if failed or posted:
            LOG.warning('Jobboard sweep: failed %(failed)d task(s) whose '
                        'job was lost, posted %(posted)d pending task(s) '
                        'again.', {'failed': failed, 'posted': posted})
        return failed, posted

    def _tasks(self, status):
        return task_db.list_tasks(self._context, filters={'status': status},
                                  sort_key='created_at', sort_dir='asc')

    def _fail(self, task):
        try:
            self._lifecycle.fail(self._context, task, LOST_MESSAGE)
        except exception.TaskStatusConflict:
            return False  # it ended meanwhile
        LOG.warning('Task %s was processing but its job was lost; failed '
                    'it.', task.id)
        return True

    def _repost(self, task):
        try:
            task = task_db.get(self._context, task.id, include_expired=True)
            if task.status != task_domain.PENDING:
                return False
            jobboard.repost(self._board, self._backend, self._registry,
                            task)
        except exception.NotFound:
            return False
        except exception.GlanceTasksException as exc:
            # Its type is no longer enabled here, say: it cannot run.
            return self._fail_pending(task, exc)
        LOG.warning('Task %s was pending without a job; posted it again.',
                    task.id)
        return True

    def _fail_pending(self, task, exc):
        try:
            self._lifecycle.fail(self._context, task, exc.message)
        except exception.TaskStatusConflict:
            return False
        return False
