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

"""The local executor: flows run in a bounded thread pool in this process.

It is the embedded default, and it is safe with many processes on one
database (uWSGI workers, API hosts): every task has one owner at a time.
Each executor holds a lease of its own (:mod:`.ownership`) and names it
on the tasks it creates or takes over (the ``executor`` column). A sweep,
at start and every ``[task_executor] sweep_interval`` seconds, takes over
the ``pending`` and ``processing`` tasks whose owner's lease has lapsed
(a process that died) or that have none, by a compare-and-swap on that
column, and runs them: a pending task from its start, a processing one
resumed from its checkpoint (or failed, with a message, if its progress
was never saved). It also runs again this process's own tasks that no
longer run here (a database error stopped their run), so nothing waits
for a restart.

A process that lost its lease stops working on its tasks: a running flow
is suspended after its running atom and writes no checkpoint or status
any more. Status writes check the owner in the database too, so even a
stalled process cannot move a task another process took over.
"""

from concurrent import futures
import contextlib
import dataclasses
import datetime
import threading
import time

import futurist
from oslo_db import exception as db_exc
from oslo_log import log as logging

from glance_tasks.common import periodic
from glance_tasks import context as gt_context
from glance_tasks.db import leases as lease_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import task as task_domain
from glance_tasks.engine import ownership
from glance_tasks.engine import runner as runner_mod
from glance_tasks import exception

LOG = logging.getLogger(__name__)

# A run that failed other than on the database is tried again by the
# sweep after this, doubling up to MAX_RETRY_DELAY.
FIRST_RETRY_DELAY = 10.0
MAX_RETRY_DELAY = 600.0
# Executor leases lapsed this long ago are deleted by the sweep, at
# most once per this many seconds (a write on every process).
LEASE_RETENTION = datetime.timedelta(hours=1)
LEASE_PURGE_INTERVAL = 600.0


class OwnerControl(runner_mod.RunControl):
    """Runs a flow while this process owns its task under ``name``."""

    def __init__(self, lease, name):
        self._lease = lease
        self._name = name

    def run(self, engine):
        suspended = False
        for _state in engine.run_iter():
            if not suspended and not self._lease.holds(self._name):
                # The running atom finishes; the next is not started.
                engine.suspend()
                suspended = True

    def may_record(self, task):
        return self._lease.holds(self._name)


