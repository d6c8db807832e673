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

"""Glance's image list filters and multi-key sort, on a real database."""

import itertools

from oslo_utils import uuidutils

from glance_tasks.db import image_list
from glance_tasks.db import images as image_db
from glance_tasks import exception
from glance_tasks.tests import base
from glance_tasks.tests.unit.db import helpers


class TestImageList(helpers.DbHelpers, base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.set_clock(helpers.T0)
        self.images = {}
        names = ['b', 'a', None, 'b', 'a', None, 'c']
        sizes = [10, None, 30, 10, 20, None, 5]
        for number, (name, size) in enumerate(zip(names, sizes)):
            self.set_clock(helpers.T0 + helpers.minutes(number % 3))
            image = image_db.create(self.context, {
                'id': uuidutils.generate_uuid(), 'name': name,
                'owner': 'p1' if number != 6 else 'p2', 'size': size,
                'os_hidden': number == 5},
                properties={'colour': 'red' if number % 2 else 'blue'},
                tags=['even'] if number % 2 == 0 else ['odd', 'x'])
            self.images[image.id] = image

    def ids(self, owner=None, **query):
        found = image_list.list_images(
            self.context, image_list.ImageQuery(**query), owner=owner)
        return [image.id for image in found]

    def expected(self, keys, include=lambda image: not image.os_hidden):
        def key(image):
            parts = []
            for name, direction in keys:
                value = getattr(image, name)
                part = (value is not None, value if value is not None
                        else '')
                if direction == 'desc':
                    part = _Reverse(part)
                parts.append(part)
            return parts
        chosen = [image for image in self.images.values() if include(image)]
        return [image.id for image in sorted(chosen, key=key)]

    def test_every_page_of_two_sort_keys(self):
        for sort in itertools.product(('name', 'size', 'created_at'),
                                      ('asc', 'desc'), ('id',),
                                      ('asc', 'desc')):
            keys = ((sort[0], sort[1]), (sort[2], sort[3]))
            with self.subTest(sort=keys):
                expected = self.expected(keys)
                pages, marker = [], None
                while True:
                    page = image_list.list_images(
                        self.context, image_list.ImageQuery(sort=keys),
                        limit=2, marker=marker)
                    pages += [image.id for image in page]
                    if len(page) < 2:
                        break
                    marker = page[-1].id
                self.assertEqual(expected, pages)

    def test_three_keys_with_nulls(self):
        keys = (('name', 'asc'), ('size', 'desc'), ('created_at', 'asc'))
        pages, marker = [], None
        for _ in range(10):
            page = image_list.list_images(
                self.context, image_list.ImageQuery(sort=keys), limit=1,
                marker=marker)
            if not page:
                break
            pages.append(page[0].id)
            marker = page[0].id
        # id breaks ties in the direction of the last key.
        self.assertEqual(self.expected(keys + (('id', 'asc'),)), pages)

    def test_tags_all_must_match(self):
        # Images 1, 3 and 5 are tagged odd and x; 5 is hidden.
        self.assertEqual(2, len(self.ids(tags=('odd', 'x'))))
        self.assertEqual(3, len(self.ids(tags=('x',), os_hidden=None)))
        self.assertEqual([], self.ids(tags=('odd', 'even')))

    def test_properties_in_and_hidden(self):
        red = self.ids(properties={'colour': ['red']})
        self.assertEqual(2, len(red))  # the third red one is hidden
        self.assertEqual(3, len(self.ids(properties={'colour': ['red']},
                                         os_hidden=None)))
        self.assertEqual(1, len(self.ids(os_hidden=True)))
        self.assertEqual(6, len(self.ids(properties={
            'colour': ['red', 'blue']})))

    def test_match_sizes_times_and_owner(self):
        self.assertEqual(4, len(self.ids(match={'name': ['a', 'b']})))
        self.assertEqual(3, len(self.ids(size_min=10, size_max=20)))
        # Created at minute 2: images 2 and 5 (hidden).
        self.assertEqual(1, len(self.ids(times=[
            ('created_at', 'gt', helpers.T0 + helpers.minutes(1))])))
        self.assertEqual(4, len(self.ids(times=[
            ('created_at', 'gte', helpers.T0 + helpers.minutes(1)),
            ('created_at', 'neq', helpers.T0 + helpers.minutes(5))],
            os_hidden=None)))
        self.assertEqual(5, len(self.ids(owner='p1')))

    def test_marker_outside_the_filter(self):
        hidden = next(i for i, image in self.images.items()
                      if image.os_hidden)
        self.assertRaises(exception.MarkerNotFound,
                          image_list.list_images, self.context,
                          image_list.ImageQuery(), marker=hidden)

    def test_tags_are_not_properties(self):
        image_id = next(iter(self.images))
        self.assertEqual({'colour': 'blue'},
                         image_db.get_properties(self.context, image_id))
        self.assertEqual(['even'], image_db.get_tags(self.context, image_id))
        self.assertTrue(image_db.delete_tag(self.context, image_id, 'even'))
        self.assertFalse(image_db.delete_tag(self.context, image_id, 'even'))
        image_db.add_tag(self.context, image_id, 'even')
        image_db.add_tag(self.context, image_id, 'x' * 255)
        self.assertEqual(['even', 'x' * 255],
                         image_db.get_tags(self.context, image_id))


class _Reverse:
    """Sorts its value in reverse (a descending key among ascending)."""

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return other.value < self.value

    def __eq__(self, other):
        return self.value == other.value


class TestImageListMySQL(TestImageList):
    FIXTURE = base.MySQLFixture


class TestImageListPostgreSQL(TestImageList):
    FIXTURE = base.PostgreSQLFixture
