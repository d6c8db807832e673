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

"""Task types loaded with stevedore; only the enabled ones offered."""

import logging
import os
import textwrap

import fixtures

from glance_tasks import exception
from glance_tasks.task_types import base as type_base
from glance_tasks.task_types import noop
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests import base
from glance_tasks.tests.unit.engine import sample_types


class Nested(type_base.TaskType):
    """Validation only: a schema with nested objects and arrays."""

    name = 'nested'
    flow_factory = 'glance_tasks.task_types.noop.build_flow'
    input_schema = {
        'type': 'object',
        'properties': {
            'image_properties': {
                'type': 'object',
                'properties': {
                    'tags': {'type': 'array', 'items': {'type': 'string'}},
                },
            },
        },
        'required': ['image_properties'],
    }


class InstalledPlugins(fixtures.Fixture):
    """A distribution on ``sys.path`` that declares task-type entry points.

    Real discovery: stevedore reads them with importlib.metadata, as it
    reads a third party's package.
    """

    def __init__(self, directory, entry_points):
        super().__init__()
        self.directory = directory
        self.entry_points = entry_points

    def _setUp(self):
        dist_info = os.path.join(self.directory,
                                 'third_party_types-1.0.dist-info')
        os.makedirs(dist_info)
        with open(os.path.join(dist_info, 'METADATA'), 'w') as f:
            f.write('Metadata-Version: 2.1\nName: third-party-types\n'
                    'Version: 1.0\n')
        with open(os.path.join(dist_info, 'entry_points.txt'), 'w') as f:
            f.write('[%s]\n' % registry_mod.NAMESPACE)
            for name, target in self.entry_points.items():
                f.write('%s = %s\n' % (name, target))
        self.useFixture(fixtures.PythonPathEntry(self.directory))
        # stevedore keeps each namespace's entry points for the life of
        # the process; start from a fresh list and leave none behind.
        self.useFixture(fixtures.MonkeyPatch(
            'stevedore.extension.ExtensionManager.ENTRY_POINT_CACHE', {}))


class RegistryTest(base.TestCase):

    def registry(self, enabled):
        return registry_mod.TaskTypeRegistry(
            [noop.Noop, sample_types.Secretive, Nested], enabled)

    def test_enabled_type_is_offered(self):
        registry = self.registry(['noop', 'nested'])
        self.assertIs(noop.Noop, registry.get('noop'))
        self.assertEqual(['nested', 'noop'], registry.enabled_names)

    def test_unknown_type_is_refused_by_name(self):
        exc = self.assertRaises(exception.UnknownTaskType,
                                self.registry(['noop']).get, 'imprt')
        self.assertEqual("Task type 'imprt' is not known; available types: "
                         "noop.", exc.message)

    def test_disabled_type_is_refused_by_name(self):
        exc = self.assertRaises(exception.TaskTypeDisabled,
                                self.registry(['noop']).get, 'secretive')
        self.assertEqual("Task type 'secretive' is not enabled on this "
                         "service; available types: noop.", exc.message)

    def test_nothing_enabled(self):
        exc = self.assertRaises(exception.TaskTypeDisabled,
                                self.registry([]).get, 'noop')
        self.assertIn('available types: none.', exc.message)

    def test_enabled_but_not_installed_is_logged(self):
        logger = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        registry = self.registry(['noop', 'teleport', 'import'])
        self.assertEqual(['noop'], registry.enabled_names)
        self.assertIn('Enabled task type(s) import, teleport are not '
                      'installed.', logger.output)
        self.assertRaises(exception.UnknownTaskType, registry.get,
                          'teleport')

    def test_valid_input_returns_the_type(self):
        registry = self.registry(['noop'])
        self.assertIs(noop.Noop, registry.validate_input(
            'noop', {'atoms': 3, 'sleep': 0.5, 'fail_at': 2}))

    def test_invalid_input_names_the_nested_field(self):
        registry = self.registry(['nested'])
        exc = self.assertRaises(
            exception.InvalidTaskInput, registry.validate_input, 'nested',
            {'image_properties': {'tags': ['a', 3]}})
        self.assertEqual("Invalid input for task type 'nested': "
                         "input.image_properties.tags[1]: 3 is not of type "
                         "'string'", exc.message)

    def test_input_of_a_disabled_type_is_not_checked(self):
        self.assertRaises(exception.TaskTypeDisabled,
                          self.registry(['noop']).validate_input,
                          'nested', {})


class EntryPointTest(base.TestCase):

    def test_noop_is_installed_but_not_enabled_by_default(self):
        registry = registry_mod.TaskTypeRegistry.from_entry_points(self.conf)
        self.assertRaises(exception.TaskTypeDisabled, registry.get, 'noop')
        self.assertNotIn('noop', registry.enabled_names)

    def test_enabled_noop_is_loaded(self):
        self.conf.set_override('enabled_task_types', ['noop'], group='task')
        registry = registry_mod.TaskTypeRegistry.from_entry_points(self.conf)
        self.assertIs(noop.Noop, registry.get('noop'))
        self.assertEqual('glance_tasks.task_types.noop.build_flow',
                         registry.get('noop').flow_factory)

    def test_third_party_type_with_one_entry_point(self):
        self.useFixture(InstalledPlugins(self.state_path, {
            'secretive': '%s:Secretive' % sample_types.MODULE}))
        self.conf.set_override('enabled_task_types', ['noop', 'secretive'],
                               group='task')
        registry = registry_mod.TaskTypeRegistry.from_entry_points(self.conf)
        self.assertEqual(['noop', 'secretive'], registry.enabled_names)
        self.assertIs(sample_types.Secretive, registry.get('secretive'))

    def test_broken_plugin_is_logged_and_the_others_work(self):
        logger = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        self.useFixture(InstalledPlugins(self.state_path, {
            'broken': 'glance_tasks.tests.no_such_plugin:Broken',
            'secretive': '%s:Secretive' % sample_types.MODULE}))
        self.conf.set_override('enabled_task_types',
                               ['noop', 'broken', 'secretive'], group='task')

        registry = registry_mod.TaskTypeRegistry.from_entry_points(self.conf)

        self.assertEqual(['noop', 'secretive'], registry.enabled_names)
        self.assertIn(textwrap.dedent('''\
            Task type broken (glance_tasks.tests.no_such_plugin:Broken) \
could not be loaded and is not offered: No module named \
'glance_tasks.tests.no_such_plugin'
            '''), logger.output)
        exc = self.assertRaises(exception.UnknownTaskType, registry.get,
                                'broken')
        self.assertEqual("Task type 'broken' is not known; available types: "
                         "noop, secretive.", exc.message)
