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

"""SQLite tuning for the embedded default.

oslo.db opens a new SQLite connection per transaction (NullPool), and
closing the last open connection to a WAL database checkpoints it, which
costs an fsync per transaction. Keeping one idle connection open for the
life of the process avoids that, and WAL with ``synchronous=NORMAL`` makes
a commit a plain append.

Writers of one process queue on a Python lock per database file instead
of SQLite's busy handler, which polls with sleeps of up to 100 ms and so
wastes most of the time under contention. ``busy_timeout`` still covers
other processes (``glance-tasks-manage``, a second service). Read-only
transactions use a second engine (:func:`tune_reader`) with no lock at
all: in WAL mode a reader sees the last commit and never blocks a writer.

Durability kept: a committed transaction survives a crash of the process
(the WAL is written before the commit returns). A power loss or kernel
crash may lose the last commits before the next checkpoint, never corrupt
the database. Deployments that need more use MySQL or PostgreSQL.
"""

import os
import threading

import sqlalchemy as sa

from glance_tasks.common import internals

# Longest wait for the in-process write lock; far beyond any transaction,
# so hitting it means a transaction was left open.
LOCK_TIMEOUT = 120

_keepers = {}
_readers = set()
_file_locks = {}
_file_locks_guard = threading.Lock()


class DatabaseLockTimeout(Exception):
    """A transaction waited too long for the SQLite write lock."""


def _set_pragmas(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.execute('PRAGMA busy_timeout=30000')
    cursor.close()


def _lock_for(path):
    with _file_locks_guard:
        return _file_locks.setdefault(os.path.realpath(path),
                                      threading.Lock())


def _make_begin(lock):
    def begin_immediate(conn):
        # oslo.db emits a deferred BEGIN. In WAL mode a deferred
        # transaction that reads, then writes after another connection
        # committed, fails at once with "database is locked". Taking the
        # write lock at BEGIN makes writers queue instead. This replaces
        # oslo.db's listener and keeps its marker, which oslo.db's commit
        # and rollback listeners clear.
        if 'gt_write_lock' not in conn.info:
            if not lock.acquire(timeout=LOCK_TIMEOUT):
                raise DatabaseLockTimeout('SQLite write lock not obtained '
                                          'in %s s' % LOCK_TIMEOUT)
            conn.info['gt_write_lock'] = lock
        if 'in_transaction' not in conn.info:
            # Straight to the driver: through SQLAlchemy's statement
            # machinery this cost more than the rest of a short write.
            conn.connection.driver_connection.execute('BEGIN IMMEDIATE')
            conn.info['in_transaction'] = True
    return begin_immediate


def _release_on_checkin(dbapi_connection, connection_record):
    lock = connection_record.info.pop('gt_write_lock', None) \
        if connection_record is not None else None
    if lock is not None:
        lock.release()


def _persistent_pool(engine):
    """Give ``engine`` a pool that keeps SQLite connections open.

    oslo.db forces NullPool on SQLite files; opening and closing a
    connection per transaction made each commit cost ~15 ms instead of
    ~0.2 ms here. The new pool keeps the old pool's event dispatch, so
    the connect listeners of oslo.db and of this module still apply.
    """
    old = engine.pool
    engine.pool = internals.replacement_pool(
        old, sa.pool.QueuePool, pool_size=5, max_overflow=20,
        timeout=LOCK_TIMEOUT, dialect=engine.dialect)
    old.dispose()


def is_sqlite_file_url(url):
    return url.get_backend_name() == 'sqlite' and url.database not in (
        None, '', ':memory:')


def is_sqlite_file(engine):
    return is_sqlite_file_url(engine.url)


def tune_reader(engine):
    """Tune an engine that only reads: pragmas and a lasting pool.

    No write lock and no BEGIN IMMEDIATE: in WAL mode a reader sees the
    last committed state and neither waits for nor blocks a writer.
    """
    if not is_sqlite_file(engine) or engine in _readers:
        return engine
    sa.event.listen(engine, 'connect', _set_pragmas)
    _persistent_pool(engine)
    _readers.add(engine)
    return engine


def tune(engine):
    """Apply WAL, queued writers and a keeper connection to ``engine``."""
    if not is_sqlite_file(engine) or engine in _keepers:
        return engine
    sa.event.listen(engine, 'connect', _set_pragmas)
    for listener in list(engine.dispatch.begin):
        sa.event.remove(engine, 'begin', listener)
    sa.event.listen(engine, 'begin',
                    _make_begin(_lock_for(engine.url.database)))
    sa.event.listen(engine, 'checkin', _release_on_checkin)
    _persistent_pool(engine)
    keeper = engine.connect()
    _set_pragmas(keeper.connection.dbapi_connection, None)
    _keepers[engine] = keeper
    return engine
