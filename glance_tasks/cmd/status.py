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

"""``glance-tasks-status upgrade check``: is this deployment ready to run?

Checks, with oslo.upgradecheck: the database schema is at the revision
the code needs; the jobboard answers (when tasks run on one); as a
warning, a jobboard deployment keeping its data in SQLite, which engines
on several hosts cannot share; and, as a warning, notifications waiting
while no process holds the relay lease. Exit status 0 (all good), 1
(warning) or 2 (failure), as every OpenStack ``*-status`` command.
"""

import contextlib
import sys

from oslo_config import cfg
from oslo_db.sqlalchemy import engines
from oslo_upgradecheck import upgradecheck
import sqlalchemy as sa

from glance_tasks import conf as gt_conf
from glance_tasks.conf import opts
from glance_tasks.db import api as db_api
from glance_tasks.db import migration
from glance_tasks.db import outbox
from glance_tasks.engine import jobboard
from glance_tasks.i18n import _
from glance_tasks.images import store
from glance_tasks.notifications import lease as relay_lease

Code = upgradecheck.Code
Result = upgradecheck.Result

# Seconds to wait for a jobboard server before calling it unreachable.
BOARD_TIMEOUT = 5.0


class UpgradeChecks(upgradecheck.UpgradeCommands):
    """The checks of ``glance-tasks-status upgrade check``."""

    def __init__(self, conf):
        super().__init__()
        self.conf = conf

    def _check_database_schema(self):
        head = migration.head_revision()
        try:
            current = _db_version(self.conf.database.connection)
        except Exception as exc:
            return Result(Code.FAILURE, _(
                'The database cannot be read (%(error)s). Check '
                '[database] connection.') % {'error': _describe(exc)})
        if current == head:
            return Result(Code.SUCCESS, _(
                'The database schema is at revision %s, the newest this '
                'code knows.') % head)
        if current is None:
            return Result(Code.FAILURE, _(
                'The database has no schema; run "glance-tasks-manage db '
                'sync" (newest revision: %s).') % head)
        if current in _known_revisions():
            return Result(Code.FAILURE, _(
                'The database schema is at revision %(current)s but this '
                'code needs %(head)s; run "glance-tasks-manage db '
                'sync".') % {'current': current, 'head': head})
        return Result(Code.WARNING, _(
            'The database schema is at revision %(current)s, which this '
            'code does not know (its newest is %(head)s): was it upgraded '
            'by a newer release?') % {'current': current, 'head': head})

    def _check_jobboard(self):
        if self.conf.task_executor.backend != 'jobboard':
            return Result(Code.SUCCESS, _(
                'Not used: [task_executor] backend is %s.')
                % self.conf.task_executor.backend)
        opts = self.conf.jobboard
        where = '%s at %s' % (opts.backend, ', '.join(opts.hosts))
        try:
            count = _count_jobs(self.conf)
        except Exception as exc:
            return Result(Code.FAILURE, _(
                'The %(where)s jobboard is unreachable (%(error)s); no task '
                'can run until it answers. Check the [jobboard] '
                'options.') % {'where': where, 'error': _describe(exc)})
        return Result(Code.SUCCESS, _(
            'The %(where)s jobboard answers; %(count)d job(s) on it.')
            % {'where': where, 'count': count})

    def _check_sqlite_with_jobboard(self):
        if self.conf.task_executor.backend != 'jobboard':
            return Result(Code.SUCCESS)
        on_sqlite = [name for name, url in (
            ('the service database ([database] connection)',
             self.conf.database.connection),
            ('the flow progress ([task_executor] persistence_connection)',
             self.conf.task_executor.persistence_connection))
            if url and sa.engine.make_url(url).get_backend_name()
            == 'sqlite']
        if not on_sqlite:
            return Result(Code.SUCCESS)
        return Result(Code.WARNING, _(
            'SQLite keeps %s while tasks run on a jobboard: engines on '
            'other hosts cannot share a SQLite file, so every engine must '
            'run on this host. Use MySQL or PostgreSQL to run engines on '
            'several hosts.') % ' and '.join(on_sqlite))

    def _check_notification_relay(self):
        try:
            waiting, lease = _relay_state(self.conf.database.connection)
        except Exception as exc:
            return Result(Code.WARNING, _(
                'Not checked: the outbox cannot be read (%s); see the '
                'database schema check.') % _describe(exc))
        holder = _('no process') if lease is None else lease[0]
        if lease is not None and lease[1] > db_api.utcnow():
            return Result(Code.SUCCESS, _(
                '%(holder)s relays notifications (lease until %(until)s '
                'UTC); %(waiting)d wait to be sent.') % {
                    'holder': holder, 'until': lease[1].isoformat(),
                    'waiting': waiting})
        if not waiting:
            return Result(Code.SUCCESS, _(
                'No notification waits; the relay lease is free (last '
                'holder: %s).') % holder)
        return Result(Code.WARNING, _(
            '%(waiting)d notification(s) wait and no process holds the '
            'relay lease (last holder: %(holder)s): start a glance-tasks '
            'API or engine process, which takes the lease and sends '
            'them.') % {'waiting': waiting, 'holder': holder})

    def _check_image_stores(self):
        try:
            store.check_config(self.conf)
        except store.ConfigurationError as exc:
            return Result(Code.FAILURE, _(
                'The API and engine will refuse to start: %s.') % exc)
        names = store.backend_names(self.conf)
        if not names:
            return Result(Code.SUCCESS, _(
                'One store ([glance_store] default_store = %s); set '
                '[DEFAULT] enabled_backends for several.')
                % self.conf.glance_store.default_store)
        return Result(Code.SUCCESS, _(
            'Stores %(names)s; the default is %(default)s.') % {
                'names': ', '.join(names),
                'default': store.default_backend(self.conf)})

    _upgrade_checks = (
        (_('Database schema'), _check_database_schema),
        (_('Jobboard reachable'), _check_jobboard),
        (_('SQLite with a jobboard'), _check_sqlite_with_jobboard),
        (_('Notification relay'), _check_notification_relay),
        (_('Image stores'), _check_image_stores),
    )


