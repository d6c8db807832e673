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

"""Glance's image bodies and JSON patches, and the image list's query."""

import datetime

from glance_tasks.api import image_body
from glance_tasks.api import params
from glance_tasks.api import util
from glance_tasks.db import images as image_db
from glance_tasks import exception
from glance_tasks.tests import base

IMAGE = {'id': '11111111-1111-4111-8111-111111111111', 'name': 'n',
         'disk_format': 'raw', 'container_format': 'bare',
         'visibility': 'shared', 'min_disk': 0, 'min_ram': 0,
         'protected': False, 'os_hidden': False, 'owner': 'p',
         'tags': ['a'], 'colour': 'red'}
V21 = image_body.PATCH_V21


class TestCreateBody(base.TestCase):

    def test_split(self):
        values, properties, tags = image_body.create_body(
            {'name': 'x', 'tags': ['b', 'a', 'b'], 'colour': 'red'})
        self.assertEqual({'name': 'x'}, values)
        self.assertEqual({'colour': 'red'}, properties)
        self.assertEqual(('a', 'b'), tags)

    def test_integral_float_is_an_integer(self):
        values, _, _ = image_body.create_body({'min_ram': 2.0})
        self.assertEqual(2, values['min_ram'])
        self.assertIsInstance(values['min_ram'], int)

    def test_refused_before_the_schema(self):
        # Read-only wins over a bad value, as in Glance.
        for body, words in (({'size': 'big'}, 'read-only'),
                            ({'deleted': 1}, 'reserved'),
                            ({'os_glance_import_task': 'x'}, 'reserved')):
            with self.subTest(body=body):
                error = self.assertRaises(exception.Forbidden,
                                          image_body.create_body, body)
                self.assertIn(words, str(error))

    def test_schema_names_the_field(self):
        for body, words in (({'disk_format': 'floppy'}, 'disk_format'),
                            ({'min_ram': 2 ** 31}, 'min_ram'),
                            ({'tags': ['x' * 256]}, 'tags.0'),
                            ({'x': 1}, "x: 1 is not of type 'string'"),
                            ({'x' * 256: 'v'}, 'is too long'),
                            ({'id': 'nope'}, 'id')):
            with self.subTest(body=body):
                error = self.assertRaises(exception.Invalid,
                                          image_body.create_body, body)
                self.assertIn(words, str(error))


class TestPatch(base.TestCase):

    def patch(self, operations, media_type=V21):
        after = image_body.patched(IMAGE, operations, media_type)
        return image_body.changes(IMAGE, after)

    def test_changes(self):
        changes = self.patch([
            {'op': 'replace', 'path': '/name', 'value': 'm'},
            {'op': 'add', 'path': '/colour', 'value': 'blue'},
            {'op': 'add', 'path': '/a~1b', 'value': 'slash'},
            {'op': 'add', 'path': '/tags', 'value': ['a', 'c']}])
        self.assertEqual({'name': 'm'}, changes.values)
        self.assertEqual({'colour': 'blue', 'a/b': 'slash'},
                         changes.set_properties)
        self.assertEqual(('a', 'c'), changes.tags)
        self.assertEqual(frozenset(), changes.removed_properties)

    def test_v20_form_and_remove(self):
        changes = self.patch([{'remove': '/colour'},
                              {'replace': '/min_ram', 'value': 4}],
                             image_body.PATCH_V20)
        self.assertEqual({'min_ram': 4}, changes.values)
        self.assertEqual(frozenset({'colour'}), changes.removed_properties)
        self.assertIsNone(changes.tags)

    def test_the_document_is_not_changed(self):
        self.patch([{'op': 'remove', 'path': '/colour'}])
        self.assertEqual('red', IMAGE['colour'])

    def test_refused(self):
        for operations, error in (
                ([{'op': 'copy', 'path': '/name', 'value': 'x'}],
                 exception.Invalid),
                ([{'op': 'add', 'path': '/name'}], exception.Invalid),
                ([{'op': 'add', 'path': 'name', 'value': 'x'}],
                 exception.Invalid),
                ([{'op': 'add', 'path': '/a/b', 'value': 'x'}],
                 exception.Invalid),
                ([{'op': 'add', 'path': '/x', 'value': 'x', 'from': 'y'}],
                 exception.Invalid),
                (['add'], exception.Invalid),
                ([{'op': 'replace', 'path': '/min_ram', 'value': -1}],
                 exception.Invalid),
                ([{'op': 'replace', 'path': '/status', 'value': 'x'}],
                 exception.Forbidden),
                ([{'op': 'replace', 'path': '/id', 'value': 'x'}],
                 exception.Forbidden),
                ([{'op': 'remove', 'path': '/name'}], exception.Forbidden),
                ([{'op': 'replace', 'path': '/nothing', 'value': 'x'}],
                 exception.Conflict),
                ([{'op': 'remove', 'path': '/nothing'}],
                 exception.Conflict)):
            with self.subTest(operations=operations):
                self.assertRaises(error, self.patch, operations)

    def test_v20_needs_exactly_one_op(self):
        self.assertRaises(exception.Invalid, self.patch,
                          [{'add': '/x', 'replace': '/y', 'value': 'v'}],
                          image_body.PATCH_V20)


