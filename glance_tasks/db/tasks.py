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

"""Database functions for tasks.

Every status change is a compare-and-swap (``UPDATE ... WHERE id = :id AND
status = :from``) so two engines can never both move a task.
"""

import dataclasses

from oslo_db import exception as db_exc
import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.db import paging
from glance_tasks.db import prebuilt
from glance_tasks.db.sqlalchemy import models
from glance_tasks.domain import task as task_domain
from glance_tasks import exception

SORT_KEYS = ('created_at', 'updated_at', 'id', 'type', 'status',
             'expires_at')
FILTERS = ('type', 'status', 'owner', 'image_id')

TASKS = models.Task.__table__
TASK_INFO = models.TaskInfo.__table__
# A task with its input, result and message, by id; built once.
_GET_TASK = sa.select(
    TASKS, TASK_INFO.c.input, TASK_INFO.c.result, TASK_INFO.c.message,
).outerjoin(TASK_INFO, TASK_INFO.c.task_id == TASKS.c.id).where(
    TASKS.c.id == sa.bindparam('task_id'))
_GET_IMAGE_ID = sa.select(TASKS.c.image_id).where(
    TASKS.c.id == sa.bindparam('task_id'))


# "Whoever owns it": status moves that do not check the executor.
_ANY = object()
LIVE = (task_domain.PENDING, task_domain.PROCESSING)
LEASES = models.Lease.__table__


def _to_domain(row, info=None):
    if row.status not in task_domain.TABLE.transitions:
        raise exception.CorruptStatus(kind='task', id=row.id,
                                      status=row.status)
    details = {}
    if info is not None:
        details = {'input': info.input, 'result': info.result,
                   'message': info.message}
    return task_domain.Task(
        id=row.id, type=row.type, status=row.status, owner=row.owner,
        image_id=row.image_id, user_id=row.user_id,
        request_id=row.request_id, expires_at=row.expires_at,
        created_at=row.created_at, updated_at=row.updated_at,
        deleted=row.deleted, deleted_at=row.deleted_at,
        executor=row.executor, **details)


def _visible(query, now):
    """Hide deleted and expired tasks, as Glance's API does."""
    return query.filter(
        models.Task.deleted.is_(False),
        sa.or_(models.Task.expires_at.is_(None),
               models.Task.expires_at > now))


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def create(context, values):
    """Insert a ``pending`` task with its input; return it."""
    [task] = _insert_pending(context, [values])
    return task


def _pending_row(values):
    """The ``tasks`` row of a new task, and its input."""
    values = dict(values, status=task_domain.PENDING)
    task_input = values.pop('input', None)
    # Glance's task schema has no null updated_at: a new task's equals
    # its created_at.
    values.setdefault('created_at', db_api.utcnow())
    values.setdefault('updated_at', values['created_at'])
    return prebuilt.with_defaults(TASKS, values), task_input


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def create_many(context, values_list):
    """Insert ``pending`` tasks with their inputs; return them in order.

    Two statements for the lot (each an ``executemany``), not two per
    task: the API's concurrent creates share one transaction (see
    :class:`glance_tasks.lifecycle.tasks.GroupCommit`).
    """
    return _insert_pending(context, values_list)


def _insert_pending(context, values_list):
    rows, inputs = zip(*[_pending_row(values) for values in values_list])
    try:
        prebuilt.insert_many(context.session, TASKS, rows)
    except db_exc.DBDuplicateEntry as exc:
        raise exception.Duplicate(
            kind='task', id=', '.join(row['id'] for row in rows)) from exc
    prebuilt.insert_many(context.session, TASK_INFO, [
        prebuilt.with_defaults(TASK_INFO, {'task_id': row['id'],
                                           'input': task_input})
        for row, task_input in zip(rows, inputs)])
    return [task_domain.Task(input=task_input, **row)
            for row, task_input in zip(rows, inputs)]


def _read(context, task_id, owner=None, include_expired=True,
          include_deleted=False):
    """The task's row with its info, if the lookup may see it."""
    row = context.session.execute(_GET_TASK, {'task_id': task_id}).first()
    if row is None or not _shown(row, owner, include_expired,
                                 include_deleted):
        raise exception.TaskNotFound(task_id=task_id)
    return row


@db_api.context_manager.reader
def get(context, task_id, owner=None, include_expired=False,
        include_deleted=False):
    """Return one task with its input, result and message.

    ``owner`` scopes the lookup: another project's task is not found.
    """
    row = _read(context, task_id, owner, include_expired, include_deleted)
    return _to_domain(row, row)