def _db_version(url):
    engine = engines.create_engine(url, max_retries=0)
    try:
        return migration.db_version(engine)
    finally:
        engine.dispose()


def _relay_state(url):
    """``(unsent notifications, (lease holder, expires at) or None)``."""
    engine = engines.create_engine(url, max_retries=0)
    try:
        with engine.connect() as conn:
            return outbox.relay_backlog(conn, relay_lease.NAME)
    finally:
        engine.dispose()


def _known_revisions():
    from alembic import script
    directory = script.ScriptDirectory(migration._SCRIPT_LOCATION)
    return {rev.revision for rev in directory.walk_revisions()}


def _describe(exc):
    return '%s: %s' % (type(exc).__name__, exc)


def _count_jobs(conf):
    conf.set_override('redis_socket_timeout', min(
        conf.jobboard.redis_socket_timeout, BOARD_TIMEOUT), group='jobboard')
    board = jobboard.make_board(conf, None, name='glance-tasks-status')
    if conf.jobboard.backend != 'zookeeper':
        board.connect()
        with contextlib.closing(board):
            return board.job_count
    board.connect(timeout=BOARD_TIMEOUT)
    with contextlib.closing(board):
        # Its count fills in as watches fire; a listing is exact.
        return len(list(board.iterjobs(ensure_fresh=True)))


def main(argv=None):
    conf = cfg.ConfigOpts()
    gt_conf.register_opts(conf)
    opts.set_lib_defaults(conf)
    return upgradecheck.main(
        conf, project='glance-tasks', upgrade_command=UpgradeChecks(conf),
        argv=sys.argv[1:] if argv is None else argv)


if __name__ == '__main__':
    sys.exit(main())
