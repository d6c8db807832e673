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

"""The request context from identity headers: empty means absent."""

import json

import webob
import webob.dec

from glance_tasks.api import auth
from glance_tasks.api import util
from glance_tasks import context as gt_context
from glance_tasks.tests import base


def _environ(**headers):
    return {'HTTP_' + name.upper().replace('-', '_'): value
            for name, value in headers.items()}


class TestFromEnviron(base.TestCase):

    def test_empty_project_id_is_absent(self):
        context = gt_context.RequestContext.from_environ(_environ(
            **{'X-Project-Id': '', 'X-Tenant-Id': 'p2'}))
        self.assertEqual('p2', context.project_id)

    def test_empty_role_names_are_dropped(self):
        context = gt_context.RequestContext.from_environ(_environ(
            **{'X-Roles': 'admin,,member, '}))
        self.assertEqual(['admin', 'member'], context.roles)

    def test_identity(self):
        self.assertFalse(gt_context.has_identity({}))
        self.assertFalse(gt_context.has_identity(_environ(
            **{'X-Project-Id': ' ', 'X-Auth-Token': 'tok',
               'User-Agent': 'x'})))
        for name in ('X-User-Id', 'X-Tenant', 'X-Roles', 'X-Domain-Id'):
            with self.subTest(name=name):
                self.assertTrue(gt_context.has_identity(
                    _environ(**{name: 'v'})))


class TestNoauthRoles(base.TestCase):

    def _roles(self, **headers):
        environ = _environ(**headers)
        context = gt_context.RequestContext.from_environ(environ)
        return tuple(auth._noauth_roles(environ, context))

    def test_nobody_is_the_admin(self):
        self.assertEqual(auth.NOAUTH_ANONYMOUS_ROLES, self._roles())

    def test_a_project_is_a_member(self):
        self.assertEqual(auth.NOAUTH_PROJECT_ROLES,
                         self._roles(**{'X-Project-Id': 'p'}))

    def test_a_user_alone_has_no_role(self):
        self.assertEqual((), self._roles(**{'X-User-Id': 'bob'}))
        self.assertEqual((), self._roles(**{'X-Tenant-Id': '',
                                            'X-User-Id': 'bob'}))


class TestServiceCatalog(base.TestCase):
    """The catalog comes from auth_token's header, under keystone only."""

    CATALOG = [{'type': 'image', 'endpoints': [
        {'region': 'R', 'publicURL': 'http://r'}]}]

    def context_of(self, noauth, header):
        seen = {}

        @webob.dec.wsgify
        def app(req):
            seen['context'] = req.environ[util.CONTEXT_KEY]
            return webob.Response()
        environ = {'HTTP_X_PROJECT_ID': 'p', 'HTTP_X_ROLES': 'member'}
        if header is not None:
            environ['HTTP_X_SERVICE_CATALOG'] = header
        webob.Request.blank('/', environ=environ).get_response(
            auth.ContextMiddleware(app, noauth=noauth))
        return seen['context']

    def test_keystone_catalog_is_kept(self):
        context = self.context_of(False, json.dumps(self.CATALOG))
        self.assertEqual(self.CATALOG, context.service_catalog)
        self.assertNotIn('service_catalog', context.to_dict())

    def test_unreadable_catalog_is_empty(self):
        self.assertEqual([], self.context_of(False, '{not json').
                         service_catalog)
        self.assertEqual([], self.context_of(False, None).service_catalog)

    def test_noauth_ignores_a_clients_catalog(self):
        self.assertIsNone(self.context_of(
            True, json.dumps(self.CATALOG)).service_catalog)
