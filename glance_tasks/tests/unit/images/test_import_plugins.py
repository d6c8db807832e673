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

"""The import plugins, each run in a real TaskFlow engine with services.

The flows here are the chain :func:`import_plugins.chain` builds from the
configuration, loaded from the installed entry points, run by TaskFlow's
engine on a real database; a failing atom after them makes the engine
run their reverts.
"""

import os

from oslo_utils import uuidutils
from taskflow import engines
from taskflow.patterns import linear_flow
from taskflow import task
import testtools

from glance_tasks import conf as gt_conf
from glance_tasks.db import images as image_db
from glance_tasks.db.sqlalchemy import models
from glance_tasks.images import errors
from glance_tasks.images import import_plugins
from glance_tasks.images.import_plugins import image_conversion
from glance_tasks.images.import_plugins import inject_image_metadata
from glance_tasks.images.import_plugins import no_op
from glance_tasks.images.import_plugins import runner
from glance_tasks.images import inspect
from glance_tasks.task_types import base as type_base
from glance_tasks.tests import base
from glance_tasks.tests.unit.db import helpers
from glance_tasks.tests.unit.images import fixtures as image_fixtures


class StoreFailed(Exception):
    pass


class FailingStore(task.Task):
    """Stands for the store step after the plugins: it fails."""

    def execute(self, final):
        raise StoreFailed('the store is full')


class PluginTestCase(helpers.DbHelpers, base.DbTestCase):

    DISK_FORMAT = 'raw'

    def setUp(self):
        super().setUp()
        self.services = type_base.Services(self.conf)
        self.image = self.services.images.create(self.context, {
            'id': uuidutils.generate_uuid(), 'name': 'cirros',
            'owner': 'project-a', 'disk_format': self.DISK_FORMAT,
            'container_format': 'bare'}, {'support': 'user-given'})
        self.work_dir = self.conf.image_import.work_dir
        os.makedirs(self.work_dir, exist_ok=True)

    def use_plugins(self, *names):
        self.conf.set_override('image_import_plugins', list(names),
                               group='image_import_opts')

    def run_chain(self, data, fail=False, **store):
        """Run the configured chain on ``data``; its final value."""
        atoms, provides = import_plugins.chain(self.conf)
        flow = linear_flow.Flow('plugins')
        flow.add(*atoms)
        if fail:
            flow.add(FailingStore(rebind={'final': provides}))
        engine = engines.load(flow, store=dict(
            store, staged=data, image_id=self.image.id,
            **{type_base.SERVICES: self.services}))
        engine.run()
        return engine.storage.fetch(provides)

    def properties(self):
        return image_db.get_properties(self.context, self.image.id)

    def events(self):
        return [row['event_type'] for row in
                self.select_rows(models.OutboxNotification)]


