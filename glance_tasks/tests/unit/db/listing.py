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

"""List tests shared by the task and the image database functions.

Both lists take the same arguments (filters, sort key and direction,
limit, marker) through ``glance_tasks.db.paging``; these mixins check them
the same way for both. A test class provides ``list_ids(**kwargs)``: the
ids its list function returns for those arguments.
"""

from glance_tasks import exception
from glance_tasks.tests.unit.db import helpers


def a_minute_apart(case, create, count):
    """Ids of ``count`` items made by ``create()``, one a minute from T0."""
    ids = []
    for minute in range(count):
        case.set_clock(helpers.T0 + helpers.minutes(minute))
        ids.append(create().id)
    return ids


def walk_pages(list_ids, limit, most=None, **kwargs):
    """The pages a client gets by following markers, as lists of ids.

    Stops at the first empty page, or after ``most`` pages.
    """
    pages, marker = [], None
    while most is None or len(pages) < most:
        page = list_ids(limit=limit, marker=marker, **kwargs)
        if not page:
            break
        pages.append(page)
        marker = page[-1]
    return pages


class ListInputTests:
    """Bad list arguments are refused with the error that names them.

    A subclass sets ``UNKNOWN_SORT_KEY``, ``UNKNOWN_FILTER`` and
    ``UNKNOWN_STATUS``: names its list does not know.
    """

    BAD_SORT_DIRS = ('up', 'down', 'ASC', 'DESC', '', None)
    BAD_LIMITS = (-1, -3, 0.5, 1.5, 2.0, True, False, '3', '10')

    def test_unknown_sort_key(self):
        exc = self.assertRaises(exception.InvalidSortKey, self.list_ids,
                                sort_key=self.UNKNOWN_SORT_KEY)
        self.assertIn("'%s'" % self.UNKNOWN_SORT_KEY, str(exc))

    def test_bad_sort_dir(self):
        for direction in self.BAD_SORT_DIRS:
            self.assertRaises(exception.InvalidSortDir, self.list_ids,
                              sort_dir=direction)

    def test_bad_limit(self):
        for limit in self.BAD_LIMITS:
            self.assertRaises(exception.InvalidLimit, self.list_ids,
                              limit=limit)

    def test_unknown_filter(self):
        exc = self.assertRaises(exception.InvalidFilter, self.list_ids,
                                filters={self.UNKNOWN_FILTER: 'x'})
        self.assertIn("'%s'" % self.UNKNOWN_FILTER, str(exc))

    def test_unknown_status_filter(self):
        exc = self.assertRaises(exception.UnknownStatus, self.list_ids,
                                filters={'status': self.UNKNOWN_STATUS})
        self.assertIn("'%s'" % self.UNKNOWN_STATUS, str(exc))


class SortedPagesTests:
    """A sort key and direction (scenarios), whole and in pages.

    The subclass's ``setUp`` sets ``self.expected``: the ids in the order
    the list promises, from ``helpers.expected_order``.
    """

    def test_whole_list(self):
        self.assertEqual(self.expected, self.list_ids(
            sort_key=self.sort_key, sort_dir=self.sort_dir))

    def test_pages(self):
        pages = walk_pages(self.list_ids, 3, most=5, sort_key=self.sort_key,
                           sort_dir=self.sort_dir)
        self.assertEqual([self.expected[0:3], self.expected[3:6],
                          self.expected[6:]], pages)

    def test_page_after_each_marker(self):
        for position, marker in enumerate(self.expected):
            page = self.list_ids(sort_key=self.sort_key,
                                 sort_dir=self.sort_dir, limit=2,
                                 marker=marker)
            self.assertEqual(self.expected[position + 1:position + 3], page,
                             'page after %s' % marker)
