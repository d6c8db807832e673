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

"""Run one task's flow and map its outcome onto the task statuses.

The runner, not the task type, owns the lifecycle: ``pending →
processing`` right before the flow runs, ``success`` with the flow's
result, ``failure`` with a message when the flow reverts or fails, cannot
be built, or something unexpected happens.
"""

from oslo_db import exception as db_exc
from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import importutils
from taskflow import engines
from taskflow import exceptions as tf_exc
from taskflow import states

from glance_tasks.engine import outcome
from glance_tasks.engine import persistence
from glance_tasks import exception
from glance_tasks.task_types import base as type_base

LOG = logging.getLogger(__name__)

STOPPED_MESSAGE = ('The engine running this task stopped before it '
                   'finished, and the task could not be resumed: %s')


class RunControl:
    """Drives one engine run and says whether its outcome may be written.

    The local executor runs every flow to its end and records it. A
    jobboard conductor uses a subclass that suspends the engine when the
    conductor stops or loses its claim on the job, and that refuses to
    record an outcome once the claim is gone.
    """

    def run(self, engine):
        """Run ``engine`` until its flow ends (or is suspended)."""
        engine.run()

    def may_record(self, task):
        """True if this process may still write ``task``'s status."""
        return True


class FlowRunner:
    """Runs flows with TaskFlow engines on shared persistence."""

    def __init__(self, conf, registry, lifecycle, backend, executor=None,
                 services=None):
        self._conf = conf
        self._registry = registry
        self._lifecycle = lifecycle
        self._backend = backend
        self._executor = executor
        # What the atoms receive (task_types.base.Services).
        self._services = services or type_base.Services(conf)
        # Tasks whose checkpoint went with their outcome's transaction.
        self._dropped = set()

    def _engine_options(self):
        mode = self._conf.task_executor.engine_mode
        options = {'engine': mode}
        if mode == 'parallel' and self._executor is not None:
            # A per-flow pool costs ~1 s to shut down; share one.
            options['executor'] = self._executor
        return options

    def run(self, context, task, control=None):
        """Run a ``pending`` task to success or failure.

        The flow is built and prepared first, so that the move to
        ``processing`` commits its first checkpoint with it (when the
        checkpoints live in the service's database): a started task is
        always resumable, for one transaction less.
        """
        try:
            engine = self._load_new(task)
            engine.compile()
            engine.prepare()
        except Exception as exc:
            LOG.exception('Task %s: flow could not be built.', task.id)
            persistence.evict_logbook(self._backend, task.id)
            task = self.start(context, task)
            if task is not None:
                self._fail_if_allowed(
                    context, task, control or RunControl(),
                    exception.FlowBuildFailed(
                        type=task.type,
                        reason=outcome.describe(exc)).message)
            return
        started = self._start_with_checkpoint(context, task)
        if started is None:
            persistence.evict_logbook(self._backend, task.id)
            return
        self.run_engine(context, started, engine, control)

    def _start_with_checkpoint(self, context, task):
        if not self._backend.in_service_db:
            return self.start(context, task)
        conn = self._backend.get_connection()
        try:
            started = self.start(context, task, also=lambda context:
                                 conn.insert_in(context.session, task.id))
        except db_exc.DBDuplicateEntry:
            # A row left behind (a jobboard's poster, before a switch to
            # the local executor): start without it; the first atom's
            # start overwrites it.
            LOG.info('Task %s had a flow checkpoint already; it is '
                     'replaced.', task.id)
            return self.start(context, task)
        if started is not None:
            conn.inserted(task.id)
        return started

    def start(self, context, task, also=None):
        """Move a ``pending`` task to ``processing``; None if taken."""
        try:
            return self._lifecycle.start(context, task, also=also)
        except exception.TaskStatusConflict:
            LOG.info('Task %s was taken by another worker.', task.id)
            return None

    def resume(self, context, task, flow_detail=None, control=None):
        """Finish a ``processing`` task from its saved flow detail.

        ``flow_detail`` defaults to the one saved under the task's id (a
        task left ``processing`` by a process that died). Returns True
        when the task ended (or another process ended it), False when the
        run was suspended and the task stays ``processing`` for another
        engine to resume.
        """
        control = control or RunControl()
        if flow_detail is None:
            flow_detail = persistence.find_flow_detail(self._backend,
                                                       task.id)
        if flow_detail is None:
            return self._fail_if_allowed(context, task, control,
                                         STOPPED_MESSAGE %
                                         'its progress was never saved.')
        try:
            engine = self.load_saved(task, flow_detail)
        except Exception as exc:
            LOG.exception('Task %s: flow could not be reloaded.', task.id)
            ended = self._fail_if_allowed(context, task, control,
                                          STOPPED_MESSAGE %
                                          outcome.describe(exc))
            self._forget(task, ended)
            return ended
        LOG.debug('Running task %s from its saved flow.', task.id)
        return self.run_engine(context, task, engine, control)

    def load_saved(self, task, flow_detail):
        """An engine for ``task``, rebuilt from its saved flow detail."""
        return self._with_services(task, engines.load_from_detail(
            flow_detail, backend=self._backend, **self._engine_options()))

    def _with_services(self, task, engine):
        # In memory only (transient), and again at every load: a resumed
        # flow's atoms get them as a new one's do. Injected for good, they
        # would cost an atom detail of their own in every checkpoint.
        engine.storage.inject(
            {'task_id': task.id,
             type_base.SERVICES: self._services.for_task(task)},
            transient=True)
        return engine

    def _load_new(self, task):
        task_type = self._registry.get(task.type)
        # Not importutils.import_class: its error text holds a traceback,
        # and this error becomes the task's message.
        module_name, _sep, name = task_type.flow_factory.rpartition('.')
        factory = getattr(importutils.import_module(module_name), name)
        return self._with_services(task, engines.load_from_factory(
            factory, factory_args=[task.id, task.input or {}],
            book=persistence.new_logbook(task.id),
            backend=self._backend, **self._engine_options()))

    def run_engine(self, context, task, engine, control=None):
        """Run ``engine`` and record its outcome on ``task``.

        Returns True when the task ended here (or was ended by another
        process meanwhile), False when the run stopped early (suspended,
        or ``control`` forbade recording) and the task is left
        ``processing`` with its saved progress for another engine.
        """
        control = control or RunControl()
        # Until an outcome is written, the saved progress is kept: should
        # even the failure fail to be written (the database is down), the
        # task can still be resumed.
        ended = False
        try:
            ended = self._finish(context, task, engine, control)
        except exception.TaskStatusConflict:
            LOG.warning('Task %s changed status under the engine; its '
                        'outcome is not recorded twice.', task.id)
            ended = True
        except Exception as exc:
            LOG.exception('Task %s: unexpected error.', task.id)
            ended = self._fail_unexpected(context, task, exc, control)
        finally:
            self._forget(task, ended)
        return ended

    def _forget(self, task, ended):
        dropped = task.id in self._dropped
        self._dropped.discard(task.id)
        if not (ended and not dropped and self._drops_checkpoints()):
            persistence.evict_logbook(self._backend, task.id)
            return
        try:
            persistence.destroy_logbook(self._backend, task.id)
        except Exception:
            # The task has ended: a leftover checkpoint is only clutter,
            # never resumed, and must not turn the run into an error.
            LOG.warning('Task %s ended but its flow checkpoint could not '
                        'be removed.', task.id, exc_info=True)

    def _drops_checkpoints(self):
        return not self._conf.task_executor.keep_logbooks

    def _end(self, end, context, task, *args):
        """Record an outcome with ``end``; drop the checkpoint with it.

        When the checkpoints live in the service's database the row goes
        in the outcome's own transaction, saving one; else
        :meth:`_forget` deletes it once the outcome is committed.
        """
        if not (self._drops_checkpoints() and self._backend.in_service_db):
            end(context, task, *args)
            return
        try:
            end(context, task, *args, also=lambda context:
                persistence.drop_checkpoint_in(context, task.id))
        except db_exc.DBError:
            # The outcome must not be lost to its clean-up: record it
            # alone; the checkpoint is deleted after, by _forget.
            LOG.warning('Task %s: its outcome and the removal of its '
                        'checkpoint could not be committed together; '
                        'recording the outcome alone.', task.id,
                        exc_info=True)
            end(context, task, *args)
            return
        self._dropped.add(task.id)

    def _finish(self, context, task, engine, control):
        try:
            control.run(engine)
        except Exception as exc:
            if not control.may_record(task):
                return False
            self._end(self._lifecycle.fail, context, task,
                      self._failure_message(task, engine, exc))
            return True
        if engine.storage.get_flow_state() == states.SUSPENDED:
            LOG.info('Task %s was suspended; it stays processing for '
                     'another engine to resume.', task.id)
            return False
        if not control.may_record(task):
            return False
        try:
            result = engine.storage.fetch(type_base.RESULT)
        except tf_exc.NotFound:
            result = None
        # A result no JSON column can hold is a bug of the task type: say
        # so (an unexpected error), rather than fail on the database.
        jsonutils.dumps(result)
        self._end(self._lifecycle.succeed, context, task, result)
        return True

    @staticmethod
    def _failure_message(task, engine, exc):
        state = engine.storage.get_flow_state()
        if state == states.REVERTED:
            LOG.info('Task %s failed and was reverted: %s', task.id,
                     outcome.describe(exc))
            return outcome.describe(exc)
        # FAILURE also ends an engine that broke (its storage, say) with
        # nothing reverted: only a failed revert makes it one.
        if state == states.FAILURE and engine.storage.get_revert_failures():
            LOG.error('Task %s failed and its revert failed too.', task.id,
                      exc_info=exc)
            return outcome.describe_failed_revert(engine, exc)
        LOG.error('Task %s: engine stopped in state %s.', task.id, state,
                  exc_info=exc)
        return outcome.describe_unexpected(exc)

    def _fail_unexpected(self, context, task, exc, control):
        try:
            return self._fail_if_allowed(context, task, control,
                                         outcome.describe_unexpected(exc))
        except exception.GlanceTasksException:
            LOG.exception('Task %s could not be marked failed.', task.id)
            return True

    def _fail_if_allowed(self, context, task, control, message):
        """Fail ``task`` unless ``control`` forbids it; True if ended."""
        if not control.may_record(task):
            return False
        self._lifecycle.fail(context, task, message)
        return True
