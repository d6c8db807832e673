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

from glance_tasks.db import api as db_api
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


class TaskLifecycle:
    """Moves tasks through their statuses and announces each move."""

    def __init__(self, conf, on_commit=None):
        self._conf = conf
        self._on_commit = on_commit or (lambda: None)

    def create(self, context, values, also=None):
        """Insert a pending task and queue ``task.create``; return it.

        ``also(context)`` runs in the same transaction (a jobboard's
        executor saves the task's flow with it).
        """
        with db_api.context_manager.writer.using(context):
            task = task_db.create(context, values)
            self._announce(context, events.TASK_CREATE, task)
            if also is not None:
                also(context)
        self._on_commit()
        return task

    def move(self, context, task, to_status, *, result=None, message=None,
             also=None):
        """Compare-and-swap ``task`` to ``to_status``; announce it.

        ``task`` is the task as last read or returned by this class.
        ``also(context)`` runs in the same transaction (the runner drops
        the flow's checkpoint with a task's outcome).
        """
        with db_api.context_manager.writer.using(context):
            moved = task_db.advance(
                context, task, to_status,
                ttl_hours=self._conf.task.task_time_to_live,
                result=result, message=_clip(message))
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

    def delete(self, context, task_id):
        """Soft-delete a task and queue ``task.delete``."""
        with db_api.context_manager.writer.using(context):
            task_db.delete(context, task_id)
            task = task_db.get(context, task_id, include_expired=True,
                               include_deleted=True)
            self._announce(context, events.TASK_DELETE, task)
        self._on_commit()
        return task

    def _announce(self, context, event_type, task):
        # The task's request, not the worker's context: every event of a
        # task carries the ids of the request that created it.
        events.enqueue(self._conf, context, event_type,
                       payloads.task_payload(task),
                       notify_context={'request_id': task.request_id,
                                       'user_id': task.user_id,
                                       'project_id': task.owner})