class LocalExecutor:
    """Runs each owned task on one of ``max_workers`` threads."""

    def __init__(self, conf, registry, lifecycle, backend, services=None):
        options = conf.task_executor
        workers = options.max_workers
        self._pool = futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix='task-worker')
        # Atoms of parallel flows run here, shared by every flow.
        self._atom_pool = futurist.ThreadPoolExecutor(max_workers=workers)
        self._runner = runner_mod.FlowRunner(
            conf, registry, lifecycle, backend, executor=self._atom_pool,
            services=services)
        self._backend = backend
        self._context = gt_context.get_admin_context()
        self.lease = ownership.ExecutorLease(
            self._context, options.lease_duration, on_lost=self._fence)
        # Both run a first pass at start, then every interval.
        self._keeper = periodic.Loop(
            'executor-lease', self.lease.keep, self.lease.renew_interval,
            what='Renewing the executor lease', first_delay=0,
            on_failure=ownership.log_failure)
        self._sweeper = periodic.Loop(
            'executor-sweep', self.sweep, options.sweep_interval,
            what='The executor sweep', first_delay=0,
            on_failure=ownership.log_failure)
        self._guard = threading.Lock()
        self._active = {}  # task id -> the lease name it runs under
        self._retry = {}  # task id -> (delay, monotonic time not before)
        self._next_lease_purge = 0.0

    @property
    def owner(self):
        """What new tasks of this process record as their executor."""
        return self.lease.name

    def submit(self, task):
        """Queue a pending task created for this process.

        A task that names no executor is taken over first.
        """
        if task.executor is None:
            return self._take_over(task, self.lease.name)
        return self._launch(task)

    def start(self):
        """Take the lease, then sweep now and periodically."""
        try:
            self.lease.keep()
        except Exception as exc:
            LOG.warning('Could not take the executor lease at start (%s); '
                        'retrying.', exc)
        self._keeper.start()
        self._sweeper.start()

    def sweep(self):
        """Take over orphaned tasks and rerun own dropped ones.

        Returns the number of tasks started.
        """
        if not self.lease.held():
            return 0
        name = self.lease.name
        started = sum(self._take_over(task, name) is not None for task in
                      task_db.orphans(self._context, name))
        started += sum(self._pick_up(task_id, name) is not None
                       for task_id in task_db.owned_ids(self._context, name))
        self._purge_lapsed_leases()
        return started

    def _purge_lapsed_leases(self):
        now = time.monotonic()
        if now < self._next_lease_purge:
            return
        self._next_lease_purge = now + LEASE_PURGE_INTERVAL
        lease_db.purge_lapsed(self._context, ownership.PREFIX,
                              lease_db.utcnow() - LEASE_RETENTION)

    def _take_over(self, task, name):
        if not self._claim_locally(task.id, name):
            return None
        if not task_db.take_over(self._context, task, name):
            self._release_locally(task.id)
            return None  # another process was quicker
        LOG.warning('Task %(task)s (%(status)s) taken over from '
                    '%(previous)s, whose lease has lapsed.',
                    {'task': task.id, 'status': task.status,
                     'previous': task.executor or 'no executor'})
        return self._queue(_owned(task, name), name)

    def _pick_up(self, task_id, name):
        retry = self._retry.get(task_id)
        if retry is not None and time.monotonic() < retry[1]:
            return None
        if not self._claim_locally(task_id, name):
            return None  # it runs here
        # Read after the claim: a run that ended before it has written
        # its outcome, so a task still live here was really dropped.
        try:
            task = task_db.get(self._context, task_id, include_expired=True)
        except exception.TaskNotFound:
            task = None
        if (task is None or task.executor != name or
                task.status not in task_db.LIVE):
            self._release_locally(task_id)
            return None
        LOG.warning('Task %s (%s) no longer ran in this process; running '
                    'it again.', task.id, task.status)
        return self._queue(task, name)

    def _launch(self, task):
        if not self._claim_locally(task.id, task.executor):
            return None
        return self._queue(task, task.executor)

    def _claim_locally(self, task_id, name):
        with self._guard:
            if task_id in self._active:
                return False
            self._active[task_id] = name
            return True

    def _release_locally(self, task_id):
        with self._guard:
            self._active.pop(task_id, None)

    def _queue(self, task, name):
        """Run ``task`` on the pool; its future (None when stopping)."""
        try:
            return self._pool.submit(self._run, task, name)
        except RuntimeError:  # the pool is shut down: we are stopping
            self._release_locally(task.id)
            return None

    def _run(self, task, name):
        control = OwnerControl(self.lease, name)
        try:
            if not self.lease.holds(name):
                return  # lost while queued: the next owner runs it
            if task.status == task_domain.PENDING:
                self._runner.run(self._context, task, control=control)
            else:
                LOG.info('Task %s was left processing; resuming it.',
                         task.id)
                self._runner.resume(self._context, task, control=control)
            self._retry.pop(task.id, None)
        except exception.TaskStatusConflict:
            LOG.info('Task %s was moved by another process meanwhile.',
                     task.id)
        except db_exc.DBError as exc:
            LOG.warning('Task %(task)s: the database failed (%(error)s); '
                        'the sweep runs it again.',
                        {'task': task.id, 'error': exc})
        except Exception:
            delay = self._retry.get(task.id, (FIRST_RETRY_DELAY / 2,))[0]
            delay = min(delay * 2, MAX_RETRY_DELAY)
            self._retry[task.id] = (delay, time.monotonic() + delay)
            LOG.exception('Task %(task)s: worker crashed; trying again in '
                          '%(delay)d s.', {'task': task.id, 'delay': delay})
        finally:
            self._release_locally(task.id)

    def _fence(self, lost_name):
        """The lease ``lost_name`` was lost: stop its checkpoints."""
        with self._guard:
            task_ids = [task_id for task_id, name in self._active.items()
                        if name == lost_name]
        with contextlib.closing(self._backend.get_connection()) as conn:
            for task_id in task_ids:
                conn.fence(task_id)

    def stop(self, wait=True):
        """Finish the queued and running flows, then free the lease."""
        self._sweeper.stop()
        self._pool.shutdown(wait=wait)
        self._atom_pool.shutdown(wait=wait)
        self._keeper.stop()
        try:
            self.lease.release()
        except Exception:
            LOG.warning('Could not release the executor lease; its tasks '
                        'are taken over once it lapses.', exc_info=True)


def _owned(task, name):
    return dataclasses.replace(task, executor=name)
