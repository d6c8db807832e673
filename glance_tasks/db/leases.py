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

"""Leases: a duty held by one process at a time, taken over on expiry.

A lease row names its holder and when its hold ends. Taking or renewing
it is one compare-and-swap UPDATE, so two processes never both believe
they hold it at the same database time. Expiry is judged by the clock of
the process that takes the lease over: hosts must keep their clocks in
step (NTP), and holders stop working well before their lease ends.
"""

import datetime

from oslo_db import exception as db_exc
import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.db.sqlalchemy import models

LEASES = models.Lease.__table__
# What a release writes: long past on every host's clock, so a host whose
# clock is behind the releaser's still sees the lease free at once.
RELEASED = datetime.datetime(1970, 1, 1)
utcnow = db_api.utcnow


def acquire(context, name, holder, duration, now=None):
    """Take or renew lease ``name`` for ``duration`` seconds.

    True when ``holder`` holds it now: it held it already, or the last
    hold has expired, or nobody ever held it.
    """
    try:
        return _take(context, name, holder, duration, now)
    except db_exc.DBDuplicateEntry:
        # Another process inserted the first row just before us.
        return False


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def _take(context, name, holder, duration, now):
    now = now or db_api.utcnow()
    expires_at = now + datetime.timedelta(seconds=duration)
    taken = context.session.execute(
        LEASES.update()
        .where(LEASES.c.name == name)
        .where(sa.or_(LEASES.c.holder == holder,
                      LEASES.c.expires_at <= now))
        .values(holder=holder, expires_at=expires_at))
    if taken.rowcount:
        return True
    if current(context, name) is not None:
        return False
    # The first holder ever inserts the row; a process racing it to the
    # insert gets a duplicate key and loses.
    context.session.execute(LEASES.insert().values(
        name=name, holder=holder, expires_at=expires_at))
    return True


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def release(context, name, holder):
    """End ``holder``'s hold at once, so another process can take over."""
    context.session.execute(
        LEASES.update()
        .where(LEASES.c.name == name)
        .where(LEASES.c.holder == holder)
        .values(expires_at=RELEASED))


@db_api.context_manager.reader
def current(context, name):
    """``(holder, expires_at)`` of lease ``name``, or None if never held."""
    row = context.session.execute(
        sa.select(LEASES.c.holder, LEASES.c.expires_at)
        .where(LEASES.c.name == name)).first()
    return None if row is None else (row.holder, row.expires_at)


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def purge_lapsed(context, prefix, before):
    """Delete leases named ``prefix...`` that lapsed before ``before``.

    For leases that are never taken over, only replaced by new ones (one
    per process start): the rows would pile up. The number deleted.
    """
    return context.session.execute(
        LEASES.delete()
        .where(LEASES.c.name.startswith(prefix, autoescape=True))
        .where(LEASES.c.expires_at < before)).rowcount
