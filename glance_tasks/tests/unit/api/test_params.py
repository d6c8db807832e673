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

"""Query parameters and page links of the list calls."""

from glance_tasks.api.handlers import tasks
from glance_tasks.api import links
from glance_tasks.api import params
from glance_tasks.api import util
from glance_tasks.db import images as image_db
from glance_tasks import exception
from glance_tasks.tests import base


class _Item:
    def __init__(self, item_id):
        self.id = item_id


class TestLimit(base.TestCase):

    def test_default_and_cap(self):
        self.assertEqual(25, params.parse_limit(None, self.conf))
        self.assertEqual(1000, params.parse_limit('5000', self.conf))
        self.assertEqual(0, params.parse_limit('0', self.conf))
        self.assertEqual(7, params.parse_limit('7', self.conf))

    def test_refused(self):
        for value in ('-1', '1.5', 'ten', '', ' 3', '+3', '1e3', '²'):
            self.assertRaises(exception.InvalidLimit, params.parse_limit,
                              value, self.conf)


class TestListParams(base.TestCase):

    def _parse(self, query, listing=tasks.LISTING):
        req = util.Request.blank('/v2/tasks?' + query)
        return params.list_params(req, listing, self.conf)

    def test_defaults(self):
        self.assertEqual(({}, {'limit': 25, 'marker': None,
                               'sort_key': 'created_at',
                               'sort_dir': 'desc'}), self._parse(''))

    def test_filters_and_paging(self):
        filters, kwargs = self._parse('status=success&limit=2&sort_dir=asc')
        self.assertEqual({'status': 'success'}, filters)
        self.assertEqual(2, kwargs['limit'])
        self.assertEqual('asc', kwargs['sort_dir'])

    def test_unknown_parameter_is_named(self):
        error = self.assertRaises(exception.InvalidFilter, self._parse,
                                  'colour=red')
        self.assertIn("'colour'", str(error))
        self.assertIn('type, status, limit', str(error))

    def test_repeated_parameter(self):
        self.assertRaises(exception.Invalid, self._parse, 'type=a&type=b')

    def test_sort_status_and_marker_checked_here(self):
        for query, error in (
                ('sort_key=bogus', exception.InvalidSortKey),
                ('sort_dir=up', exception.InvalidSortDir),
                ('status=bogus', exception.UnknownStatus),
                ('marker=not-a-uuid', exception.InvalidMarker)):
            with self.subTest(query=query):
                self.assertRaises(error, self._parse, query)
                self.assertRaises(error, self._images, query)

    def test_empty_sort_values_are_refused_not_defaulted(self):
        for query, error, words in (
                ('sort_key=', exception.InvalidSortKey,
                 ("sort key ''", 'valid keys are: created_at')),
                ('sort_dir=', exception.InvalidSortDir,
                 ("sort direction ''", 'asc or desc'))):
            for parse in (self._parse, self._images):
                with self.subTest(query=query, parse=parse.__name__):
                    message = str(self.assertRaises(error, parse, query))
                    for word in words:
                        self.assertIn(word, message)

    def test_booleans_are_glances_true_or_false(self):
        # true or false in any case: Glance lowercases os_hidden, and
        # openstacksdk sends protected=False.
        for name in ('os_hidden', 'protected'):
            for value, expected in (('true', True), ('FALSE', False),
                                    ('True', True), ('false', False)):
                query, _limit, _marker = self._images(name + '=' + value)
                self.assertIs(expected, getattr(query, name))
        for query in ('os_hidden=F', 'os_hidden=1', 'os_hidden=yes',
                      'os_hidden=', 'protected=t', 'protected=0'):
            with self.subTest(query=query):
                error = self.assertRaises(exception.Invalid, self._images,
                                          query)
                self.assertIn('use true or false', str(error))

    def _images(self, query):
        req = util.Request.blank('/v2/images?' + query)
        return params.image_list_params(req, self.conf, image_db.SORT_KEYS)

    def test_image_sort_keys_and_visibility(self):
        self._images('sort_key=size&visibility=public')
        self.assertRaises(exception.InvalidSortKey, self._parse,
                          'sort_key=size', tasks.LISTING)
        error = self.assertRaises(exception.Invalid, self._images,
                                  'visibility=everyone')
        self.assertIn('community, public, private, shared, all', str(error))


class TestLinks(base.TestCase):

    def _page(self, query, count, limit):
        req = util.Request.blank('/v2/tasks?' + query)
        items = [_Item('id-%d' % i) for i in range(count)]
        return links.page(req, '/v2/tasks', items, limit, {})

    def test_full_page_has_next_without_old_marker(self):
        body = self._page('limit=2&marker=old&status=success', 2, 2)
        self.assertEqual('/v2/tasks?limit=2&status=success', body['first'])
        self.assertEqual('/v2/tasks?limit=2&status=success&marker=id-1',
                         body['next'])

    def test_short_page_has_no_next(self):
        body = self._page('', 1, 25)
        self.assertEqual({'first': '/v2/tasks'}, body)

    def test_empty_page_has_no_next(self):
        self.assertNotIn('next', self._page('limit=0', 0, 0))
