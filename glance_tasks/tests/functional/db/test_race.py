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

"""Two engines move the same task at the same moment: exactly one wins.

And two processes reaching for the same expired lease: exactly one holds it.

Every task status write is a compare-and-swap (DESIGN.md §1). Two threads,
each with its own context and so its own connection, wait on a barrier and
then try ``processing -> success`` and ``processing -> failure`` at once;
one must win and the other get :class:`TaskStatusConflict`, and the task
must hold the winner's status, result and message only.

In-memory SQLite shares one connection between threads, so the SQLite
variants use a database file.
"""

import datetime
import os
import threading

import fixtures
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures
from oslo_utils import uuidutils

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import leases
from glance_tasks.db import migration
from glance_tasks.db import sqlite
from glance_tasks.db import tasks as task_db
from glance_tasks import exception
from glance_tasks.tests import base

ROUNDS = 20
TTL = 48
WON = 'won'
LOST = 'conflict'


class RaceTests:
    """The race, ``ROUNDS`` times on a fresh task each time."""

    def _contend(self, move, task, to_status, barrier, outcomes):
        context = gt_context.get_admin_context()
        barrier.wait(timeout=30)
        try:
            move(context, task, to_status)
        except exception.TaskStatusConflict:
            outcomes[to_status] = LOST
        except Exception as exc:  # reported by the assertion below
            outcomes[to_status] = repr(exc)
        else:
            outcomes[to_status] = WON

    def _race_once(self, move):
        context = gt_context.get_admin_context()
        task = task_db.create(context, {'id': uuidutils.generate_uuid(),
                                        'type': 'import', 'input': {}})
        task = task_db.update_status(context, task.id, 'pending',
                                     'processing', ttl_hours=TTL)
        barrier = threading.Barrier(2)
        outcomes = {}
        threads = [threading.Thread(target=self._contend,
                                    args=(move, task, to_status, barrier,
                                          outcomes))
                   for to_status in ('success', 'failure')]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertFalse(any(thread.is_alive() for thread in threads))
        self.assertEqual([LOST, WON], sorted(outcomes.values()), outcomes)
        [winner] = [s for s, outcome in outcomes.items() if outcome == WON]
        final = task_db.get(context, task.id)
        self.assertEqual(winner, final.status)
        if winner == 'success':
            self.assertEqual({'winner': 'success'}, final.result)
            self.assertIsNone(final.message)
        else:
            self.assertEqual('failure won', final.message)
            self.assertIsNone(final.result)

    def test_exactly_one_wins_update_status(self):
        def move(context, task, to_status):
            task_db.update_status(
                context, task.id, 'processing', to_status, ttl_hours=TTL,
                result={'winner': to_status}, message='%s won' % to_status)
        for _ in range(ROUNDS):
            self._race_once(move)

    def test_exactly_one_wins_advance(self):
        def move(context, task, to_status):
            task_db.advance(
                context, task, to_status, ttl_hours=TTL,
                result={'winner': to_status}, message='%s won' % to_status)
        for _ in range(ROUNDS):
            self._race_once(move)

    def test_exactly_one_takes_an_expired_lease(self):
        start = db_api.utcnow()
        for round_ in range(ROUNDS):
            # Round 0 races for a lease nobody ever held (the insert);
            # later rounds for one whose last hold has expired.
            now = start + datetime.timedelta(seconds=60 * round_)
            barrier = threading.Barrier(2)
            outcomes = {}

            def take(holder):
                context = gt_context.get_admin_context()
                barrier.wait(timeout=30)
                try:
                    outcomes[holder] = leases.acquire(
                        context, 'duty', holder, 30, now=now)
                except Exception as exc:  # reported by the assertion
                    outcomes[holder] = repr(exc)
            holders = ('a%d' % round_, 'b%d' % round_)
            threads = [threading.Thread(target=take, args=(holder,))
                       for holder in holders]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            self.assertEqual([False, True], sorted(outcomes.values()),
                             outcomes)
            [winner] = [h for h, won in outcomes.items() if won is True]
            self.assertEqual(winner, leases.current(
                gt_context.get_admin_context(), 'duty')[0])


class TestRaceMySQL(RaceTests, base.DbTestCase):
    FIXTURE = base.MySQLFixture


class TestRacePostgreSQL(RaceTests, base.DbTestCase):
    FIXTURE = base.PostgreSQLFixture


class TestRaceSQLiteFile(RaceTests, base.TestCase):
    """On a SQLite file with oslo.db's own settings (deferred BEGIN)."""

    TUNE = False

    def setUp(self):
        super().setUp()
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'race.sqlite')
        facade = enginefacade.transaction_context()
        facade.configure(connection='sqlite:///%s' % path)
        engine = facade.writer.get_engine()
        self.addCleanup(engine.dispose)
        if self.TUNE:
            sqlite.tune(engine)
            self.addCleanup(lambda: sqlite._keepers.pop(engine).close())
        migration.db_sync(engine)
        self.useFixture(test_fixtures.ReplaceEngineFacadeFixture(
            db_api.context_manager, facade))
        self.assertEqual(path, db_api.get_engine().url.database)


class TestRaceSQLiteFileTuned(TestRaceSQLiteFile):
    """On a SQLite file as the service runs it: WAL and BEGIN IMMEDIATE."""

    TUNE = True
