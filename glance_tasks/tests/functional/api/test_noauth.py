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

"""Who a noauth request is: only a request naming nobody is the admin.

A real app on SQLite holds tasks and images of two projects. Each case
sends identity headers as a careless or hostile client would and checks
what it may see: the embedded admin sees every project, anyone else only
the project it names, and a caller naming no project sees nothing.
"""

import testtools
import webob

from glance_tasks.tests.functional.api import fixtures as api_fixtures

A = api_fixtures.PROJECT_A
B = api_fixtures.PROJECT_B


class TestNoauthIdentity(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.env = api_fixtures.APIEnvironment()
        self.addCleanup(self.env.stop)
        self.images = self.env.seed_images()
        self.task_a = self.env.seed_image_task(self.images['ACTIVE_IMAGE'],
                                               A)
        self.task_b = self.env.seed_image_task(self.images['OTHER_IMAGE'],
                                               B)

    def _get(self, path, headers):
        return webob.Request.blank(path, headers=headers).get_response(
            self.env.app)

    def _owners(self, headers):
        """Owners of the tasks and images a caller lists, or the status."""
        seen = {}
        for noun in ('tasks', 'images'):
            response = self._get('/v2/%s' % noun, headers)
            if response.status_code != 200:
                seen[noun] = response.status_code
            else:
                seen[noun] = {item['owner'] for item in response.json[noun]}
        return seen

    def test_no_identity_header_is_the_embedded_admin(self):
        everyone = {'tasks': {A, B}, 'images': {A, B}}
        self.assertEqual(everyone, self._owners({}))
        # An empty header is no header.
        self.assertEqual(everyone, self._owners({'X-Project-Id': '',
                                                 'X-Roles': ''}))
        # A token proves nothing under noauth; clients send one anyway.
        self.assertEqual(everyone, self._owners({'X-Auth-Token': 'x'}))

    def test_a_user_without_a_project_sees_nothing(self):
        # Taken as the admin before: it listed both projects.
        for headers in ({'X-User-Id': 'bob'}, {'X-User': 'bob'},
                        {'X-User-Id': 'bob', 'X-Project-Id': ''},
                        {'X-Roles': 'member'},
                        {'X-Project-Name': 'demo'},
                        {'X-User-Domain-Id': 'default'}):
            with self.subTest(headers=headers):
                self.assertEqual({'tasks': 403, 'images': 403},
                                 self._owners(headers))
                shown = self._get('/v2/tasks/%s' % self.task_a, headers)
                self.assertEqual(404, shown.status_code)
                image_tasks = self._get('/v2/images/%s/tasks' %
                                        self.images['ACTIVE_IMAGE'],
                                        headers)
                self.assertEqual(404, image_tasks.status_code)

    def test_empty_project_id_falls_back_to_tenant_id(self):
        # Taken as the admin before: X-Project-Id was present, and empty.
        headers = {'X-Project-Id': '', 'X-Tenant-Id': B, 'X-User-Id': 'u'}
        self.assertEqual({'tasks': {B}, 'images': {B}},
                         self._owners(headers))
        self.assertEqual(404, self._get('/v2/tasks/%s' % self.task_a,
                                        headers).status_code)
        self.assertEqual(200, self._get('/v2/tasks/%s' % self.task_b,
                                        headers).status_code)

    def test_whitespace_only_header_is_empty(self):
        headers = {'X-Project-Id': '  ', 'X-Tenant-Id': A}
        self.assertEqual({'tasks': {A}, 'images': {A}},
                         self._owners(headers))

    def test_a_project_without_roles_is_its_member(self):
        self.assertEqual({'tasks': {A}, 'images': {A}},
                         self._owners({'X-Project-Id': A}))
        created = webob.Request.blank(
            '/v2/tasks', method='POST', headers={'X-Project-Id': A},
            body=b'{"type": "noop", "input": {"atoms": 1}}',
            content_type='application/json').get_response(self.env.app)
        self.assertEqual(201, created.status_code, created.text)
        self.assertEqual(A, created.json['owner'])

    def test_a_project_reader_cannot_list_another_project(self):
        headers = {'X-Project-Id': A, 'X-Roles': 'reader'}
        self.assertEqual({'tasks': {A}, 'images': {A}},
                         self._owners(headers))
        listed = self._get('/v2/images?owner=%s' % B, headers)
        self.assertEqual([], listed.json['images'])

    def test_claimed_admin_role_is_trusted(self):
        # noauth trusts what it is told: X-Roles: admin is the admin.
        self.assertEqual({'tasks': {A, B}, 'images': {A, B}},
                         self._owners({'X-Project-Id': A,
                                       'X-Roles': 'admin'}))

    def test_role_names_match_as_oslo_policy_matches_them(self):
        # oslo.context drops the spaces around each name of the list,
        # oslo.policy's role check ignores case: the same under keystone,
        # where auth_token sets X-Roles. Near names are not the role.
        for roles in ('Admin', ' admin ', 'reader, admin'):
            with self.subTest(roles=roles):
                self.assertEqual({'tasks': {A, B}, 'images': {A, B}},
                                 self._owners({'X-Project-Id': A,
                                               'X-Roles': roles}))
        for roles in ('admins', 'xadmin', 'ad min', 'reader;admin'):
            with self.subTest(roles=roles):
                self.assertEqual(403, self._owners(
                    {'X-Project-Id': A, 'X-Roles': roles})['tasks'])