class TestChain(PluginTestCase):

    def test_no_plugin_by_default(self):
        self.assertEqual([], self.conf.image_import_opts.image_import_plugins)
        self.assertEqual(([], 'staged'), import_plugins.chain(self.conf))
        self.assertEqual(([], 'data'),
                         import_plugins.chain(self.conf, source='data'))
        data = {'path': '/x', 'disk_format': 'raw'}
        self.assertEqual(data, self.run_chain(data))

    def test_order_and_names_come_from_the_config(self):
        for names in (('inject_image_metadata', 'no_op', 'image_conversion'),
                      ('image_conversion', 'inject_image_metadata')):
            self.use_plugins(*names)
            atoms, provides = import_plugins.chain(self.conf)
            classes = {'no_op': no_op.NoOp,
                       'image_conversion': image_conversion.ImageConversion,
                       'inject_image_metadata':
                           inject_image_metadata.InjectImageMetadata}
            self.assertEqual([classes[name] for name in names],
                             [type(atom) for atom in atoms])
            # Each takes the one before's data and gives the next.
            requires = 'staged'
            for atom in atoms:
                self.assertEqual(requires, atom.rebind['data'])
                requires = atom.data_name
                self.assertIn(requires, atom.provides)
            self.assertEqual(requires, provides)
            self.assertEqual(len(names), len({atom.name for atom in atoms}))

    def test_glance_syntax_in_a_config_file(self):
        path = os.path.join(self.state_path, 'plugins.conf')
        with open(path, 'w') as f:
            f.write('[image_import_opts]\n'
                    'image_import_plugins = [image_conversion, no_op]\n'
                    '[inject_metadata_properties]\n'
                    'inject = cloud:example,support:none\n')
        conf = gt_conf.load(args=['--config-file', path])
        self.assertEqual(['image_conversion', 'no_op'],
                         conf.image_import_opts.image_import_plugins)
        self.assertEqual(['admin'],
                         conf.inject_metadata_properties.ignore_user_roles)
        self.assertEqual({'cloud': 'example', 'support': 'none'},
                         conf.inject_metadata_properties.inject)
        self.assertEqual('raw', conf.image_conversion.output_format)
        atoms, _provides = import_plugins.chain(conf)
        self.assertEqual(['import-plugin-1-image_conversion',
                          'import-plugin-2-no_op'],
                         [atom.name for atom in atoms])

    def test_a_plugin_that_is_not_installed(self):
        self.use_plugins('image_conversion', 'image_decompression')
        error = self.assertRaises(errors.ImportPluginUnknown,
                                  import_plugins.chain, self.conf)
        self.assertEqual(
            'The import plugins image_decompression named in '
            '[image_import_opts] image_import_plugins are not installed '
            '(installed: image_conversion, inject_image_metadata, no_op); '
            'the cloud operator must fix the configuration.',
            error.message)

    @testtools.skipUnless(image_fixtures.QEMU_IMG,
                          'qemu-img is not installed')
    def test_chain_runs_in_order_and_reverts_all(self):
        self.use_plugins('inject_image_metadata', 'no_op',
                         'image_conversion')
        self.conf.set_override('output_format', 'qcow2',
                               group='image_conversion')
        self.conf.set_override('inject', {'cloud': 'example'},
                               group='inject_metadata_properties')
        staged = image_fixtures.make_image(self.work_dir, self.image.id)
        data = {'path': staged}
        self.assertRaises(StoreFailed, self.run_chain, data, fail=True)
        self.assertEqual({'support': 'user-given'}, self.properties())
        self.assertEqual([self.image.id], os.listdir(self.work_dir))
        final = self.run_chain(data)
        self.assertEqual({'path': staged + '.qcow2', 'disk_format': 'qcow2'},
                         final)
        self.assertEqual('example', self.properties()['cloud'])


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class TestImageConversion(PluginTestCase):

    DISK_FORMAT = 'qcow2'

    def setUp(self):
        super().setUp()
        self.use_plugins('image_conversion')
        self.size = 3 * 1024 * 1024
        self.staged = image_fixtures.make_image(
            self.work_dir, self.image.id, 'qcow2', size=self.size)

    def test_converts_to_the_output_format(self):
        final = self.run_chain({'path': self.staged})
        dest = self.staged + '.raw'
        self.assertEqual({'path': dest, 'disk_format': 'raw'}, final)
        self.assertEqual({'format': 'raw', 'virtual_size': self.size},
                         inspect.inspect(dest, 'raw'))
        self.assertEqual(self.size, os.path.getsize(dest))
        raw = image_fixtures.make_image(self.state_path, 'expected.raw',
                                        size=self.size)
        with open(raw, 'rb') as a, open(dest, 'rb') as b:
            self.assertEqual(a.read(), b.read())
        # The source stays: after a crash the atom runs again from it.
        self.assertTrue(os.path.exists(self.staged))

    def test_revert_removes_the_converted_file(self):
        self.assertRaises(StoreFailed, self.run_chain,
                          {'path': self.staged}, fail=True)
        self.assertEqual([self.image.id], os.listdir(self.work_dir))

    def test_format_from_the_data_dict_wins(self):
        self.conf.set_override('output_format', 'vmdk',
                               group='image_conversion')
        raw = image_fixtures.make_image(self.work_dir, 'other',
                                        size=self.size)
        final = self.run_chain({'path': raw, 'disk_format': 'raw'})
        self.assertEqual({'path': raw + '.vmdk', 'disk_format': 'vmdk'},
                         final)
        self.assertEqual('vmdk', inspect.inspect(final['path'],
                                                 'vmdk')['format'])

    def test_data_already_in_the_output_format_is_kept(self):
        self.conf.set_override('output_format', 'qcow2',
                               group='image_conversion')
        final = self.run_chain({'path': self.staged})
        self.assertEqual({'path': self.staged, 'disk_format': 'qcow2'},
                         final)
        self.assertEqual([self.image.id], os.listdir(self.work_dir))
        # Its revert leaves the source alone.
        self.assertRaises(StoreFailed, self.run_chain,
                          {'path': self.staged}, fail=True)
        self.assertEqual([self.image.id], os.listdir(self.work_dir))

    def test_real_format_checked_before_qemu_img_runs(self):
        raw = image_fixtures.make_image(self.work_dir, 'claims-qcow2')
        error = self.assertRaises(errors.FormatMismatch, self.run_chain,
                                  {'path': raw, 'disk_format': 'qcow2'})
        self.assertEqual(('raw', 'qcow2'), (error.kwargs['actual'],
                                            error.kwargs['expected']))
        self.assertFalse(os.path.exists(raw + '.raw'))

    def test_unsafe_source_refused(self):
        backing = image_fixtures.make_image(self.state_path, 'base.qcow2',
                                            'qcow2')
        os.unlink(self.staged)
        image_fixtures.make_image(self.work_dir, self.image.id, 'qcow2',
                                  backing=backing)
        error = self.assertRaises(errors.UnsafeImage, self.run_chain,
                                  {'path': self.staged})
        self.assertIn('it has a backing file', error.message)
        self.assertEqual([self.image.id], os.listdir(self.work_dir))

    def test_virtual_size_over_the_cap(self):
        self.conf.set_override('max_image_size', self.size - 1,
                               group='image_import')
        error = self.assertRaises(errors.ImageTooLarge, self.run_chain,
                                  {'path': self.staged})
        self.assertIn('its virtual size, %d bytes' % self.size,
                      error.message)
        self.assertEqual([self.image.id], os.listdir(self.work_dir))

    def test_image_deleted_meanwhile(self):
        self.services.images.delete(self.context, self.image)
        error = self.assertRaises(errors.ImageGone, self.run_chain,
                                  {'path': self.staged})
        self.assertIn('was deleted', error.message)


