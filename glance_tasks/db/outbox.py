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

"""Database functions of the notification outbox."""

import datetime

import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.db import leases
from glance_tasks.db.sqlalchemy import models

OUTBOX = models.OutboxNotification.__table__
# Built once: the relay and every status change run these (see prebuilt).
_INSERT = OUTBOX.insert()
_PENDING = sa.select(OUTBOX).where(OUTBOX.c.sent_at.is_(None)).order_by(
    OUTBOX.c.id).limit(sa.bindparam('limit'))
_MARK_SENT = OUTBOX.update().where(
    OUTBOX.c.id.in_(sa.bindparam('ids', expanding=True))).values(
        sent_at=sa.bindparam('now'))

# Delivered notifications are kept this long for debugging, then purged.
SENT_RETENTION = datetime.timedelta(days=1)


@db_api.context_manager.writer
def add(context, message):
    """Queue ``message`` (a dict of outbox columns) in this transaction.

    It commits or rolls back with the change it announces. A plain
    INSERT: every status change makes one, and the ORM's unit of work
    cost more than the rest of the change.
    """
    context.session.execute(_INSERT, message)


@db_api.context_manager.writer
def add_many(context, messages):
    """:func:`add` for several messages: one ``executemany``.

    Rows get their ids, and so leave, in the order of ``messages``.
    """
    if messages:
        context.session.execute(_INSERT, list(messages))


def _as_dict(row):
    return {'id': row.id, 'message_id': row.message_id,
            'event_type': row.event_type, 'priority': row.priority,
            'publisher_id': row.publisher_id, 'payload': row.payload,
            'context': row.context or {},
            'created_at': row.created_at, 'attempts': row.attempts}


# The relay runs these many times a second under load: plain statements
# on the table, not ORM queries, which cost several times the CPU.
@db_api.context_manager.reader
def pending(context, limit):
    """The oldest unsent notifications, in commit order."""
    rows = context.session.execute(_PENDING, {'limit': limit})
    return [_as_dict(row) for row in rows]


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def mark_sent(context, ids):
    """Record that the notifications ``ids`` were delivered."""
    if ids:
        context.session.execute(_MARK_SENT, {'ids': list(ids),
                                             'now': db_api.utcnow()})


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def count_attempt(context, row_id):
    """Record one more failed delivery attempt of a notification."""
    context.session.query(models.OutboxNotification).filter(
        models.OutboxNotification.id == row_id,
    ).update({'attempts': models.OutboxNotification.attempts + 1},
             synchronize_session=False)


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def purge_sent(context, sent_before):
    """Remove notifications delivered before ``sent_before``."""
    return context.session.query(models.OutboxNotification).filter(
        models.OutboxNotification.sent_at.isnot(None),
        models.OutboxNotification.sent_at <= sent_before,
    ).delete(synchronize_session=False)


@db_api.context_manager.reader
def unsent_count(context):
    """How many notifications wait to be relayed (for status checks)."""
    return context.session.scalar(
        sa.select(sa.func.count()).select_from(models.OutboxNotification)
        .where(models.OutboxNotification.sent_at.is_(None)))


def relay_backlog(connection, lease_name):
    """``(unsent notifications, (lease holder, expires at) or None)``.

    Read on a plain ``connection``: ``glance-tasks-status`` checks a
    database without configuring the service's engine facade on it.
    """
    waiting = connection.scalar(
        sa.select(sa.func.count()).select_from(OUTBOX)
        .where(OUTBOX.c.sent_at.is_(None)))
    lease = leases.LEASES
    row = connection.execute(
        sa.select(lease.c.holder, lease.c.expires_at)
        .where(lease.c.name == lease_name)).first()
    return waiting, None if row is None else (row.holder, row.expires_at)
