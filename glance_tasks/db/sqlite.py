"""SQLite tuning for the embedded default.

oslo.db opens a new SQLite connection per transaction (NullPool), and
closing the last open connection to a WAL database checkpoints it, which
costs an fsync per transaction. Keeping one idle connection open for the
life of the process avoids that, and WAL with ``synchronous=NORMAL`` makes
a commit a plain append.

Durability kept: a committed transaction survives a crash of the process
(the WAL is in the OS page cache and on disk soon after). A power loss or
kernel crash may lose the last commits before the next checkpoint, never
corrupt the database. Deployments that need more use MySQL or PostgreSQL.
"""

import sqlalchemy as sa

_keepers = {}


def _set_pragmas(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.execute('PRAGMA busy_timeout=30000')
    cursor.close()


def _begin_immediate(conn):
    # oslo.db emits a deferred BEGIN. In WAL mode a deferred transaction
    # that reads, then writes after another connection committed, fails
    # at once with "database is locked" instead of waiting. Taking the
    # write lock at BEGIN makes writers queue on busy_timeout instead.
    # This replaces oslo.db's own BEGIN listener and keeps its marker, which
    # oslo.db's commit and rollback listeners clear.
    if 'in_transaction' not in conn.info:
        conn.exec_driver_sql('BEGIN IMMEDIATE')
        conn.info['in_transaction'] = True


def is_sqlite_file(engine):
    url = engine.url
    return url.get_backend_name() == 'sqlite' and url.database not in (
        None, '', ':memory:')


def tune(engine):
    """Apply WAL pragmas to ``engine`` and keep one connection open."""
    if not is_sqlite_file(engine) or engine in _keepers:
        return engine
    sa.event.listen(engine, 'connect', _set_pragmas)
    for listener in list(engine.dispatch.begin):
        sa.event.remove(engine, 'begin', listener)
    sa.event.listen(engine, 'begin', _begin_immediate)
    keeper = engine.connect()
    _set_pragmas(keeper.connection.dbapi_connection, None)
    _keepers[engine] = keeper
    return engine
