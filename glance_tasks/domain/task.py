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

"""The task and its four statuses, as Glance defines them."""

import dataclasses
import datetime

from glance_tasks.domain import statemachine
from glance_tasks import exception

PENDING = 'pending'
PROCESSING = 'processing'
SUCCESS = 'success'
FAILURE = 'failure'

STATUS_DESCRIPTIONS = {
    PENDING: 'The task identifier has been reserved for a task. No '
             'processing has begun on it yet.',
    PROCESSING: 'The task has been picked up by the underlying executor '
                'and is being run using the execution logic for that task '
                'type.',
    SUCCESS: 'The task has had a successful run. The result field of the '
             'task shows more details about the outcome.',
    FAILURE: 'An error occurred during the execution of the task and it '
             'cannot continue processing. The message field of the task '
             'shows what the error was.',
}

TABLE = statemachine.StatusTable(
    kind='task',
    initial=PENDING,
    transitions={
        PENDING: {PROCESSING, FAILURE},
        PROCESSING: {SUCCESS, FAILURE},
        SUCCESS: set(),
        FAILURE: set(),
    },
    refused_exc=exception.InvalidTaskStatusTransition)


@dataclasses.dataclass(frozen=True)
class Task:
    """A task as the domain sees it; frozen so a refused move cannot leak."""

    id: str
    type: str
    status: str
    owner: str | None = None
    input: dict | None = None
    result: dict | None = None
    message: str | None = None
    image_id: str | None = None
    user_id: str | None = None
    request_id: str | None = None
    expires_at: datetime.datetime | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    deleted: bool = False
    deleted_at: datetime.datetime | None = None
    # The local executor process that owns the task while it runs.
    executor: str | None = None


def status_changes(from_status, to_status, *, ttl_hours, now,
                   result=None, message=None):
    """Return the column values a move from ``from_status`` sets.

    This is the one function through which every task status change goes:
    it checks the table first, so a refused move changes nothing, then
    computes ``expires_at`` for the terminal statuses.
    """
    TABLE.check(from_status, to_status)
    changes = {'status': to_status}
    if to_status == SUCCESS:
        changes['result'] = result
    if to_status == FAILURE:
        changes['message'] = message
    if to_status in TABLE.terminal:
        changes['expires_at'] = now + datetime.timedelta(hours=ttl_hours)
    return changes


def transition(task, to_status, *, ttl_hours, now, result=None,
               message=None):
    """Return a copy of ``task`` moved to ``to_status``.

    Raises :class:`InvalidTaskStatusTransition` and leaves ``task`` as it
    was when the table refuses the move.
    """
    changes = status_changes(task.status, to_status, ttl_hours=ttl_hours,
                             now=now, result=result, message=message)
    return dataclasses.replace(task, updated_at=now, **changes)