class TestInjectImageMetadata(PluginTestCase):

    INJECT = {'cloud': 'example', 'support': 'none',
              'os_glance_import_task': 'forged', 'name': 'renamed'}

    def setUp(self):
        super().setUp()
        self.use_plugins('inject_image_metadata')
        self.conf.set_override('inject', self.INJECT,
                               group='inject_metadata_properties')
        self.data = {'path': '/staged', 'disk_format': 'raw'}

    def test_injects_the_allowed_properties(self):
        self.assertEqual(self.data, self.run_chain(self.data))
        self.assertEqual({'cloud': 'example', 'support': 'none'},
                         self.properties())
        image = image_db.get(self.context, self.image.id)
        self.assertEqual('cirros', image.name)
        self.assertEqual(['image.create', 'image.update'], self.events())

    def test_revert_removes_what_it_added_and_restores_what_it_replaced(
            self):
        self.assertRaises(StoreFailed, self.run_chain, self.data,
                          fail=True)
        self.assertEqual({'support': 'user-given'}, self.properties())
        self.assertEqual(['image.create', 'image.update', 'image.update'],
                         self.events())

    def test_revert_keeps_properties_that_were_already_so(self):
        image_db.set_property(self.context, self.image.id, 'cloud',
                              'example')
        self.assertRaises(StoreFailed, self.run_chain, self.data,
                          fail=True)
        self.assertEqual({'support': 'user-given', 'cloud': 'example'},
                         self.properties())

    def test_ignored_roles(self):
        self.run_chain(self.data, user_roles=['member', 'admin'])
        self.assertEqual({'support': 'user-given'}, self.properties())
        self.assertEqual(['image.create'], self.events())
        self.run_chain(self.data, user_roles=['member'])
        self.assertEqual('example', self.properties()['cloud'])

    def test_no_ignored_roles(self):
        self.conf.set_override('ignore_user_roles', [],
                               group='inject_metadata_properties')
        self.run_chain(self.data, user_roles=['admin'])
        self.assertEqual('example', self.properties()['cloud'])

    def test_nothing_to_inject(self):
        self.conf.set_override('inject', {'os_glance_x': 'y'},
                               group='inject_metadata_properties')
        self.assertRaises(StoreFailed, self.run_chain, self.data,
                          fail=True)
        self.assertEqual({'support': 'user-given'}, self.properties())
        self.assertEqual(['image.create'], self.events())