def _shown(row, owner, include_expired, include_deleted):
    """Whether a lookup with these arguments may see the task in ``row``.

    Its owner only, when scoped; deleted and expired tasks only when
    asked for (a deleted one only with the expired ones too).
    :func:`_visible` is the same rule for lists, in SQL.
    """
    if owner is not None and row.owner != owner:
        return False
    if row.deleted and not (include_deleted and include_expired):
        return False
    return include_expired or row.expires_at is None or \
        row.expires_at > db_api.utcnow()


@db_api.context_manager.reader
def list_tasks(context, filters=None, sort_key='created_at',
               sort_dir='desc', limit=None, marker=None, with_info=False):
    """List visible tasks.

    Like Glance's lists, without input, result and message, unless
    ``with_info``: then they are read too, in one more query for the whole
    page rather than one per task.
    """
    visible = _visible(context.session.query(models.Task), db_api.utcnow())
    rows = paging.list_page(
        visible, models.Task,
        filters=filters, valid_filters=FILTERS,
        status_table=task_domain.TABLE, sort_key=sort_key, sort_dir=sort_dir,
        valid_sort_keys=SORT_KEYS, limit=limit, marker=marker)
    if not with_info:
        return [_to_domain(row) for row in rows]
    infos = {info.task_id: info for info in context.session.query(
        models.TaskInfo).filter(
            models.TaskInfo.task_id.in_([row.id for row in rows]))}
    return [_to_domain(row, infos.get(row.id)) for row in rows]


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def update_status(context, task_id, from_status, to_status, *, ttl_hours,
                  result=None, message=None):
    """Move a task ``from_status`` → ``to_status`` by compare-and-swap.

    The table is checked first (a refused move writes nothing); zero rows
    changed means someone else moved the task: :class:`TaskStatusConflict`.
    """
    now = db_api.utcnow()
    changes = task_domain.status_changes(
        from_status, to_status, ttl_hours=ttl_hours, now=now,
        result=result, message=message)
    _swap(context, task_id, from_status, changes, now)
    return get(context, task_id, include_expired=True)


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def advance(context, task, to_status, *, ttl_hours, result=None,
            message=None):
    """Move ``task``, as the caller last read it, by compare-and-swap.

    Returns the moved task without reading it back: the swap succeeds only
    if the row still had ``task.status`` and ``task.executor`` (a task
    taken over by another process is not moved by its old owner), and of
    the other columns only ``image_id`` changes while a task runs (an
    import sets it), so that one is read for the final moves, whose
    notifications carry it.
    """
    now = db_api.utcnow()
    changes = task_domain.status_changes(
        task.status, to_status, ttl_hours=ttl_hours, now=now,
        result=result, message=message)
    final = to_status in task_domain.TABLE.terminal
    returning = final and context.session.bind.dialect.update_returning
    image_id = _swap(context, task.id, task.status, dict(changes), now,
                     owned_by=task.executor, read_image=returning)
    if final:
        changes['image_id'] = image_id if returning else \
            context.session.execute(
                _GET_IMAGE_ID, {'task_id': task.id}).scalar()
    return dataclasses.replace(task, updated_at=now, **changes)


def _swap(context, task_id, from_status, changes, now, owned_by=_ANY,
          read_image=False):
    """The compare-and-swap itself; ``changes`` from the domain.

    ``owned_by``: the executor that must still own the task (None: no
    executor), so that a process whose task was taken over cannot write
    its status any more, however late it wakes up. ``read_image``: return
    the task's ``image_id``, read by the UPDATE itself (``RETURNING``).
    """
    info_changes = {key: changes.pop(key) for key in ('result', 'message')
                    if key in changes}
    where = {'id': task_id, 'status': from_status}
    if owned_by is not _ANY:
        where['executor'] = owned_by
    image_id = None
    values = dict(changes, updated_at=now)
    if read_image:
        rows = prebuilt.update_returning(context.session, TASKS, where,
                                         values, ('image_id',), live=True)
        updated = len(rows)
        image_id = rows[0].image_id if rows else None
    else:
        updated = prebuilt.update(context.session, TASKS, where, values,
                                  live=True)
    if updated != 1:
        _read(context, task_id)  # NotFound beats Conflict
        raise exception.TaskStatusConflict(task_id=task_id,
                                           from_status=from_status)
    if info_changes:
        prebuilt.update(context.session, TASK_INFO, {'task_id': task_id},
                        info_changes)
    return image_id


@db_api.context_manager.writer
def image_tasks_ended(context, image_id):
    """True if ``image_id`` has visible tasks and every one has ended.

    Meant to run in the caller's transaction, after it locked the image
    (by moving it): the tasks are read ``FOR UPDATE``, so none of them
    changes status before that transaction ends, and the answer holds
    for what the caller commits with it.
    """
    query = _visible(context.session.query(models.Task.status),
                     db_api.utcnow()).filter(
        models.Task.image_id == image_id).with_for_update()
    statuses = [row.status for row in query]
    return bool(statuses) and all(status in task_domain.TABLE.terminal
                                  for status in statuses)


