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

"""Who started a live task: ``task_requesters``.

The engine running an ``api_image_import`` task may be another process
than the API that created it, or one taking it over after a crash: what
it needs of the user is here, not in memory. Written in the transaction
creating the task (:func:`record`), deleted in the one ending it
(:func:`forget`, called by :mod:`glance_tasks.lifecycle.tasks`). The
token is kept only for glance-download, which calls the remote region
with it; nothing here is ever shown, logged or announced.
"""

from oslo_serialization import jsonutils
import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.db.sqlalchemy import models

TABLE = models.TaskRequester.__table__
# The task types whose tasks have a requester: only the import call
# records one. A task of another type ends without a statement here (the
# lifecycle's final move stays as short as before this table).
RECORDED_TYPES = frozenset({'api_image_import'})
# Built once (see glance_tasks.db.prebuilt).
_READ = sa.select(TABLE.c.user_id, TABLE.c.roles, TABLE.c.auth_token).where(
    TABLE.c.task_id == sa.bindparam('task_id'))
_FORGET = TABLE.delete().where(TABLE.c.task_id == sa.bindparam('task_id'))


class Requester:
    """The user of a task: ``user_id``, ``roles``, ``auth_token``."""

    __slots__ = ('user_id', 'roles', 'auth_token')

    def __init__(self, user_id, roles, auth_token=None):
        self.user_id = user_id
        self.roles = list(roles)
        self.auth_token = auth_token

    def __repr__(self):
        # Never the token, whatever prints this.
        return '<Requester user %s>' % self.user_id


@db_api.context_manager.writer
def record(context, task_id, user_id, roles, auth_token=None):
    """Record the requester of ``task_id`` (in the caller's transaction)."""
    context.session.execute(TABLE.insert().values(
        task_id=task_id, user_id=user_id,
        roles=jsonutils.dumps(list(roles or ())), auth_token=auth_token,
        created_at=db_api.utcnow()))


@db_api.context_manager.reader
def get(context, task_id):
    """The :class:`Requester` of ``task_id``, or None (none, or ended)."""
    row = context.session.execute(_READ, {'task_id': task_id}).first()
    if row is None:
        return None
    return Requester(row.user_id, jsonutils.loads(row.roles),
                     row.auth_token)


@db_api.context_manager.writer
def forget(context, task_ids):
    """Delete the rows of ``task_ids``; the number deleted.

    Callers ending one task use :func:`forget_at_end`.
    """
    return sum(context.session.execute(_FORGET, {'task_id': task_id}).rowcount
               for task_id in task_ids)


def forget_at_end(context, task):
    """Delete the requester of ``task`` as it ends, if its type has one."""
    if task.type in RECORDED_TYPES:
        forget(context, [task.id])
