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

"""Helpers shared by the database test mixins (tasks, images, backends)."""

import datetime

from oslo_utils import fixture as utils_fixture
from oslo_utils import timeutils
import sqlalchemy as sa

# Whole seconds: MySQL DATETIME keeps no fraction, and a fixed clock makes
# every stored timestamp predictable on every backend.
T0 = datetime.datetime(2026, 1, 1, 12, 0, 0)


def minutes(n):
    return datetime.timedelta(minutes=n)


def expected_order(items, sort_key, sort_dir):
    """The order a list promises: NULL below every value, id breaks ties.

    Written out here on plain Python values, not taken from the code.
    """
    def key(item):
        value = getattr(item, sort_key)
        return (value is not None, value if value is not None else '',
                item.id)
    return [item.id for item in sorted(items, key=key,
                                       reverse=sort_dir == 'desc')]


class DbHelpers:
    """A fixed clock and plain SQL access, for ``base.DbTestCase`` tests."""

    _clock = None

    def set_clock(self, when):
        """Fix :func:`db_api.utcnow` (and so every timestamp) at ``when``."""
        if self._clock is None:
            self._clock = self.useFixture(utils_fixture.TimeFixture(when))
        else:
            self._clock.advance_time_delta(when - timeutils.utcnow())

    def execute_sql(self, statement, **params):
        """Run SQL past our functions; return the rows it changed."""
        with self.db_engine.begin() as conn:
            return conn.execute(sa.text(statement), params).rowcount

    def count_rows(self, table):
        with self.db_engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(sa.table(table))
            ).scalar()

    def select_rows(self, model, **where):
        """Rows of ``model``'s table as dicts, read past our functions."""
        table = model.__table__
        query = sa.select(table).where(
            *[table.c[name] == value for name, value in where.items()]
        ).order_by(*table.primary_key.columns)
        with self.db_engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def assertAbout(self, expected, actual):
        """Equal to within a second (MySQL rounds fractions away)."""
        self.assertIsNotNone(actual)
        self.assertLessEqual(abs(expected - actual),
                             datetime.timedelta(seconds=1),
                             '%s is not about %s' % (actual, expected))
