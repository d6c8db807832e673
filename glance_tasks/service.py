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

"""The task service: create, read and run tasks on one process.

It wires the pieces together: the enabled task types, the lifecycle that
commits each status change with its notification, the outbox relay, and
the executor that runs flows. The API and the command-line tools use it.
"""

from oslo_log import log as logging
from oslo_utils import uuidutils

from glance_tasks.common import periodic
from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import outbox as outbox_db
from glance_tasks.db import tasks as task_db
from glance_tasks.engine import core
from glance_tasks.engine import jobboard
from glance_tasks.engine import local
from glance_tasks.engine import ownership
from glance_tasks.images import recovery
from glance_tasks.images import scrubber

LOG = logging.getLogger(__name__)

# Seconds after start before the first periodic purge.
FIRST_PURGE_DELAY = 30


def make_executor(conf, registry, lifecycle, backend, services=None):
    """The executor of ``[task_executor] backend``.

    ``local`` runs flows in this process; ``jobboard`` posts them as
    TaskFlow jobs for glance-tasks-engine processes to run.
    """
    if conf.task_executor.backend == 'jobboard':
        return jobboard.JobboardExecutor(conf, registry, backend)
    return local.LocalExecutor(conf, registry, lifecycle, backend,
                               services=services)


def _in_turn(first, second):
    """``first(context, task)`` then ``second``'s; either may be None."""
    if first is None or second is None:
        return first or second

    def both(context, task):
        first(context, task)
        second(context, task)
    return both


class TaskService:
    """One process's view of tasks: create, get, list, run."""

    def __init__(self, conf, registry=None, sender=None):
        self.conf = conf
        parts = core.build(conf, registry, sender)
        self.registry = parts.registry
        self.relay = parts.relay
        self.lifecycle = parts.lifecycle
        self.backend = parts.backend
        self.services = parts.services
        self.executor = make_executor(conf, self.registry, self.lifecycle,
                                      self.backend, self.services)
        # A first purge soon after start releases what a crash left.
        purge_interval = conf.task.purge_interval
        self._purger = periodic.Loop(
            'purger', self._purge_pass, purge_interval,
            what='Periodic purge',
            first_delay=min(FIRST_PURGE_DELAY, purge_interval))
        # Glance's scrubber daemon, inside the service: every wakeup_time
        # seconds, images pending_delete past scrub_time lose their data.
        self._scrubber = periodic.Loop(
            'scrubber', self._scrub_pass, conf.wakeup_time,
            what='Scrubbing images')
        self._own_upload_lease = None
        self.upload_lease = self._make_upload_lease()
        # Uploads whose process died are requeued as its tasks are
        # taken over: within a lease plus a sweep.
        self._upload_sweeper = periodic.Loop(
            'upload-sweep',
            lambda: recovery.release_abandoned_uploads(self.services),
            conf.task_executor.sweep_interval,
            what='Releasing abandoned uploads', first_delay=0,
            on_failure=ownership.log_failure)

    def _make_upload_lease(self):
        """The lease uploads of this process name: the executor's own.

        A jobboard deployment runs no local executor; its API process
        then holds a lease of its own for its uploads.
        """
        lease = getattr(self.executor, 'lease', None)
        if lease is not None:
            return lease
        lease = ownership.ExecutorLease(
            gt_context.get_admin_context(),
            self.conf.task_executor.lease_duration)
        self._own_upload_lease = periodic.Loop(
            'upload-lease', lease.keep, lease.renew_interval,
            what='Renewing the upload lease', first_delay=0,
            on_failure=ownership.log_failure)
        return lease

    def start(self):
        """Start relaying notifications and running leftover tasks."""
        self.relay.start()
        self.executor.start()
        if self._own_upload_lease is not None:
            self._own_upload_lease.start()
        self._upload_sweeper.start()
        if self.conf.task.purge_interval:
            self._purger.start()
        if self.conf.delayed_delete and self.conf.wakeup_time:
            self._scrubber.start()

    def stop(self):
        """Finish running flows, flush notifications, stop threads."""
        # Not joined: a pass under way ends with the process.
        self._purger.stop(timeout=0)
        self._scrubber.stop(timeout=0)
        self._upload_sweeper.stop()
        self.executor.stop(wait=True)
        if self._own_upload_lease is not None:
            self._own_upload_lease.stop()
            self.upload_lease.release()
        self.relay.stop()
        self.backend.close()

    def create_task(self, context, task_type, task_input, owner=None,
                    image_id=None, also=None):
        """Validate, persist as ``pending``, then hand to the executor.

        ``image_id``: the image the task works on, recorded with it.
        ``also(context, task)`` runs in the transaction creating the task
        (see :meth:`~glance_tasks.lifecycle.tasks.TaskLifecycle.create`);
        the executor is told only once it committed.
        """
        self.registry.validate_input(task_type, task_input)
        values = {
            'id': uuidutils.generate_uuid(),
            'type': task_type,
            'input': task_input,
            'owner': owner if owner is not None else context.project_id,
            'user_id': context.user_id,
            'request_id': context.request_id,
            # The local executor that runs it (None: a jobboard's engine).
            'executor': self.executor.owner,
        }
        if image_id is not None:
            values['image_id'] = image_id
        # What the executor saves with the task (a jobboard: its flow).
        stage = getattr(self.executor, 'stage', None)
        # The caller's ``also`` may use its own context: then the task
        # is not committed with others, on another request's context.
        task = self.lifecycle.create(
            context, values,
            also=_in_turn(also, stage(values) if stage else None),
            share=also is None)
        self.executor.submit(task)
        return task

    def get_task(self, context, task_id, owner=None):
        return task_db.get(context, task_id, owner=owner)

    def list_tasks(self, context, **kwargs):
        return task_db.list_tasks(context, **kwargs)

    def purge(self, now=None):
        """Remove expired tasks and old delivered notifications."""
        context = gt_context.get_admin_context()
        now = now or db_api.utcnow()
        tasks = task_db.purge(context, now=now)
        sent = outbox_db.purge_sent(context,
                                    now - outbox_db.SENT_RETENTION)
        # Images whose task was failed without its reverts (its progress
        # was lost in a crash) are killed or requeued here.
        self.registry.release_stranded(self.services)
        return tasks, sent

    def _purge_pass(self):
        tasks, sent = self.purge()
        LOG.info('Purged %(tasks)d expired task(s) and %(sent)d '
                 'delivered notification(s).', {'tasks': tasks, 'sent': sent})

    def _scrub_pass(self):
        scrubbed = scrubber.scrub(self.services.images,
                                  self.services.image_store)
        if scrubbed:
            LOG.info('Scrubbed %d image(s) pending delete.', scrubbed)
