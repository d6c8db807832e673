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

"""A real Keystone: password tokens, the catalog, the default policy.

``glance-tasks-api`` runs as a process with ``[api] auth_strategy =
keystone`` on the image endpoint ``tools/start-keystone.sh`` registered;
every caller authenticates with a password and finds the API through the
catalog. Skipped when that Keystone is absent, unless
``GLANCE_TASKS_REQUIRE_SERVICES`` is set (then they fail).
``test_keystone`` covers the same rules without a server, faster.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import fixtures
import requests
import testtools

from glance_tasks.tests.functional.api import keystone_service

TIMEOUT = keystone_service.TIMEOUT
IMAGE = {'service_type': 'image', 'interface': 'public'}
NOOP = {'type': 'noop', 'input': {'atoms': 1}}


class RealKeystoneTestCase(testtools.TestCase):
    """One API process per class, the sessions of every test account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clouds = keystone_service.clouds_or_skip()
        cls.api = keystone_service.APIProcess(cls.clouds)
        try:
            cls.api.start()
        except Exception:
            cls._stop_api()
            raise
        cls.sessions = {name: keystone_service.session(cloud)
                        for name, cloud in cls.clouds.items()}

    @classmethod
    def _stop_api(cls):
        cls.api.stop()
        shutil.rmtree(cls.api.state, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls._stop_api()
        super().tearDownClass()

    def call(self, cloud, path, method='GET', body=None):
        """A request as ``cloud``'s user, to the catalog's image endpoint."""
        return self.sessions[cloud].request(
            path, method, endpoint_filter=IMAGE, json=body, raise_exc=False)

    def create_task(self, cloud):
        created = self.call(cloud, '/v2/tasks', 'POST', NOOP)
        self.assertEqual(201, created.status_code, created.text)
        return created.json()

    def listed_ids(self, cloud):
        listed = self.call(cloud, '/v2/tasks?limit=1000')
        self.assertEqual(200, listed.status_code, listed.text)
        return [task['id'] for task in listed.json()['tasks']]

    def project_id(self, cloud):
        return self.sessions[cloud].get_project_id()

    def wait_for_success(self, get_status):
        deadline = time.monotonic() + TIMEOUT
        status = get_status()
        while status not in ('success', 'failure') and \
                time.monotonic() < deadline:
            time.sleep(0.1)
            status = get_status()
        self.assertEqual('success', status)


class TestPolicy(RealKeystoneTestCase):
    """Who may do what, decided from the roles in a real token."""

    def test_member_creates_and_reader_reads(self):
        task = self.create_task('p1-member')
        self.assertEqual(self.project_id('p1-member'), task['owner'])
        self.assertEqual(self.sessions['p1-member'].get_user_id(),
                         task['user_id'])
        shown = self.call('p1-reader', '/v2/tasks/' + task['id'])
        self.assertEqual(200, shown.status_code, shown.text)
        self.assertIn(task['id'], self.listed_ids('p1-reader'))

    def test_reader_may_not_create(self):
        refused = self.call('p1-reader', '/v2/tasks', 'POST', NOOP)
        self.assertEqual(403, refused.status_code, refused.text)
        self.assertEqual('image.policy_not_authorized',
                         refused.json()['errors'][0]['code'])

    def test_other_project_sees_nothing(self):
        task = self.create_task('p1-member')
        hidden = self.call('p2-member', '/v2/tasks/' + task['id'])
        self.assertEqual(404, hidden.status_code, hidden.text)
        self.assertNotIn(task['id'], self.listed_ids('p2-member'))

    def test_admin_sees_every_project(self):
        p1_task = self.create_task('p1-member')
        p2_task = self.create_task('p2-member')
        listed = self.listed_ids('admin')
        self.assertIn(p1_task['id'], listed)
        self.assertIn(p2_task['id'], listed)
        shown = self.call('admin', '/v2/tasks/' + p2_task['id'])
        self.assertEqual(200, shown.status_code, shown.text)
        self.assertEqual(self.project_id('p2-member'),
                         shown.json()['owner'])

    def test_identity_headers_of_the_caller_are_ignored(self):
        task = self.create_task('p2-member')
        forged = self.sessions['p1-reader'].get(
            '/v2/tasks/' + task['id'], endpoint_filter=IMAGE,
            raise_exc=False, headers={
                'X-Roles': 'admin',
                'X-Project-Id': self.project_id('p2-member')})
        self.assertEqual(404, forged.status_code, forged.text)

    def test_no_token_is_401(self):
        refused = requests.get(self.api.url + '/v2/tasks', timeout=TIMEOUT)
        self.assertEqual(401, refused.status_code, refused.text)
        self.assertEqual('image.unauthorized',
                         refused.json()['errors'][0]['code'])
        # Where a client should get a token: www_authenticate_uri.
        self.assertEqual('Keystone uri="http://127.0.0.1:5000"',
                         refused.headers['WWW-Authenticate'])

    def test_forged_token_is_401(self):
        refused = requests.get(self.api.url + '/v2/tasks', timeout=TIMEOUT,
                               headers={'X-Auth-Token': 'gAAAAAforged'})
        self.assertEqual(401, refused.status_code, refused.text)

    def test_revoked_token_is_401(self):
        # A token the API has never seen: auth_token caches the tokens it
        # validated ([keystone_authtoken] token_cache_time), so one used
        # before its revocation is accepted until its cache entry expires.
        token = keystone_service.session(
            self.clouds['p1-member']).get_token()
        openstack(self, 'admin', 'token', 'revoke', token)
        refused = requests.get(self.api.url + '/v2/tasks', timeout=TIMEOUT,
                               headers={'X-Auth-Token': token})
        self.assertEqual(401, refused.status_code, refused.text)
        fresh = keystone_service.session(self.clouds['p1-member'])
        self.assertEqual(200, fresh.get('/v2/tasks', endpoint_filter=IMAGE,
                                        raise_exc=False).status_code)


def openstack(test, cloud, *args):
    """OpenStackClient's output of ``openstack --os-cloud CLOUD ARGS``."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith('OS_')}
    env['OS_CLIENT_CONFIG_FILE'] = keystone_service.clouds_yaml()
    command = [os.path.join(os.path.dirname(sys.executable), 'openstack'),
               '--os-cloud', cloud, *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env,
                          timeout=TIMEOUT, check=False)
    test.assertEqual(0, done.returncode, done.stderr)
    return done.stdout


class TestClients(RealKeystoneTestCase):
    """glanceclient, openstacksdk, OpenStackClient: found in the catalog."""

    def test_glanceclient(self):
        import glanceclient
        from glanceclient import exc
        member = glanceclient.Client('2', session=self.sessions['p1-member'])
        task = member.tasks.create(type='noop', input={'atoms': 2})
        self.assertEqual(self.project_id('p1-member'), task.owner)
        self.assertIn(task.id, [t.id for t in member.tasks.list()])
        self.wait_for_success(lambda: member.tasks.get(task.id).status)
        reader = glanceclient.Client('2', session=self.sessions['p1-reader'])
        self.assertRaises(exc.HTTPForbidden, reader.tasks.create,
                          type='noop', input={'atoms': 1})
        other = glanceclient.Client('2', session=self.sessions['p2-member'])
        self.assertRaises(exc.HTTPNotFound, other.tasks.get, task.id)

    def connect(self, cloud):
        import openstack
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', keystone_service.clouds_yaml()))
        conn = openstack.connect(cloud=cloud)
        self.addCleanup(conn.close)
        return conn

    def test_openstacksdk(self):
        from openstack import exceptions
        member = self.connect('p1-member')
        task = member.image.create_task(type='noop', input={'atoms': 1})
        self.assertIn(task.id, [t.id for t in member.image.tasks()])
        done = member.image.wait_for_task(task, interval=0.1, wait=TIMEOUT)
        self.assertEqual('success', done.status)
        admin = self.connect('admin')
        self.assertIn(task.id, [t.id for t in admin.image.tasks()])
        other = self.connect('p2-member')
        self.assertNotIn(task.id, [t.id for t in other.image.tasks()])
        self.assertRaises(exceptions.NotFoundException,
                          other.image.get_task, task.id)

    def test_openstackclient_task_list_and_show(self):
        task = self.create_task('p1-member')
        self.wait_for_success(lambda: self.call(
            'p1-member', '/v2/tasks/' + task['id']).json()['status'])
        listed = json.loads(openstack(self, 'p1-reader', 'image', 'task',
                                      'list', '-f', 'json'))
        self.assertIn(task['id'], [row['ID'] for row in listed])
        shown = json.loads(openstack(self, 'p1-reader', 'image', 'task',
                                     'show', task['id'], '-f', 'json'))
        self.assertEqual('success', shown['status'])
        self.assertEqual(self.project_id('p1-member'), shown['owner_id'])
        listed = json.loads(openstack(self, 'p2-member', 'image', 'task',
                                      'list', '-f', 'json'))
        self.assertNotIn(task['id'], [row['ID'] for row in listed])
