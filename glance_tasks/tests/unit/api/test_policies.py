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

"""oslo.policy defaults: personas and who may do what."""

import os

import fixtures
from oslo_policy import opts as policy_opts
from oslo_policy import policy as oslo_policy

from glance_tasks import context as gt_context
from glance_tasks import policies
from glance_tasks.tests import base


class TestRules(base.TestCase):

    def setUp(self):
        super().setUp()
        self.enforcer = policies.make_enforcer(self.conf)

    def _allowed(self, rule, roles, project, target_project):
        context = gt_context.RequestContext(project_id=project, roles=roles)
        return self.enforcer.authorize(rule, {'project_id': target_project},
                                       context)

    def test_rule_names_are_glances(self):
        names = {rule.name for rule in policies.list_rules()}
        self.assertEqual(set(), {'context_is_admin', 'get_task', 'get_tasks',
                                 'add_task', 'get_image', 'get_images',
                                 'delete_image', 'deactivate',
                                 'reactivate'} - names)

    def test_every_documented_rule_has_operations(self):
        for rule in policies.list_rules():
            if isinstance(rule, oslo_policy.DocumentedRuleDefault):
                self.assertTrue(rule.operations)
                self.assertGreater(len(rule.description), 10)

    def test_reader_reads_own_project_only(self):
        self.assertTrue(self._allowed('get_task', ['reader'], 'a', 'a'))
        self.assertFalse(self._allowed('get_task', ['reader'], 'a', 'b'))
        self.assertFalse(self._allowed('add_task', ['reader'], 'a', 'a'))

    def test_member_creates_in_own_project(self):
        self.assertTrue(self._allowed('add_task', ['member'], 'a', 'a'))
        self.assertFalse(self._allowed('add_task', ['member'], 'a', 'b'))

    def test_admin_everything(self):
        for rule in ('get_task', 'add_task', 'delete_image', 'deactivate'):
            self.assertTrue(self._allowed(rule, ['admin'], 'a', 'b'))

    def test_copy_image_is_for_the_admin(self):
        self.assertTrue(self._allowed('copy_image', ['admin'], 'a', 'b'))
        self.assertFalse(self._allowed('copy_image', ['member'], 'a', 'a'))
        # Stage and the other import methods are modify_image's (Glance).
        self.assertTrue(self._allowed('modify_image', ['member'], 'a', 'a'))

    def test_no_role_nothing(self):
        self.assertFalse(self._allowed('get_tasks', [], 'a', 'a'))

    def test_get_enforcer_for_oslopolicy_tools(self):
        enforcer = policies.get_enforcer()
        enforcer.load_rules()
        self.assertIn('add_task', enforcer.registered_rules)


class TestPolicyFileReload(base.TestCase):
    """Changes to the policy file are seen within a second, not per check."""

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'policy.yaml')
        self._write('"add_task": "role:member"\n', mtime=1000)
        policy_opts.set_defaults(self.conf)
        self.conf.set_override('policy_file', self.path,
                               group='oslo_policy')
        self.now = 100.0
        self.enforcer = policies.make_enforcer(self.conf,
                                               clock=lambda: self.now)
        self.context = gt_context.RequestContext(project_id='a',
                                                 roles=['member'])

    def _write(self, text, mtime):
        with open(self.path, 'w') as f:
            f.write(text)
        os.utime(self.path, (mtime, mtime))

    def _member_may_add(self):
        return self.enforcer.authorize('add_task', {'project_id': 'a'},
                                       self.context)

    def test_change_seen_after_the_interval_only(self):
        self.assertTrue(self._member_may_add())
        self._write('"add_task": "role:admin"\n', mtime=2000)
        self.now += 0.5
        self.assertTrue(self._member_may_add())
        self.now += policies.Enforcer.RELOAD_INTERVAL
        self.assertFalse(self._member_may_add())

    def test_forced_reload_at_once(self):
        self.assertTrue(self._member_may_add())
        self._write('"add_task": "role:admin"\n', mtime=2000)
        self.enforcer.load_rules(force_reload=True)
        self.assertFalse(self._member_may_add())

    def test_file_created_later_is_found(self):
        os.unlink(self.path)
        self.enforcer = policies.make_enforcer(self.conf,
                                               clock=lambda: self.now)
        self.assertTrue(self._member_may_add())
        self._write('"add_task": "role:admin"\n', mtime=2000)
        self.now += policies.Enforcer.RELOAD_INTERVAL
        self.assertFalse(self._member_may_add())