class TestRunPlugins(PluginTestCase):
    """The plugins as one atom, reading the list when it runs."""

    def setUp(self):
        super().setUp()
        self.conf.set_override('inject', {'cloud': 'example'},
                               group='inject_metadata_properties')
        # Built before the list is set: the flow is the same whatever
        # the configuration of the process that builds it.
        self.flow_atoms = [runner.RunPlugins(source='staged',
                                             provides='plugged')]

    def run_atom(self, data, fail=False, **store):
        flow = linear_flow.Flow('plugins')
        flow.add(*self.flow_atoms)
        if fail:
            flow.add(FailingStore(rebind={'final': 'plugged'}))
        engine = engines.load(flow, store=dict(
            store, staged=data, image_id=self.image.id,
            **{type_base.SERVICES: self.services}))
        engine.run()
        return engine.storage.fetch('plugged')

    def test_no_plugin_passes_the_data_on(self):
        data = {'path': '/staged', 'disk_format': 'raw'}
        self.assertEqual(data, self.run_atom(data))
        self.assertEqual(['image.create'], self.events())

    @testtools.skipUnless(image_fixtures.QEMU_IMG,
                          'qemu-img is not installed')
    def test_runs_them_in_order_and_reverts_them_all(self):
        self.use_plugins('inject_image_metadata', 'image_conversion')
        staged = image_fixtures.make_image(self.work_dir, self.image.id,
                                           'qcow2')
        data = {'path': staged, 'disk_format': 'qcow2'}
        self.assertRaises(StoreFailed, self.run_atom, data, fail=True)
        self.assertEqual({'support': 'user-given'}, self.properties())
        self.assertEqual([self.image.id], os.listdir(self.work_dir))
        self.assertEqual({'path': staged + '.raw', 'disk_format': 'raw'},
                         self.run_atom(data))
        self.assertEqual('example', self.properties()['cloud'])

    @testtools.skipUnless(image_fixtures.QEMU_IMG,
                          'qemu-img is not installed')
    def test_a_failing_plugin_reverts_those_before_it(self):
        self.use_plugins('inject_image_metadata', 'no_op',
                         'image_conversion')
        raw = image_fixtures.make_image(self.work_dir, self.image.id)
        error = self.assertRaises(errors.FormatMismatch, self.run_atom,
                                  {'path': raw, 'disk_format': 'qcow2'})
        self.assertEqual('raw', error.kwargs['actual'])
        self.assertEqual({'support': 'user-given'}, self.properties())
        self.assertEqual(['image.create', 'image.update', 'image.update'],
                         self.events())

    def test_roles_reach_the_plugins(self):
        self.use_plugins('inject_image_metadata')
        self.run_atom({'path': '/staged'}, user_roles=['admin'])
        self.assertEqual({'support': 'user-given'}, self.properties())
        self.run_atom({'path': '/staged'}, user_roles=['member'])
        self.assertEqual('example', self.properties()['cloud'])

    def test_a_plugin_that_is_not_installed(self):
        self.use_plugins('no_op', 'nope')
        self.assertRaises(errors.ImportPluginUnknown, self.run_atom,
                          {'path': '/staged'})
