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

"""TaskFlow persistence: where the progress of running flows is kept.

Each task has a logbook whose uuid is the task id, holding one flow detail;
that is how a restarted process finds the flow of a task it must resume.
"""

import contextlib

from oslo_db.sqlalchemy import engines
from taskflow import exceptions as tf_exc
from taskflow.persistence import models

from glance_tasks.db import api as db_api
from glance_tasks.db import migration
from glance_tasks.db import sqlite
from glance_tasks.engine import checkpoint


def connection_url(conf):
    """``[task_executor] persistence_connection``, else the service DB."""
    return (conf.task_executor.persistence_connection
            or conf.database.connection)


def create_backend(conf):
    """The checkpointing backend, on a database already migrated.

    Checkpoints kept in the service's own database (the default) go
    through the service's writer engine: one pool per process, and a
    task's outcome can remove its checkpoint in the same transaction. A
    separate ``persistence_connection`` gets an engine of its own.
    """
    in_service_db = not has_own_database(conf)
    engine = db_api.get_engine() if in_service_db else _own_engine(conf)
    backend = checkpoint.CheckpointBackend(
        engine, keep_finished=conf.task_executor.keep_logbooks,
        in_service_db=in_service_db)
    backend.get_connection()  # checks that the table was migrated
    return backend


def has_own_database(conf):
    """True if the flow progress is kept apart from the service DB."""
    return connection_url(conf) != conf.database.connection


def sync_own_database(conf):
    """Migrate a separate ``persistence_connection`` database.

    Returns its revision, or None when the checkpoints live in the
    service database (its own migrations create their table).
    """
    if not has_own_database(conf):
        return None
    engine = _own_engine(conf)
    try:
        migration.persistence_sync(engine)
        return migration.persistence_version(engine)
    finally:
        engine.dispose()


def _own_engine(conf):
    return db_api.ping_when_idle(sqlite.tune(engines.create_engine(
        conf.task_executor.persistence_connection, sqlite_fk=False,
        thread_checkin=False, max_pool_size=conf.database.max_pool_size,
        max_overflow=conf.database.max_overflow,
        mysql_sql_mode=conf.database.mysql_sql_mode)))


def drop_checkpoint_in(context, task_id):
    """Delete a task's checkpoint row in ``context``'s transaction."""
    checkpoint.delete_row(context.session, task_id)


def new_logbook(task_id):
    """An empty logbook for a task, with the task's id as its uuid."""
    return models.LogBook('task-%s' % task_id, uuid=task_id)


def find_flow_detail(backend, task_id):
    """The saved flow detail of a task, or None if it never started."""
    with contextlib.closing(backend.get_connection()) as conn:
        try:
            book = conn.get_logbook(task_id)
        except tf_exc.NotFound:
            return None
    details = list(book)
    return details[0] if details else None


def destroy_logbook(backend, task_id):
    """Forget the flow progress of a finished task."""
    with contextlib.closing(backend.get_connection()) as conn:
        try:
            conn.destroy_logbook(task_id)
        except tf_exc.NotFound:  # already gone: nothing to forget
            pass


def evict_logbook(backend, task_id):
    """Drop a task's flow progress from this process's memory only.

    Its checkpoint stays in the database for whichever process resumes
    the task next.
    """
    with contextlib.closing(backend.get_connection()) as conn:
        conn.evict(task_id)
