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

"""TaskFlow conductors that run tasks' jobs and record their outcome.

TaskFlow's executor conductors claim jobs and dispatch each to an
engine. Ours replace the claiming loop and the dispatch (through the
hooks of :mod:`glance_tasks.common.internals`): the task's status moves
(``pending → processing`` by compare-and-swap, then ``success`` or
``failure``) are written by :class:`~glance_tasks.engine.runner.FlowRunner`
around the engine's run, in our code rather than in a TaskFlow notifier
callback, which would swallow their errors. A job is consumed once its
task has ended, abandoned (for another engine to take at once) when the
conductor stops in the middle of it, and left alone when the claim on it
was lost.
"""

import contextlib
import functools
import threading
import time

from oslo_log import log as logging
from taskflow.conductors.backends import impl_blocking
from taskflow.conductors.backends import impl_nonblocking
from taskflow import exceptions as tf_exc
from taskflow.types import timing

from glance_tasks.common import internals
from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import task as task_domain
from glance_tasks.engine import claims as claims_mod
from glance_tasks.engine import jobboard
from glance_tasks.engine import persistence
from glance_tasks.engine import runner as runner_mod
from glance_tasks import exception

LOG = logging.getLogger(__name__)

# What a dispatch asks of the job: consume it, abandon it, or (claim
# lost) leave it to its new owner.
CONSUME, ABANDON, LEAVE = 'consume', 'abandon', 'leave'

# Pause before abandoning a job whose handling failed unexpectedly (a
# database outage, say), so that the engines do not spin on it.
ERROR_BACKOFF = 1.0


class JobControl(runner_mod.RunControl):
    """Runs a job's engine for as long as the engine may.

    The flow is suspended when the conductor stops or the claim is lost;
    an outcome is recorded only while the claim holds.
    """

    def __init__(self, claim, stopping):
        self._claim = claim
        self._stopping = stopping

    def run(self, engine):
        with claims_mod.ClaimListener(engine, self._claim):
            suspended = False
            for _state in engine.run_iter():
                if not suspended and (self._stopping() or self._claim.lost):
                    # The running atom finishes; the next is not started.
                    engine.suspend()
                    suspended = True

    def may_record(self, task):
        return self._claim.verify()


class OneRunPerTask:
    """At most one run of a task at a time in this process.

    A task can come back to an engine under a new job while the engine
    still finishes an atom under the old one, whose claim was lost (the
    board wiped and the task reposted by the sweep, or a claim expired).
    Both runs would share the task's logbook in this process's memory, and
    the old run's eviction at its end would pull the flow from under the
    new one (TaskFlow then fails it with "No atom details found"). The
    new run waits for the old one to end; the old one, suspended since its
    claim was lost, ends with the atom it is running.
    """

    def __init__(self):
        self._changed = threading.Condition()
        self._running = set()

    @contextlib.contextmanager
    def hold(self, task_id):
        with self._changed:
            while task_id in self._running:
                self._changed.wait()
            self._running.add(task_id)
        try:
            yield
        finally:
            with self._changed:
                self._running.discard(task_id)
                self._changed.notify_all()


# One per process: the logbooks in memory are the process's.
LOCAL_RUNS = OneRunPerTask()


class TaskJobs:
    """What an engine does with one claimed job, on the task's side."""

    def __init__(self, runner, backend, board, owner, keep_logbooks=False):
        self._runner = runner
        self._backend = backend
        self._board = board
        self._owner = owner
        self._keep_logbooks = keep_logbooks
        self._context = gt_context.get_admin_context()

    def run(self, job, control):
        """Run the task of ``job``; say what to do with the job after."""
        task_id = jobboard.task_id_of(job)
        if task_id is None:
            return self._run(job, task_id, control)
        with LOCAL_RUNS.hold(task_id):
            try:
                return self._run(job, task_id, control)
            finally:
                persistence.evict_logbook(self._backend, task_id)

    def _run(self, job, task_id, control):
        task = self._task(task_id)
        if task is None or task.status in task_domain.TABLE.terminal:
            LOG.info('Job %(job)s: task %(task)s is %(state)s; nothing to '
                     'run.', {'job': job.uuid, 'task': task_id,
                              'state': task.status if task else 'gone'})
            # An engine that died between the task's end and its clean-up
            # left the flow's progress behind.
            if task_id is not None and not self._keep_logbooks:
                persistence.destroy_logbook(self._backend, task_id)
            return CONSUME
        if task.status == task_domain.PENDING:
            started = self._runner.start(self._context, task)
            if started is None:
                # Taken meanwhile: its progress is read again, fresh.
                persistence.evict_logbook(self._backend, task_id)
                return self._run(job, task_id, control)
            task = started
        elif self._taken_elsewhere(job, task_id):
            LOG.warning('Job %(job)s: task %(task)s is run by another '
                        'engine under another job; dropping this one.',
                        {'job': job.uuid, 'task': task_id})
            return CONSUME
        else:
            LOG.info('Job %(job)s: resuming task %(task)s, left '
                     'processing by an engine that stopped.',
                     {'job': job.uuid, 'task': task_id})
        ended = self._runner.resume(self._context, task, control=control)
        return CONSUME if ended else ABANDON

    def _task(self, task_id):
        """The task of a job (None if gone), its saved flow read with it.

        A pending task's checkpoint holds the flow saved by its poster;
        nobody writes it before moving the task to ``processing``, which
        this engine does next. Read in the task's own transaction (when
        the checkpoints live in the service database), it costs no
        transaction of its own. A task in any other state has its
        progress read later, at its resume, as fresh as can be.
        """
        if task_id is None:
            return None
        try:
            with db_api.context_manager.reader.using(self._context) as \
                    session:
                task = task_db.get(self._context, task_id,
                                   include_expired=True)
                if (task.status == task_domain.PENDING and
                        self._backend.in_service_db):
                    self._backend.get_connection().load_in(session,
                                                           task_id)
                return task
        except exception.TaskNotFound:
            return None

    def _taken_elsewhere(self, job, task_id):
        """True if another job of this task is claimed by another engine.

        A job posted again by a sweep while the first still existed (two
        engines sweeping at once after the board lost its data) is a
        duplicate: the engine that moved the task to ``processing`` runs
        it, and the holder of any other job of that task leaves it.
        """
        others = jobboard.jobs_by_task(self._board).get(task_id, [])
        for other in others:
            if other.uuid == job.uuid:
                continue
            owner = self._board.find_owner(other)
            if owner is not None and owner != self._owner:
                return True
        return False


