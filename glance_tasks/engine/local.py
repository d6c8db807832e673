"""The local executor: flows run in a bounded thread pool in this process.

It is the embedded default. On start it runs the tasks left ``pending``
and resumes (or fails, with a message) the tasks left ``processing`` by a
process that died, so no task stays in ``processing`` after a crash. It
assumes it is the only local executor on its database.
"""

from concurrent import futures

import futurist
from oslo_log import log as logging

from glance_tasks import context as gt_context
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import task as task_domain
from glance_tasks.engine import runner as runner_mod

LOG = logging.getLogger(__name__)


class LocalExecutor:
    """Runs each submitted task on one of ``max_workers`` threads."""

    def __init__(self, conf, registry, lifecycle, backend, services=None):
        workers = conf.task_executor.max_workers
        self._pool = futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix='task-worker')
        # Atoms of parallel flows run here, shared by every flow.
        self._atom_pool = futurist.ThreadPoolExecutor(max_workers=workers)
        self._runner = runner_mod.FlowRunner(
            conf, registry, lifecycle, backend, executor=self._atom_pool,
            services=services)
        self._context = gt_context.get_admin_context()

    def submit(self, task):
        """Queue a pending task; it starts when a worker is free."""
        return self._pool.submit(self._guard, self._runner.run, task)

    def recover(self):
        """Run what a previous process left pending or processing."""
        for task in self._tasks_in(task_domain.PROCESSING):
            LOG.warning('Task %s was left processing; resuming it.',
                        task.id)
            self._pool.submit(self._guard, self._runner.resume, task)
        for task in self._tasks_in(task_domain.PENDING):
            self.submit(task)

    def _tasks_in(self, status):
        # with_info: the runner needs the input.
        return task_db.list_tasks(self._context, filters={'status': status},
                                  sort_key='created_at', sort_dir='asc',
                                  with_info=True)

    def _guard(self, run, task):
        try:
            run(self._context, task)
        except Exception:
            LOG.exception('Task %s: worker crashed.', task.id)

    def stop(self, wait=True):
        self._pool.shutdown(wait=wait)
        self._atom_pool.shutdown(wait=wait)
