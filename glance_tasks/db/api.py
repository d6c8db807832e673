"""The database context: one enginefacade for the whole service."""

from oslo_db import api as oslo_db_api
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils

from glance_tasks.db import sqlite

context_manager = enginefacade.transaction_context()

# Writers retry on deadlock and lost connections, as oslo.db recommends;
# every writer is a single transaction, so a retry repeats it whole.
retry_on_deadlock = oslo_db_api.wrap_db_retry(
    max_retries=5, retry_on_deadlock=True, retry_on_disconnect=True,
    inc_retry_interval=True, max_retry_interval=2)

_configured = False


def configure(conf):
    """Point the enginefacade at ``[database]`` of ``conf`` (once)."""
    global _configured
    if _configured:
        return
    context_manager.configure(**_connection_settings(conf))
    sqlite.tune(get_engine())
    _configured = True


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


def get_engine():
    """The writer engine, for migrations and management commands."""
    return context_manager.writer.get_engine()


def utcnow():
    """Naive UTC now, the way Glance stores its timestamps.

    Microseconds are kept: every backend stores them (MySQL through
    DATETIME(6), see ``sqlalchemy/types.py``).
    """
    return timeutils.utcnow()