class WakeableTimeout(timing.Timeout):
    """The conductor's idle wait, which a finished job cuts short."""

    def __init__(self, value):
        super().__init__(value)
        self._wakeup = threading.Event()

    def interrupt(self):
        super().interrupt()
        self._wakeup.set()

    def wake(self):
        self._wakeup.set()

    def wait(self):
        self._wakeup.wait(self.value)
        self._wakeup.clear()


class _TaskConductorMixin(internals.ExecutorConductorHooks):
    """Dispatch that runs tasks, for TaskFlow's executor conductors."""

    def __init__(self, name, board, jobs, keeper, wait_timeout,
                 max_simultaneous_jobs):
        super().__init__(name, board, wait_timeout=wait_timeout,
                         max_simultaneous_jobs=max_simultaneous_jobs)
        self._jobs = jobs
        self._keeper = keeper

    def run_until_stopped(self, executor):
        # TaskFlow's loop offers every job, claimed or not, newest first
        # on Redis, and idles a full wait after a burst of claims. This
        # one asks the board for as many unclaimed jobs as it has free
        # slots, oldest first, and is woken as soon as one of its jobs
        # ends.
        stopped = self.wait_timeout.is_stopped
        while not stopped():
            try:
                self._fill_slots(executor)
            except tf_exc.JobFailure as exc:
                LOG.warning('Jobboard unreachable (%s); retrying.', exc)
            if not stopped():
                self.wait_timeout.wait()

    def _fill_slots(self, executor):
        """Claim and start jobs until no slot or no unclaimed job is left.

        A job another engine claimed first is skipped, and the board
        asked again: the next answer leaves it out.
        """
        while not self.wait_timeout.is_stopped():
            free = self.free_slots()
            if free <= 0:
                return
            jobs = self.board.unclaimed_jobs(
                free, running={job.uuid for job in self.dispatched_jobs()})
            if not jobs:
                return
            for job in jobs:
                self._claim_and_submit(executor, job)

    def _claim_and_submit(self, executor, job):
        try:
            self.board.claim(job, self.name)
        except (tf_exc.UnclaimableJob, tf_exc.NotFound):
            return False  # another engine was quicker
        future = executor.submit(self.dispatch, job)
        future.job = job
        self.track_dispatch(future)
        future.add_done_callback(functools.partial(self.job_done, job))
        return True

    def dispatch(self, job):
        """Run ``job``'s task; what to do with the job after."""
        stopping = self.wait_timeout.is_stopped
        with self._keeper.holding(job, self.name) as claim:
            try:
                decision = self._jobs.run(job, JobControl(claim, stopping))
            except Exception:
                LOG.exception('Job %s: unexpected error; the job is left '
                              'for another try.', job.uuid)
                time.sleep(ERROR_BACKOFF)
                decision = ABANDON
            if claim.lost:
                decision = LEAVE
        LOG.info('Job %(job)s of task %(task)s: %(decision)s by '
                 '%(conductor)s.',
                 {'job': job.uuid, 'task': jobboard.task_id_of(job),
                  'decision': {CONSUME: 'finished', ABANDON: 'abandoned',
                               LEAVE: 'left'}[decision],
                  'conductor': self.name})
        return decision

    def job_done(self, job, fut):
        """Consume or abandon a dispatched job; wake the loop."""
        try:
            decision = fut.result()
        except Exception:
            LOG.exception('Job %s: dispatch failed.', job.uuid)
            decision = ABANDON
        try:
            if decision != LEAVE:
                self.finish_job(job, decision == CONSUME)
        finally:
            self.untrack_dispatch(fut)
            self.wait_timeout.wake()


class BlockingTaskConductor(_TaskConductorMixin,
                            impl_blocking.BlockingConductor):
    """Runs one job at a time."""


class NonBlockingTaskConductor(_TaskConductorMixin,
                               impl_nonblocking.NonBlockingConductor):
    """Runs up to ``max_simultaneous_jobs`` jobs at a time."""


CONDUCTORS = {'blocking': BlockingTaskConductor,
              'nonblocking': NonBlockingTaskConductor}


def make_conductor(conf, name, board, jobs, keeper):
    """The conductor of ``[jobboard] conductor``, named ``name``."""
    opts = conf.jobboard
    max_jobs = 1 if opts.conductor == 'blocking' else \
        opts.max_simultaneous_jobs
    return CONDUCTORS[opts.conductor](
        name, board, jobs, keeper,
        wait_timeout=WakeableTimeout(opts.poll_interval),
        max_simultaneous_jobs=max_jobs)