@db_api.context_manager.writer
def ended(context, task_id):
    """True if ``task_id`` has ended or does not exist (any more).

    Meant for the caller's transaction: the row is read ``FOR UPDATE``,
    so the answer holds for what that transaction commits.
    """
    row = context.session.query(models.Task.status).filter(
        models.Task.id == task_id).with_for_update().first()
    return row is None or row.status in task_domain.TABLE.terminal


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def set_image(context, task_id, image_id):
    """Record the image a task works on (import sets it at once)."""
    if not prebuilt.update(context.session, TASKS, {'id': task_id},
                           {'image_id': image_id,
                            'updated_at': db_api.utcnow()}, live=True):
        raise exception.TaskNotFound(task_id=task_id)


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def set_progress(context, task_id, message):
    """Set the message of a ``processing`` task; False if it is not one.

    The status is not changed, and nothing is announced: the message of
    a running task says how far it got (Glance's "Copied N MiB").
    """
    row = context.session.execute(
        sa.select(TASKS.c.status).where(TASKS.c.id == task_id,
                                        TASKS.c.deleted.is_(False))
    ).first()
    if row is None or row.status != task_domain.PROCESSING:
        return False
    prebuilt.update(context.session, TASK_INFO, {'task_id': task_id},
                    {'message': message})
    return True


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def delete(context, task_id):
    """Soft-delete a task; it disappears from get and list."""
    if not prebuilt.update(context.session, TASKS, {'id': task_id},
                           {'deleted': True, 'deleted_at': db_api.utcnow()},
                           live=True):
        raise exception.TaskNotFound(task_id=task_id)


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def purge(context, now=None, deleted_before=None):
    """Remove expired tasks and tasks soft-deleted before a date.

    Returns the number of tasks removed. ``task_info`` and
    ``task_requesters`` rows go with them (SQLite does not enforce the
    cascade).
    """
    now = now or db_api.utcnow()
    doomed = models.Task.expires_at <= now
    if deleted_before is not None:
        doomed = sa.or_(doomed, sa.and_(models.Task.deleted.is_(True),
                                        models.Task.deleted_at
                                        <= deleted_before))
    ids = sa.select(models.Task.id).where(doomed)
    ids = [row[0] for row in context.session.execute(ids)]
    if not ids:
        return 0
    context.session.query(models.TaskInfo).filter(
        models.TaskInfo.task_id.in_(ids)).delete(synchronize_session=False)
    context.session.query(models.TaskRequester).filter(
        models.TaskRequester.task_id.in_(ids)).delete(
            synchronize_session=False)
    return context.session.query(models.Task).filter(
        models.Task.id.in_(ids)).delete(synchronize_session=False)


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def take_over(context, task, executor):
    """Make ``executor`` the owner of ``task``, as last read; True if so.

    A compare-and-swap on the status and the previous owner: of several
    processes sweeping at once, one takes the task.
    """
    return bool(prebuilt.update(
        context.session, TASKS,
        {'id': task.id, 'status': task.status, 'executor': task.executor},
        {'executor': executor}, live=True))


@db_api.context_manager.reader
def orphans(context, executor, now=None):
    """Live tasks no other live executor owns, with their input.

    Pending or processing, not ``executor``'s, and with no owner or an
    owner whose lease has lapsed (or was purged), oldest first.
    """
    now = now or db_api.utcnow()
    query = sa.select(
        TASKS, TASK_INFO.c.input, TASK_INFO.c.result, TASK_INFO.c.message,
    ).outerjoin(TASK_INFO, TASK_INFO.c.task_id == TASKS.c.id).outerjoin(
        LEASES, LEASES.c.name == TASKS.c.executor,
    ).where(
        TASKS.c.status.in_(LIVE), TASKS.c.deleted.is_(False),
        sa.or_(TASKS.c.executor.is_(None),
               TASKS.c.executor != executor),
        sa.or_(TASKS.c.executor.is_(None), LEASES.c.name.is_(None),
               LEASES.c.expires_at <= now),
    ).order_by(TASKS.c.created_at, TASKS.c.id)
    return [_to_domain(row, row) for row in context.session.execute(query)]


@db_api.context_manager.reader
def owned_ids(context, executor):
    """Ids of the live tasks ``executor`` owns."""
    return set(context.session.execute(
        sa.select(TASKS.c.id).where(TASKS.c.status.in_(LIVE),
                                    TASKS.c.executor == executor,
                                    TASKS.c.deleted.is_(False))).scalars())
