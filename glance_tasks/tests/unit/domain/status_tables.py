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

"""Tests shared by the task and the image status tables (DESIGN.md §1).

Each test module writes its expected table out by hand from the design
document and mixes these in; nothing here reads the code's tables to
decide what is expected.
"""

import itertools


def pair_scenarios(statuses, allowed):
    """One scenario per ordered (from, to) pair of ``statuses``."""
    return [
        ('%s_to_%s' % (from_status, to_status),
         {'from_status': from_status, 'to_status': to_status,
          'allowed': to_status in allowed[from_status]})
        for from_status, to_status in itertools.product(statuses, statuses)
    ]


class StatusPairTests:
    """Every ordered pair: allowed moves happen, the others are refused.

    A subclass sets ``scenarios`` (:func:`pair_scenarios`), ``TABLE`` (the
    code's table), ``REFUSED`` (the exception of a refused move), ``NOW``,
    and defines ``make(status)`` and ``move(before, to_status)``.
    """

    def test_transition(self):
        before = self.make(self.from_status)
        if self.allowed:
            after = self.move(before, self.to_status)
            self.assertEqual(self.to_status, after.status)
            self.assertEqual(self.NOW, after.updated_at)
        else:
            exc = self.assertRaises(self.REFUSED, self.move, before,
                                    self.to_status)
            self.assertIn(self.from_status, str(exc))
            self.assertIn(self.to_status, str(exc))
        # The object handed in never changes, allowed move or not.
        self.assertEqual(self.make(self.from_status), before)

    def test_table_agrees(self):
        self.assertEqual(self.allowed,
                         self.TABLE.is_allowed(self.from_status,
                                               self.to_status))


class StatusTableShapeTests:
    """The table's statuses, ends and edges are the design's.

    A subclass sets ``TABLE``, ``STATUSES``, ``ALLOWED``, ``TERMINAL`` and
    ``INITIAL``.
    """

    def test_exactly_these_statuses(self):
        self.assertEqual(set(self.STATUSES), set(self.TABLE.statuses))

    def test_terminal_statuses(self):
        self.assertEqual(set(self.TERMINAL), set(self.TABLE.terminal))

    def test_initial_status(self):
        self.assertEqual(self.INITIAL, self.TABLE.initial)

    def test_edges_are_the_allowed_pairs(self):
        expected = {(f, t) for f, targets in self.ALLOWED.items()
                    for t in targets}
        self.assertEqual(expected, set(self.TABLE.edges()))
