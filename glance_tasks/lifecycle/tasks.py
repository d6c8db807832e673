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

"""Status changes of tasks, each committed with its notification.

This is the only place a task's status changes. Each change is
a compare-and-swap and writes its notification to the outbox in the same
transaction; the relay is woken after the commit.
"""

from oslo_db import exception as db_exc

from glance_tasks.common import grouping
from glance_tasks.db import api as db_api
from glance_tasks.db import requesters as requester_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import task as task_domain
from glance_tasks.notifications import events
from glance_tasks.notifications import payloads

# Long enough for any useful explanation, short enough for a list view.
MAX_MESSAGE_LENGTH = 2048


def _clip(message):
    if message is None or len(message) <= MAX_MESSAGE_LENGTH:
        return message
    return message[:MAX_MESSAGE_LENGTH - 3] + '...'


def _in_transaction(context):
    try:
        return context.transaction_ctx is not None
    except db_exc.NoEngineContextEstablished:
        return False


class TaskLifecycle:
    """Moves tasks through their statuses and announces each move."""

    def __init__(self, conf, on_commit=None):
        self._conf = conf
        self._on_commit = on_commit or (lambda: None)
        self._group = grouping.GroupCommit(self._commit_creates)

    def create(self, context, values, also=None, share=False):
        """Insert a pending task and queue ``task.create``; return it.

        ``also(context, task)`` runs in the same transaction, after the
        insert: what it changes commits with the task, and what it raises
        undoes it (the import call takes its image's lock there; a
        jobboard's executor saves the task's flow). With ``share``,
        creates that arrive while another one commits share the next
        transaction (see :class:`~glance_tasks.common.grouping.GroupCommit`),
        on the context of the first: only for an ``also`` that uses
        nothing of the context but its session (an image move announces
        the context's ids). Should one raise, each is tried again alone,
        so that it undoes only itself; each returns once its own task
        committed.
        """
        if not share or _in_transaction(context):
            with db_api.context_manager.writer.using(context):
                task = self._insert(context, values, also)
            self._on_commit()
            return task
        return self._group.submit(context, (values, also))

    def _insert(self, context, values, also):
        task = task_db.create(context, values)
        self._announce(context, events.TASK_CREATE, task)
        if also is not None:
            also(context, task)
        return task

    def _commit_creates(self, context, items):
        """Insert ``[(values, also)]`` in one transaction; the tasks.

        The tasks, their inputs and their ``task.create`` rows go in
        three statements for the lot, then each ``also`` runs.
        """
        with db_api.context_manager.writer.using(context):
            tasks = task_db.create_many(
                context, [values for values, _also in items])
            events.enqueue_many(self._conf, context, events.TASK_CREATE,
                                [self._announcement(task) for task in tasks])
            for (_values, also), task in zip(items, tasks):
                if also is not None:
                    also(context, task)
        self._on_commit()
        return tasks

    def move(self, context, task, to_status, *, result=None, message=None,
             also=None):
        """Compare-and-swap ``task`` to ``to_status``; announce it.

        ``task`` is the task as last read or returned by this class.
        ``also(context)`` runs in the same transaction (the runner drops
        the flow's checkpoint with a task's outcome). A move that ends the
        task deletes its requester (user, roles, token) with it.
        """
        with db_api.context_manager.writer.using(context):
            moved = task_db.advance(
                context, task, to_status,
                ttl_hours=self._conf.task.task_time_to_live,
                result=result, message=_clip(message))
            if to_status in task_domain.TABLE.terminal:
                requester_db.forget_at_end(context, task)
            self._announce(context, events.TASK_STATUS_EVENTS[to_status],
                           moved)
            if also is not None:
                also(context)
        self._on_commit()
        return moved

    def start(self, context, task, also=None):
        return self.move(context, task, task_domain.PROCESSING, also=also)

    def succeed(self, context, task, result, also=None):
        return self.move(context, task, task_domain.SUCCESS, result=result,
                         also=also)

    def fail(self, context, task, message, also=None):
        """Fail a pending or processing task with ``message``."""
        return self.move(context, task, task_domain.FAILURE, message=message,
                         also=also)

    def report_progress(self, context, task_id, message):
        """Say how far a ``processing`` task got, in its message.

        Not a status move: nothing is announced. Returns False when the
        task is no longer ``processing`` (ended, or deleted), which tells
        the atom reporting to stop.
        """
        with db_api.context_manager.writer.using(context):
            return task_db.set_progress(context, task_id, _clip(message))

    def delete(self, context, task_id):
        """Soft-delete a task and queue ``task.delete``."""
        with db_api.context_manager.writer.using(context):
            task_db.delete(context, task_id)
            requester_db.forget(context, [task_id])
            task = task_db.get(context, task_id, include_expired=True,
                               include_deleted=True)
            self._announce(context, events.TASK_DELETE, task)
        self._on_commit()
        return task

    def _announce(self, context, event_type, task):
        payload, notify_context = self._announcement(task)
        events.enqueue(self._conf, context, event_type, payload,
                       notify_context=notify_context)

    @staticmethod
    def _announcement(task):
        # The task's request, not the worker's context: every event of a
        # task carries the ids of the request that created it.
        return payloads.task_payload(task), {'request_id': task.request_id,
                                             'user_id': task.user_id,
                                             'project_id': task.owner}
