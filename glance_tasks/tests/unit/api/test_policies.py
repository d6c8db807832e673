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
