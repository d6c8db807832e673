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

"""A hostile client's inputs, on SQLite and PostgreSQL: 400s, no 5xx.

The byte checks themselves are unit-tested over the app
(tests/unit/api/test_request_text.py); here the real database stands
behind the app, so a check that let a NUL reach PostgreSQL would fail.
"""

from oslo_db import exception as db_exc
import testtools
import webob

from glance_tasks.tests import base
from glance_tasks.tests.functional.api import fixtures as api_fixtures

MEMBER_A = {'X-Project-Id': api_fixtures.PROJECT_A,
            'X-Roles': 'member,reader'}
ADMIN = {'X-Roles': 'admin'}


class HostileTests:

    BACKEND = None

    def setUp(self):
        super().setUp()
        try:
            self.env = api_fixtures.APIEnvironment(backend=self.BACKEND)
        except db_exc.BackendNotAvailable:
            if base.services_required():
                raise
            self.skipTest('%s not available' % self.BACKEND)
        self.addCleanup(self.env.stop)
        self.env.seed_images()

    def _call(self, path, headers=MEMBER_A, method='GET', body=None):
        req = webob.Request.blank(path, headers=headers, method=method)
        if body is not None:
            req.body = body
            req.content_type = 'application/json'
        return req.get_response(self.env.app)

    def assert_400(self, response, code):
        self.assertEqual(400, response.status_code, response.text)
        self.assertEqual(code, response.json['errors'][0]['code'])

    def test_bad_bytes(self):
        for path, code in (
                ('/v2/tasks/%ff%fe', 'image.request_not_utf8'),
                ('/v2/tasks?status=%ff', 'image.request_not_utf8'),
                ('/v2/tasks?%ff=1', 'image.request_not_utf8'),
                ('/v2/images?name=a%00b', 'image.nul_in_request'),
                ('/v2/images?owner=a%00b', 'image.nul_in_request'),
                ('/v2/images/%00', 'image.nul_in_request'),
                ('/v2/images?name=%ed%a0%80', 'image.request_not_utf8')):
            for headers in (MEMBER_A, ADMIN):
                with self.subTest(path=path, headers=headers):
                    self.assert_400(self._call(path, headers), code)

    def test_text_filters_reach_the_database(self):
        # Valid text beyond ASCII and control characters other than NUL
        # are ordinary values: no match, no error.
        for query in ('name=%C3%A9%F0%9F%98%80', 'name=a%01b',
                      'owner=%E2%80%AE'):
            with self.subTest(query=query):
                response = self._call('/v2/images?' + query, ADMIN)
                self.assertEqual(200, response.status_code, response.text)
                self.assertEqual([], response.json['images'])

    def test_image_list_checks_before_the_owner_shortcut(self):
        # Another project's images are known to be invisible without a
        # query; the parameters are still checked (200 [] before).
        other = api_fixtures.PROJECT_B
        for query, code in (
                ('owner=%s&sort_key=bogus&status=bogus' % other,
                 'image.invalid_sort_key'),
                ('owner=%s&status=bogus' % other, 'image.unknown_status'),
                ('owner=%s&sort_dir=up' % other, 'image.invalid_sort_dir'),
                ('owner=%s&marker=x' % other, 'image.invalid_marker'),
                ('owner=%s&visibility=everyone' % other, 'image.invalid'),
                ('owner=%s&limit=-1' % other, 'image.invalid_limit')):
            with self.subTest(query=query):
                self.assert_400(self._call('/v2/images?' + query), code)
        response = self._call('/v2/images?owner=%s&status=active' % other)
        self.assertEqual(200, response.status_code)
        self.assertEqual([], response.json['images'])

    def test_nul_in_a_body_is_a_4xx(self):
        for body in (b'{"type": "no\\u0000op", "input": {"atoms": 1}}',
                     b'{"type": "noop", "input": {"atoms": 1, '
                     b'"x\\u0000": "\\u0000"}}'):
            with self.subTest(body=body):
                response = self._call('/v2/tasks', method='POST', body=body)
                self.assertEqual(400, response.status_code, response.text)


class TestHostileSQLite(HostileTests, testtools.TestCase):
    BACKEND = 'sqlite'


class TestHostilePostgreSQL(HostileTests, testtools.TestCase):
    BACKEND = 'postgresql'
