"""Database functions of the notification outbox."""

import datetime

import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.db.sqlalchemy import models

# Delivered notifications are kept this long for debugging, then purged.
SENT_RETENTION = datetime.timedelta(days=1)


@db_api.context_manager.writer
def add(context, message):
    """Queue ``message`` (a dict of outbox columns) in this transaction.

    It commits or rolls back with the change it announces.
    """
    context.session.add(models.OutboxNotification(**message))


def _as_dict(row):
    return {'id': row.id, 'message_id': row.message_id,
            'event_type': row.event_type, 'priority': row.priority,
            'publisher_id': row.publisher_id, 'payload': row.payload,
            'context': row.context or {},
            'created_at': row.created_at, 'attempts': row.attempts}


@db_api.context_manager.reader
def pending(context, limit):
    """The oldest unsent notifications, in commit order."""
    rows = context.session.query(models.OutboxNotification).filter(
        models.OutboxNotification.sent_at.is_(None),
    ).order_by(models.OutboxNotification.id).limit(limit)
    return [_as_dict(row) for row in rows]


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def mark_sent(context, ids):
    """Record that the notifications ``ids`` were delivered."""
    if ids:
        context.session.query(models.OutboxNotification).filter(
            models.OutboxNotification.id.in_(ids),
        ).update({'sent_at': db_api.utcnow()}, synchronize_session=False)


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
