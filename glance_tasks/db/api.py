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

"""The database context: one enginefacade for the whole service."""

import time

from oslo_db import api as oslo_db_api
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils
import sqlalchemy as sa

from glance_tasks.common import internals
from glance_tasks.db import sqlite

context_manager = enginefacade.transaction_context()

# Writers retry on deadlock and lost connections, as oslo.db recommends;
# every writer is a single transaction, so a retry repeats it whole.
retry_on_deadlock = oslo_db_api.wrap_db_retry(
    max_retries=5, retry_on_deadlock=True, retry_on_disconnect=True,
    inc_retry_interval=True, max_retry_interval=2)

_configured = False

# A pooled server connection idle this long is pinged before use.
IDLE_PING_AFTER = 10.0


def configure(conf):
    """Point the enginefacade at ``[database]`` of ``conf`` (once)."""
    global _configured
    if _configured:
        return
    setup_facade(context_manager, _connection_settings(conf))
    _configured = True


def setup_facade(facade, settings):
    """Configure ``facade`` with ``settings`` and tune its engines.

    A SQLite file gets a second engine for read-only transactions:
    readers of a WAL database need no lock, while every transaction of
    the writer engine queues on the process's write lock. Without it, an
    API read waited behind every write of a burst of imports.
    """
    settings = dict(settings)
    url = sa.engine.make_url(settings['connection'])
    if sqlite.is_sqlite_file_url(url) and not settings.get(
            'slave_connection'):
        settings.update(slave_connection=settings['connection'],
                        synchronous_reader=False)
    facade.configure(**settings)
    writer = facade.writer.get_engine()
    ping_when_idle(sqlite.tune(writer))
    reader = facade.reader.get_engine()
    if reader is not writer:
        ping_when_idle(sqlite.tune_reader(reader))
    return writer


def _connection_settings(conf):
    db = conf.database
    return {
        'connection': db.connection,
        'slave_connection': db.slave_connection,
        'sqlite_fk': True,
        # oslo.db yields the thread (sleep(0)) on every connection checkin,
        # for eventlet; with native threads it only adds a context switch.
        'thread_checkin': False,
        'max_retries': db.max_retries,
        'retry_interval': db.retry_interval,
        'connection_recycle_time': db.connection_recycle_time,
        'max_pool_size': db.max_pool_size,
        'max_overflow': db.max_overflow,
        'pool_timeout': db.pool_timeout,
        'mysql_sql_mode': db.mysql_sql_mode,
    }


def ping_when_idle(engine, idle=IDLE_PING_AFTER):
    """Ping a server connection before use only if it sat idle a while.

    oslo.db turns on SQLAlchemy's pre-ping, a round trip before every
    transaction, which doubled the round trips of the engine's many short
    transactions. A connection used in the last ``idle`` seconds is
    trusted; an older one is pinged and, if dead, replaced (SQLAlchemy's
    pessimistic disconnect handling). A server lost mid-use still raises
    a disconnect error, which the writers' retry decorator handles.
    """
    if engine.dialect.name == 'sqlite':
        return engine
    internals.disable_pre_ping(engine.pool)

    def checked_in(dbapi_connection, record):
        if record is not None:
            record.info['gt_idle_since'] = time.monotonic()

    def checked_out(dbapi_connection, record, proxy):
        since = record.info.get('gt_idle_since')
        if since is not None and time.monotonic() - since < idle:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise sa.exc.DisconnectionError(str(exc)) from exc
        if not alive:
            raise sa.exc.DisconnectionError('ping failed')

    sa.event.listen(engine, 'checkin', checked_in)
    sa.event.listen(engine, 'checkout', checked_out)
    return engine


def get_engine():
    """The writer engine, for migrations and management commands."""
    return context_manager.writer.get_engine()


def utcnow():
    """Naive UTC now, the way Glance stores its timestamps.

    Microseconds are kept: every backend stores them (MySQL through
    DATETIME(6), see ``sqlalchemy/types.py``).
    """
    return timeutils.utcnow()