class TestImageListParams(base.TestCase):

    def parse(self, query):
        req = util.Request.blank('/v2/images?' + query)
        return params.image_list_params(req, self.conf, image_db.SORT_KEYS)

    def test_everything_glanceclient_and_openstacksdk_send(self):
        query, limit, marker = self.parse(
            'name=in:a,"b,c"&tag=x&tag=y&os_hidden=False&protected=true'
            '&visibility=all&member_status=accepted&size_min=1'
            '&created_at=gte:2026-01-01T01:00:00%2B01:00&colour=red'
            '&sort=name:asc,size&limit=3')
        self.assertEqual({'name': ['a', 'b,c']}, query.match)
        self.assertEqual(('x', 'y'), query.tags)
        self.assertFalse(query.os_hidden)
        self.assertTrue(query.protected)
        self.assertIsNone(query.visibility)
        self.assertEqual(1, query.size_min)
        self.assertEqual([('created_at', 'gte',
                           datetime.datetime(2026, 1, 1, 0, 0))],
                         query.times)
        self.assertEqual({'colour': ['red']}, query.properties)
        self.assertEqual((('name', 'asc'), ('size', 'desc')), query.sort)
        self.assertEqual(3, limit)
        self.assertIsNone(marker)

    def test_defaults(self):
        query, limit, _ = self.parse('')
        self.assertFalse(query.os_hidden)  # hidden images are not listed
        self.assertEqual((('created_at', 'desc'),), query.sort)
        self.assertEqual(25, limit)

    def test_sort_key_and_dir(self):
        for string, expected in (
                ('sort_key=name&sort_key=size',
                 (('name', 'desc'), ('size', 'desc'))),
                ('sort_key=name&sort_key=size&sort_dir=asc',
                 (('name', 'asc'), ('size', 'asc'))),
                ('sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc',
                 (('name', 'asc'), ('size', 'desc'))),
                ('sort_dir=asc', (('created_at', 'asc'),))):
            with self.subTest(query=string):
                self.assertEqual(expected, self.parse(string)[0].sort)

    def test_bad_values_name_the_parameter(self):
        for string, name in (
                ('os_hidden=maybe', 'os_hidden'),
                ('protected=2', 'protected'),
                ('size_min=-1', 'size_min'),
                ('size_max=1.5', 'size_max'),
                ('size_min=9223372036854775808', 'size_min'),
                ('size_max=473171615747490261418115072', 'size_max'),
                ('created_at=gt:yesterday', 'created_at'),
                ('updated_at=2026-13-01', 'updated_at'),
                ('disk_format=in:raw,floppy', 'disk_format'),
                ('container_format=crate', 'container_format'),
                ('member_status=maybe', 'member_status'),
                ('visibility=everyone', 'visibility'),
                ('name=in:', 'name'),
                ('colour=in:a,,b', 'colour'),
                ('tag=', 'tag'),
                ('colour=a&colour=b', 'colour')):
            with self.subTest(query=string):
                error = self.assertRaises(exception.Invalid, self.parse,
                                          string)
                self.assertIn("'%s'" % name, str(error))

    def test_bad_sorts(self):
        for string, error in (
                ('sort=name:up', exception.InvalidSortDir),
                ('sort=colour', exception.InvalidSortKey),
                ('sort=name&sort_key=id', exception.Invalid),
                ('sort=name,name:asc', exception.Invalid),
                ('sort_key=name&sort_key=id&sort_key=size&sort_dir=asc'
                 '&sort_dir=asc', exception.Invalid),
                ('status=in:queued,gone', exception.UnknownStatus)):
            with self.subTest(query=string):
                self.assertRaises(error, self.parse, string)
