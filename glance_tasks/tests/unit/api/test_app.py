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

"""The middleware pipeline: auth strategies, size limit, healthcheck."""

import io

from keystonemiddleware import auth_token
import webob

from glance_tasks.api import app as app_mod
from glance_tasks.tests import base


class _NoService:
    """The handlers reached here never touch the service."""


class TestPipeline(base.TestCase):

    def _app(self, **api_overrides):
        for name, value in api_overrides.items():
            self.conf.set_override(name, value, group='api')
        return app_mod.make_app(self.conf, _NoService())

    def test_keystone_refuses_a_request_without_token(self):
        for group, options in auth_token.list_opts():
            self.conf.register_opts(options, group=group)
        self.conf.set_override('www_authenticate_uri',
                               'http://keystone.invalid/identity',
                               group='keystone_authtoken')
        application = self._app(auth_strategy='keystone')
        response = webob.Request.blank('/v2/tasks').get_response(application)
        self.assertEqual(401, response.status_code)
        self.assertIn('WWW-Authenticate', response.headers)
        error = response.json_body['errors'][0]
        self.assertEqual('image.unauthorized', error['code'])
        self.assertTrue(response.headers['x-openstack-request-id']
                        .startswith('req-'))

    def test_keystone_misconfigured_is_a_json_500(self):
        # No [keystone_authtoken] at all: auth_token cannot say where to
        # authenticate. The answer is still JSON, with no traceback.
        application = self._app(auth_strategy='keystone')
        response = webob.Request.blank('/v2/tasks').get_response(application)
        self.assertEqual(500, response.status_code)
        self.assertNotIn('Traceback', response.text)
        self.assertEqual('image.internal_error',
                         response.json_body['errors'][0]['code'])

    def test_versions_need_no_token(self):
        application = self._app(auth_strategy='keystone')
        for path, status in (('/', 300), ('/versions', 200)):
            response = webob.Request.blank(path).get_response(application)
            self.assertEqual(status, response.status_code)
            self.assertEqual('v2.12',
                             response.json_body['versions'][0]['id'])
        response = webob.Request.blank('/', method='POST').get_response(
            application)
        self.assertEqual(405, response.status_code)
        self.assertEqual('image.method_not_allowed',
                         response.json_body['errors'][0]['code'])

    def test_healthcheck_needs_no_token(self):
        application = self._app(auth_strategy='keystone')
        response = webob.Request.blank('/healthcheck').get_response(
            application)
        self.assertEqual(200, response.status_code)

    def test_chunked_body_over_the_limit(self):
        application = self._app(max_request_body_size=100)
        req = webob.Request.blank('/v2/tasks', method='POST')
        req.content_type = 'application/json'
        req.body_file = io.BytesIO(b'{"type": "' + b'x' * 500 + b'"}')
        req.environ.pop('CONTENT_LENGTH', None)
        req.headers['Transfer-Encoding'] = 'chunked'
        response = req.get_response(application)
        self.assertEqual(413, response.status_code, response.text)
        self.assertEqual('image.request_entity_too_large',
                         response.json_body['errors'][0]['code'])

    def test_limit_is_ours_not_oslo_middlewares(self):
        application = self._app(max_request_body_size=10)
        req = webob.Request.blank('/v2/tasks', method='POST',
                                  body=b'{"type": "noop", "input": {}}')
        req.content_type = 'application/json'
        response = req.get_response(application)
        self.assertEqual(413, response.status_code)
        self.assertIn('limit of 10 bytes', response.text)
        self.assertNotIn('max_request_body_size', self.conf.oslo_middleware)
