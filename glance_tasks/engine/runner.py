"""Run one task's flow and map its outcome onto the task statuses.

The runner, not the task type, owns the lifecycle: ``pending →
processing`` right before the flow runs, ``success`` with the flow's
result, ``failure`` with a message when the flow reverts or fails, cannot
be built, or something unexpected happens.
"""

from oslo_log import log as logging
from oslo_utils import importutils
from taskflow import engines
from taskflow import exceptions as tf_exc
from taskflow import states

from glance_tasks.engine import outcome
from glance_tasks.engine import persistence
from glance_tasks import exception
from glance_tasks import task_types

LOG = logging.getLogger(__name__)

STOPPED_MESSAGE = ('The engine running this task stopped before it '
                   'finished, and the task could not be resumed: %s')


class FlowRunner:
    """Runs flows with TaskFlow engines on shared persistence."""

    def __init__(self, conf, registry, lifecycle, backend, executor=None):
        self._conf = conf
        self._registry = registry
        self._lifecycle = lifecycle
        self._backend = backend
        self._executor = executor

    def _engine_options(self):
        mode = self._conf.task_executor.engine_mode
        options = {'engine': mode}
        if mode == 'parallel' and self._executor is not None:
            # A per-flow pool costs ~1 s to shut down; share one.
            options['executor'] = self._executor
        return options

    def run(self, context, task):
        """Run a ``pending`` task to success or failure."""
        try:
            task = self._lifecycle.start(context, task)
        except exception.TaskStatusConflict:
            LOG.info('Task %s was taken by another worker.', task.id)
            return
        try:
            engine = self._load_new(task)
        except Exception as exc:
            LOG.exception('Task %s: flow could not be built.', task.id)
            self._lifecycle.fail(context, task, exception.FlowBuildFailed(
                type=task.type, reason=outcome.describe(exc)).message)
            return
        self._run_engine(context, task, engine)

    def resume(self, context, task):
        """Finish a task left ``processing`` by a process that died."""
        flow_detail = persistence.find_flow_detail(self._backend, task.id)
        if flow_detail is None:
            self._lifecycle.fail(context, task, STOPPED_MESSAGE %
                                 'its progress was never saved.')
            return
        try:
            engine = engines.load_from_detail(
                flow_detail, store=self._store(task), backend=self._backend,
                **self._engine_options())
        except Exception as exc:
            LOG.exception('Task %s: flow could not be reloaded.', task.id)
            self._lifecycle.fail(context, task, STOPPED_MESSAGE %
                                 outcome.describe(exc))
            return
        LOG.info('Resuming task %s from its saved progress.', task.id)
        self._run_engine(context, task, engine)

    @staticmethod
    def _store(task):
        return {'task_id': task.id}

    def _load_new(self, task):
        task_type = self._registry.get(task.type)
        # Not importutils.import_class: its error text holds a traceback,
        # and this error becomes the task's message.
        module_name, _sep, name = task_type.flow_factory.rpartition('.')
        factory = getattr(importutils.import_module(module_name), name)
        return engines.load_from_factory(
            factory, factory_args=[task.id, task.input or {}],
            store=self._store(task), book=persistence.new_logbook(task.id),
            backend=self._backend, **self._engine_options())

    def _run_engine(self, context, task, engine):
        try:
            self._finish(context, task, engine)
        except exception.TaskStatusConflict:
            LOG.warning('Task %s changed status under the engine; its '
                        'outcome is not recorded twice.', task.id)
        except Exception as exc:
            LOG.exception('Task %s: unexpected error.', task.id)
            self._fail_unexpected(context, task, exc)
        finally:
            if not self._conf.task_executor.keep_logbooks:
                persistence.destroy_logbook(self._backend, task.id)

    def _finish(self, context, task, engine):
        try:
            engine.run()
        except Exception as exc:
            self._lifecycle.fail(context, task,
                                 self._failure_message(task, engine, exc))
            return
        try:
            result = engine.storage.fetch(task_types.RESULT)
        except tf_exc.NotFound:
            result = None
        self._lifecycle.succeed(context, task, result)

    @staticmethod
    def _failure_message(task, engine, exc):
        state = engine.storage.get_flow_state()
        if state == states.REVERTED:
            LOG.info('Task %s failed and was reverted: %s', task.id,
                     outcome.describe(exc))
            return outcome.describe(exc)
        if state == states.FAILURE:
            LOG.error('Task %s failed and its revert failed too.', task.id,
                      exc_info=exc)
            return outcome.describe_failed_revert(engine, exc)
        LOG.error('Task %s: engine stopped in state %s.', task.id, state,
                  exc_info=exc)
        return outcome.describe_unexpected(exc)

    def _fail_unexpected(self, context, task, exc):
        try:
            self._lifecycle.fail(context, task,
                                 outcome.describe_unexpected(exc))
        except exception.GlanceTasksException:
            LOG.exception('Task %s could not be marked failed.', task.id)
