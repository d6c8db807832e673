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

"""The OpenAPI document says what the list calls' parameters accept."""

import re
import urllib.parse

from glance_tasks.api import openapi
from glance_tasks.api import params
from glance_tasks.api import util
from glance_tasks.db import images as image_db
from glance_tasks import exception
from glance_tasks.tests import base

_VALUES = ('true', 'false', 'TRUE', 'False', 'F', 't', '1', '0', 'yes',
           'no', 'on', '', ' true')


class TestImageListDocument(base.TestCase):

    def _parameter(self, name):
        operation = openapi.document(())['paths']['/v2/images']['get']
        return next(p['schema'] for p in operation['parameters']
                    if p['name'] == name)

    def _accepted(self, name, value):
        req = util.Request.blank(
            '/v2/images?' + urllib.parse.urlencode({name: value}))
        try:
            params.image_list_params(req, self.conf, image_db.SORT_KEYS)
        except exception.Invalid:
            return False
        return True

    def test_boolean_patterns_are_what_the_code_accepts(self):
        for name in ('os_hidden', 'protected'):
            schema = self._parameter(name)
            self.assertEqual('string', schema['type'])
            for value in _VALUES:
                with self.subTest(name=name, value=value):
                    documented = re.search(schema['pattern'],
                                           value) is not None
                    self.assertEqual(documented,
                                     self._accepted(name, value))

    def test_booleans_accept_only_true_or_false(self):
        for name in ('os_hidden', 'protected'):
            accepted = [v for v in _VALUES if self._accepted(name, v)]
            self.assertEqual(['true', 'false', 'TRUE', 'False'], accepted)

    def test_sort_parameters_are_enums_without_the_empty_value(self):
        for name in ('sort_key', 'sort_dir'):
            schema = self._parameter(name)
            self.assertNotIn('', schema['enum'])
            self.assertFalse(self._accepted(name, ''))
            self.assertTrue(self._accepted(name, schema['enum'][0]))
