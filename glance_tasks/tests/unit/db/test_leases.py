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

"""Leases: one holder at a time, renewal, expiry, release.

:class:`LeaseDbTests` runs here on SQLite and again on MySQL/MariaDB and
PostgreSQL in ``tests/functional/db/test_backends.py``; the race of two
processes for one lease is in ``tests/functional/db/test_race.py``.
"""

import datetime

from glance_tasks.db import leases
from glance_tasks.db.sqlalchemy import models
from glance_tasks.tests import base
from glance_tasks.tests.unit.db import helpers

NAME = 'duty'


def seconds(n):
    return datetime.timedelta(seconds=n)


class LeaseDbTests(helpers.DbHelpers):

    def setUp(self):
        super().setUp()
        self.set_clock(helpers.T0)

    def acquire(self, holder, duration=10, at=0):
        return leases.acquire(self.context, NAME, holder, duration,
                              now=helpers.T0 + seconds(at))

    def test_the_first_process_ever_takes_the_lease(self):
        self.assertIsNone(leases.current(self.context, NAME))
        self.assertTrue(self.acquire('a'))
        self.assertEqual(('a', helpers.T0 + seconds(10)),
                         leases.current(self.context, NAME))

    def test_another_process_is_refused_while_the_lease_runs(self):
        self.assertTrue(self.acquire('a'))
        self.assertFalse(self.acquire('b', at=9))
        self.assertEqual('a', leases.current(self.context, NAME)[0])

    def test_the_holder_renews_its_lease(self):
        self.assertTrue(self.acquire('a'))
        self.assertTrue(self.acquire('a', at=8))
        self.assertEqual(('a', helpers.T0 + seconds(18)),
                         leases.current(self.context, NAME))
        self.assertFalse(self.acquire('b', at=12))

    def test_an_expired_lease_is_taken_over(self):
        self.assertTrue(self.acquire('a'))
        self.assertTrue(self.acquire('b', at=10))
        self.assertEqual(('b', helpers.T0 + seconds(20)),
                         leases.current(self.context, NAME))
        # The old holder cannot renew what it lost.
        self.assertFalse(self.acquire('a', at=11))

    def test_release_hands_the_lease_over_at_once(self):
        self.assertTrue(self.acquire('a'))
        leases.release(self.context, NAME, 'a')
        # Free at once even for a host whose clock is a minute behind.
        self.assertTrue(self.acquire('b', at=-60))

    def test_only_the_holder_can_release(self):
        self.assertTrue(self.acquire('a'))
        leases.release(self.context, NAME, 'b')
        self.assertFalse(self.acquire('b', at=1))

    def test_leases_of_other_names_are_independent(self):
        self.assertTrue(self.acquire('a'))
        self.assertTrue(leases.acquire(self.context, 'other', 'b', 10,
                                       now=helpers.T0))
        self.assertEqual(2, self.count_rows(models.Lease.__tablename__))


class TestLeaseDb(LeaseDbTests, base.DbTestCase):
    pass
