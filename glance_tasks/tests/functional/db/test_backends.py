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

"""The unit database tests again, on MySQL/MariaDB and PostgreSQL.

Each class combines a test mixin of ``tests/unit/db`` with a real server's
fixture; they skip without the server unless
``GLANCE_TASKS_REQUIRE_SERVICES=1``, which turns the skip into a failure.

DDL is slow on a server (about 40 ms a statement on MariaDB), so these
fixtures migrate one database per backend and test process, and empty its
tables after each test; the optimising loader keeps that database up from
one test to the next.
"""

from oslo_db.sqlalchemy import test_fixtures

from glance_tasks.db.sqlalchemy import models
from glance_tasks.tests import base
from glance_tasks.tests.unit.db import test_images
from glance_tasks.tests.unit.db import test_leases
from glance_tasks.tests.unit.db import test_ownership
from glance_tasks.tests.unit.db import test_tasks

# Also expands the sort scenarios, as testscenarios' own loader would.
load_tests = test_fixtures.optimize_module_test_loader()


class _EmptiesTables(test_fixtures.DeletesFromSchema):
    """Keep the migrated schema between tests, delete every row after one."""

    def delete_from_schema(self, engine):
        with engine.begin() as conn:
            for table in reversed(models.Base.metadata.sorted_tables):
                conn.execute(table.delete())


class MySQLFixture(_EmptiesTables, base.MySQLFixture):
    pass


class PostgreSQLFixture(_EmptiesTables, base.PostgreSQLFixture):
    pass


class TestTaskDbMySQL(test_tasks.TaskDbTests, base.DbTestCase):
    FIXTURE = MySQLFixture


class TestTaskSortMySQL(test_tasks.TaskSortTests, base.DbTestCase):
    FIXTURE = MySQLFixture


class TestImageDbMySQL(test_images.ImageDbTests, base.DbTestCase):
    FIXTURE = MySQLFixture


class TestImageSortMySQL(test_images.ImageSortTests, base.DbTestCase):
    FIXTURE = MySQLFixture


class TestLeaseDbMySQL(test_leases.LeaseDbTests, base.DbTestCase):
    FIXTURE = MySQLFixture


class TestOwnershipDbMySQL(test_ownership.OwnershipDbTests,
                           base.DbTestCase):
    FIXTURE = MySQLFixture


class TestTaskDbPostgreSQL(test_tasks.TaskDbTests, base.DbTestCase):
    FIXTURE = PostgreSQLFixture


class TestTaskSortPostgreSQL(test_tasks.TaskSortTests, base.DbTestCase):
    FIXTURE = PostgreSQLFixture


class TestImageDbPostgreSQL(test_images.ImageDbTests, base.DbTestCase):
    FIXTURE = PostgreSQLFixture


class TestImageSortPostgreSQL(test_images.ImageSortTests, base.DbTestCase):
    FIXTURE = PostgreSQLFixture


class TestLeaseDbPostgreSQL(test_leases.LeaseDbTests, base.DbTestCase):
    FIXTURE = PostgreSQLFixture


class TestOwnershipDbPostgreSQL(test_ownership.OwnershipDbTests,
                                base.DbTestCase):
    FIXTURE = PostgreSQLFixture


class TestEveryMixinRerun(base.TestCase):
    """A new test mixin in tests/unit/db must be rerun here too."""

    def test_every_db_mixin_has_both_backends(self):
        mixins = {cls for module in (test_tasks, test_images, test_leases,
                                     test_ownership)
                  for cls in vars(module).values()
                  if isinstance(cls, type) and cls.__name__.endswith('Tests')
                  and cls.__module__ == module.__name__}
        self.assertEqual({'TaskDbTests', 'TaskSortTests', 'ImageDbTests',
                          'ImageSortTests', 'LeaseDbTests',
                          'OwnershipDbTests'},
                         {m.__name__ for m in mixins})
        for fixture in (MySQLFixture, PostgreSQLFixture):
            rerun = {mixin for cls in globals().values()
                     if isinstance(cls, type)
                     and getattr(cls, 'FIXTURE', None) is fixture
                     for mixin in cls.__mro__ if mixin in mixins}
            self.assertEqual(mixins, rerun, fixture.__name__)
