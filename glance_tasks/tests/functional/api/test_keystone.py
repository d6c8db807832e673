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

"""``[api] auth_strategy = keystone``: identity comes from the token.

keystonemiddleware's own AuthTokenFixture answers token validation, so
the real auth_token middleware runs without a Keystone server.
"""

from keystonemiddleware import auth_token
from keystonemiddleware import fixture as ksm_fixture
import testtools
import webob

from glance_tasks.tests.functional.api import fixtures

READER_TOKEN = 'token-reader-a'
MEMBER_TOKEN = 'token-member-a'


class TestKeystone(testtools.TestCase):

    def setUp(self):
        super().setUp()
        tokens = self.useFixture(ksm_fixture.AuthTokenFixture())
        tokens.add_token_data(token_id=READER_TOKEN,
                              project_id=fixtures.PROJECT_A,
                              user_id='reader', role_list=['reader'])
        tokens.add_token_data(token_id=MEMBER_TOKEN,
                              project_id=fixtures.PROJECT_A,
                              user_id='member',
                              role_list=['member', 'reader'])
        self.env = fixtures.APIEnvironment(
            {('auth_strategy', 'api'): 'keystone'},
            before_app=self._keystone_options)
        self.addCleanup(self.env.stop)
        self.env.seed_images()

    @staticmethod
    def _keystone_options(conf):
        for group, options in auth_token.list_opts():
            conf.register_opts(options, group=group)
        conf.set_override('www_authenticate_uri',
                          'http://keystone.invalid/identity',
                          group='keystone_authtoken')

    def _call(self, path, method='GET', body=None, **headers):
        req = webob.Request.blank(path, method=method, headers=headers)
        if body is not None:
            req.body = body
            req.content_type = 'application/json'
        return req.get_response(self.env.app)

    def test_no_token_is_401(self):
        response = self._call('/v2/tasks')
        self.assertEqual(401, response.status_code)
        self.assertEqual('image.unauthorized',
                         response.json_body['errors'][0]['code'])

    def test_bad_token_is_401(self):
        self.assertEqual(401, self._call(
            '/v2/tasks', **{'X-Auth-Token': 'forged'}).status_code)

    def test_member_creates_reader_reads(self):
        body = b'{"type": "noop", "input": {"atoms": 1}}'
        created = self._call('/v2/tasks', 'POST', body,
                             **{'X-Auth-Token': MEMBER_TOKEN})
        self.assertEqual(201, created.status_code)
        self.assertEqual(fixtures.PROJECT_A, created.json_body['owner'])
        self.assertEqual('member', created.json_body['user_id'])
        listed = self._call('/v2/tasks', **{'X-Auth-Token': READER_TOKEN})
        self.assertEqual([created.json_body['id']],
                         [task['id'] for task in listed.json_body['tasks']])
        refused = self._call('/v2/tasks', 'POST', body,
                             **{'X-Auth-Token': READER_TOKEN})
        self.assertEqual(403, refused.status_code)

    def test_identity_headers_cannot_be_forged(self):
        forged = self._call('/v2/tasks', **{
            'X-Auth-Token': READER_TOKEN, 'X-Roles': 'admin',
            'X-Project-Id': fixtures.PROJECT_B})
        self.assertEqual(200, forged.status_code)
        # Still project A's reader: project B's image is not visible.
        image = self._call('/v2/images/' + fixtures.IMAGES['OTHER_IMAGE'][0],
                           **{'X-Auth-Token': READER_TOKEN,
                              'X-Roles': 'admin'})
        self.assertEqual(404, image.status_code)
