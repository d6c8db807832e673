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

"""Prebuilt statements: one per shape, defaults known without a read."""

import sqlalchemy as sa

from glance_tasks.db import prebuilt
from glance_tasks.tests import base

METADATA = sa.MetaData()
THINGS = sa.Table(
    'things', METADATA,
    sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
    sa.Column('name', sa.String(20), nullable=False),
    sa.Column('count', sa.Integer, nullable=False, default=0),
    sa.Column('stamp', sa.String(20), default=lambda: 'now'),
    sa.Column('kind', sa.String(20), server_default='plain'),
    sa.Column('deleted', sa.Boolean, nullable=False, default=False))


class PrebuiltTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.engine = sa.create_engine('sqlite://')
        METADATA.create_all(self.engine)

    def rows(self):
        with self.engine.connect() as conn:
            return [row._asdict() for row in conn.execute(
                sa.select(THINGS).order_by(THINGS.c.id))]

    def test_insert_returns_what_was_stored(self):
        with self.engine.begin() as conn:
            row = prebuilt.insert(conn, THINGS, {'name': 'a',
                                                 'kind': 'rare'})
        self.assertEqual({'name': 'a', 'count': 0, 'stamp': 'now',
                          'kind': 'rare', 'deleted': False}, row)
        self.assertEqual([dict(row, id=1)], self.rows())

    def test_a_server_default_only_column_must_be_given(self):
        exc = self.assertRaises(ValueError, prebuilt.with_defaults,
                                THINGS, {'name': 'a'})
        self.assertIn('things.kind', str(exc))

    def test_an_unknown_column_is_refused(self):
        exc = self.assertRaises(ValueError, prebuilt.with_defaults,
                                THINGS, {'name': 'a', 'kind': 'k',
                                         'colour': 'red'})
        self.assertIn('colour', str(exc))

    def test_update_matches_where_and_live_rows_only(self):
        with self.engine.begin() as conn:
            for name, deleted in (('a', False), ('b', True)):
                prebuilt.insert(conn, THINGS, {'name': name, 'kind': 'k',
                                               'deleted': deleted})
            self.assertEqual(1, prebuilt.update(
                conn, THINGS, {'name': 'a'}, {'count': 5}, live=True))
            self.assertEqual(0, prebuilt.update(
                conn, THINGS, {'name': 'b'}, {'count': 5}, live=True))
            self.assertEqual(1, prebuilt.update(
                conn, THINGS, {'name': 'b'}, {'count': 7}))
        self.assertEqual([5, 7], [row['count'] for row in self.rows()])

    def test_a_none_in_where_matches_null(self):
        with self.engine.begin() as conn:
            prebuilt.insert(conn, THINGS, {'name': 'a', 'kind': None})
            prebuilt.insert(conn, THINGS, {'name': 'b', 'kind': 'x'})
            self.assertEqual(1, prebuilt.update(
                conn, THINGS, {'name': 'a', 'kind': None}, {'count': 5}))
            self.assertEqual(0, prebuilt.update(
                conn, THINGS, {'name': 'a', 'kind': 'x'}, {'count': 6}))
        self.assertEqual([5, 0], [row['count'] for row in self.rows()])

    def test_one_statement_per_shape(self):
        first = prebuilt._update(THINGS, ('name',), ('count',), True)
        self.assertIs(first, prebuilt._update(THINGS, ('name',),
                                              ('count',), True))
        self.assertIsNot(first, prebuilt._update(THINGS, ('name',),
                                                 ('count', 'kind'), True))
