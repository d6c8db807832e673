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

"""Bytes that are not text in a path, query or header: a 400, any route.

Over the real application: the check runs before routing, so these
requests never reach a handler or the service.
"""

import webob

from glance_tasks.api import app as app_mod
from glance_tasks.tests import base


class _NoService:
    """Nothing here may reach the service."""


ROUTES = ('/', '/versions', '/healthcheck', '/v2/tasks', '/v2/images',
          '/v2/tasks/11111111-1111-4111-8111-111111111111',
          '/v2/images/11111111-1111-4111-8111-111111111111/tasks',
          '/v2/schemas/task', '/v2/openapi.json', '/nowhere')


class TestRequestText(base.TestCase):

    def setUp(self):
        super().setUp()
        self.app = app_mod.make_app(self.conf, _NoService())

    def _call(self, environ_overrides=None, path='/v2/tasks', **headers):
        req = webob.Request.blank(path, headers=headers)
        req.environ.update(environ_overrides or {})
        return req.get_response(self.app)

    def assert_refused(self, response, code, *words):
        self.assertEqual(400, response.status_code, response.text)
        self.assertEqual('application/json', response.content_type)
        error = response.json_body['errors'][0]
        self.assertEqual(code, error['code'])
        for word in words:
            self.assertIn(word.lower(), error['detail'].lower())
        self.assertTrue(response.headers['x-openstack-request-id'])

    def test_path_not_utf8(self):
        # What a PEP 3333 server hands over for /v2/tasks/%ff%fe.
        for path in ROUTES:
            with self.subTest(path=path):
                response = self._call(
                    {'PATH_INFO': (path + '\xff\xfe')})
                self.assert_refused(response, 'image.request_not_utf8',
                                    'path', '0xff')

    def test_blank_percent_encoded_path(self):
        self.assert_refused(webob.Request.blank(
            '/v2/tasks/%ff%fe').get_response(self.app),
            'image.request_not_utf8', 'path')

    def test_query_value_and_name_not_utf8(self):
        for path in ROUTES:
            with self.subTest(path=path):
                self.assert_refused(
                    self._call({'QUERY_STRING': 'status=%ff'}, path),
                    'image.request_not_utf8',
                    "value of query parameter 'status'")
                self.assert_refused(
                    self._call({'QUERY_STRING': '%ff=1'}, path),
                    'image.request_not_utf8', 'name of a query parameter')

    def test_query_raw_bytes_and_separators(self):
        # Raw (not percent-encoded) bytes, a surrogate, webob's ';'.
        for query in ('name=\xff', 'name=%ed%a0%80', 'limit=1;%fe=2',
                      'a=%c3', 'a=b&%80'):
            with self.subTest(query=query):
                self.assert_refused(self._call({'QUERY_STRING': query}),
                                    'image.request_not_utf8')

    def test_nul_in_query_path_or_header(self):
        self.assert_refused(self._call({'QUERY_STRING': 'name=a%00b'},
                                       '/v2/images'),
                            'image.nul_in_request', "'name'", 'NUL')
        self.assert_refused(self._call({'QUERY_STRING': 'a%00=1'}),
                            'image.nul_in_request')
        self.assert_refused(self._call({'PATH_INFO': '/v2/tasks/a\x00'}),
                            'image.nul_in_request', 'path')
        self.assert_refused(self._call(**{'X-Project-Id': 'p\x00'}),
                            'image.nul_in_request', 'X-Project-Id')

    def test_identity_header_not_utf8(self):
        for name in ('X-Project-Id', 'X-Tenant-Id', 'X-User-Id', 'X-Roles',
                     'X-Auth-Token', 'X-Forwarded-Host',
                     'OpenStack-Request-Id'):
            with self.subTest(name=name):
                self.assert_refused(self._call(**{name: 'p\xff2'}),
                                    'image.request_not_utf8', name)

    def test_text_passes(self):
        # Valid UTF-8 beyond ASCII is text: it reaches the router.
        response = self._call({'QUERY_STRING': 'x=%C3%A9'}, '/versions')
        self.assertEqual(200, response.status_code, response.text)
        response = self._call({'PATH_INFO': '/v2/schemas/t\xc3\xa9'})
        self.assertEqual(404, response.status_code)
        self.assertIn('/v2/schemas/t%C3%A9', response.json_body['message'])
        response = self._call(path='/versions',
                              **{'User-Agent': 'odd\xff agent'})
        self.assertEqual(200, response.status_code)
