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

"""The atoms of ``import``: schema, and running again after a crash.

TaskFlow runs an atom again when the process died while it ran, so each
atom must cope with finding its own work (or part of it) already done.
"""

import os

from oslo_utils import uuidutils
import testtools

from glance_tasks.db import images as image_db
from glance_tasks.db.sqlalchemy import models
from glance_tasks.db import tasks as task_db
from glance_tasks import exception
from glance_tasks.task_types import base as type_base
from glance_tasks.task_types import image_import
from glance_tasks.task_types import location_import
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests import base
from glance_tasks.tests.unit.db import helpers
from glance_tasks.tests.unit.images import fixtures as image_fixtures

GLANCE_EXAMPLE = {
    'import_from': 'http://download.cirros-cloud.net/0.6.2/'
                   'cirros-0.6.2-x86_64-disk.img',
    'import_from_format': 'qcow2',
    'image_properties': {'disk_format': 'qcow2',
                         'container_format': 'bare', 'name': 'cirros'},
}


class TestSchemas(base.TestCase):

    def setUp(self):
        super().setUp()
        self.registry = registry_mod.TaskTypeRegistry.from_entry_points(
            self.conf)

    def refused(self, type_name, task_input):
        return self.assertRaises(exception.InvalidTaskInput,
                                 self.registry.validate_input, type_name,
                                 task_input).message

    def test_installed_and_enabled_by_default(self):
        self.assertEqual(['api_image_import', 'import', 'location_import'],
                         self.registry.enabled_names)

    def test_glance_input_accepted(self):
        for task_input in (GLANCE_EXAMPLE, dict(
                GLANCE_EXAMPLE, image_properties={
                    'name': None, 'visibility': 'public', 'min_disk': 1,
                    'protected': False, 'hw_disk_bus': 'scsi'})):
            task_type = self.registry.validate_input('import', task_input)
            self.assertEqual('import', task_type.name)

    def test_missing_keys(self):
        for key in GLANCE_EXAMPLE:
            task_input = dict(GLANCE_EXAMPLE)
            del task_input[key]
            self.assertIn("'%s' is a required property" % key,
                          self.refused('import', task_input))

    def test_bad_values(self):
        for props, words in (
                ({'owner': 'someone-else'}, 'image_properties'),
                ({'size': '1'}, 'image_properties'),
                ({'disk_format': 'exe'}, "'exe' is not one of"),
                ({'min_ram': -1}, 'less than the minimum'),
                ({'hw_disk_bus': 5}, "5 is not of type 'string'")):
            message = self.refused('import', dict(GLANCE_EXAMPLE,
                                                  image_properties=props))
            self.assertIn(words, message, props)
        self.assertIn("'ploop' is not one of", self.refused(
            'import', dict(GLANCE_EXAMPLE, import_from_format='ploop')))
        self.assertIn('Additional properties', self.refused(
            'import', dict(GLANCE_EXAMPLE, extra=1)))

    def test_location_import_schema(self):
        image_id = uuidutils.generate_uuid()
        self.registry.validate_input('location_import', {
            'image_id': image_id, 'url': 'file:///x',
            'validation_data': {'os_hash_algo': 'sha512',
                                'os_hash_value': 'ab' * 64}})
        self.assertIn("'url' is a required property", self.refused(
            'location_import', {'image_id': image_id}))
        self.assertIn("'os_hash_value' is a dependency", self.refused(
            'location_import', {'image_id': image_id, 'url': 'file:///x',
                                'validation_data': {
                                    'os_hash_algo': 'sha512'}}))


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class TestRunAgain(helpers.DbHelpers, base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.source_dir = os.path.join(self.state_path, 'source')
        self.server = self.useFixture(
            image_fixtures.ImageServer(self.source_dir))
        self.conf.set_override('allowed_hosts', ['127.0.0.1'],
                               group='import_filtering_opts')
        self.conf.set_override('allowed_ports', [],
                               group='import_filtering_opts')
        self.services = type_base.Services(self.conf)
        image_fixtures.make_image(self.source_dir, 'a.raw')
        self.url = self.server.url('a.raw')
        self.task = task_db.create(self.context, {
            'id': uuidutils.generate_uuid(), 'type': 'import',
            'owner': 'project-a', 'input': {}})
        self.task_services = self.services.for_task(self.task)
        self.flow = image_import.build_flow(self.task.id, {
            'import_from': self.url, 'import_from_format': 'raw',
            'image_properties': {'name': 'a'}})
        self.atoms = {atom.name: atom for atom in self.flow}

    def test_flow_shape(self):
        # The same flow whatever the configuration of the process that
        # builds it: the convert atom reads conversion_format when it runs
        # (it converts nothing when unset, see the tests below).
        self.assertEqual(['create-image', 'fetch', 'inspect', 'convert',
                          'store', 'activate'],
                         [atom.name for atom in self.flow])
        self.conf.set_override('conversion_format', 'qcow2',
                               group='image_import')
        flow = image_import.build_flow('t', {
            'import_from': self.url, 'import_from_format': 'raw',
            'image_properties': {}})
        self.assertEqual(['create-image', 'fetch', 'inspect', 'convert',
                          'store', 'activate'], [atom.name for atom in flow])
        flow = location_import.build_flow('t', {'image_id': 'i',
                                                'url': 'file:///x'})
        self.assertEqual(['begin-location-import', 'verify-location-data',
                          'add-location'], [atom.name for atom in flow])

    def run_all_twice(self):
        """Run every atom twice in a row, as a crash after each would."""
        values = {'task_id': self.task.id,
                  type_base.SERVICES: self.task_services}
        for atom in self.flow:
            for _attempt in range(2):
                args = {name: values[name] for name in atom.rebind
                        if name in values}
                result = atom.execute(**args)
            provides = atom.provides
            if len(provides) > 1:
                values.update(zip(sorted(atom.save_as,
                                         key=atom.save_as.get), result))
            elif provides:
                values[next(iter(provides))] = result
        return values

    def test_every_atom_can_run_again(self):
        values = self.run_all_twice()
        image = image_db.get(self.context, values['image_id'])
        self.assertEqual('active', image.status)
        self.assertEqual({'image_id': image.id}, values['result'])
        self.assertIsNone(values['converted'])  # no conversion_format
        self.assertEqual('raw', image.disk_format)
        # One image, one location, one stored file, nothing staged.
        self.assertEqual(1, len(image_db.list_images(self.context)))
        self.assertEqual(1, len(image_db.get_locations(self.context,
                                                       image.id)))
        self.assertEqual([image.id],
                         os.listdir(self.services.image_store.datadirs[0]))
        self.assertEqual([], os.listdir(self.conf.image_import.work_dir))
        # The source was fetched twice: the second fetch starts over.
        self.assertEqual(2, self.server.requests.count('/a.raw'))

    def test_every_atom_can_run_again_with_conversion(self):
        self.conf.set_override('conversion_format', 'qcow2',
                               group='image_import')
        self.flow = image_import.build_flow(self.task.id, {
            'import_from': self.url, 'import_from_format': 'raw',
            'image_properties': {'name': 'a'}})
        values = self.run_all_twice()
        image = image_db.get(self.context, values['image_id'])
        self.assertEqual(('active', 'qcow2'), (image.status,
                                               image.disk_format))
        self.assertEqual('qcow2', values['converted']['disk_format'])
        self.assertEqual([], os.listdir(self.conf.image_import.work_dir))

    def test_reverts_can_run_again(self):
        values = {'task_id': self.task.id,
                  type_base.SERVICES: self.task_services}
        done = []
        for atom in self.flow:
            if atom.name == 'activate':
                break
            args = {name: values[name] for name in atom.rebind
                    if name in values}
            result = atom.execute(**args)
            done.append((atom, result))
            if len(atom.provides) > 1:
                values.update(zip(sorted(atom.save_as,
                                         key=atom.save_as.get), result))
            elif atom.provides:
                values[next(iter(atom.provides))] = result
        for atom, result in reversed(done):
            args = {name: values[name] for name in atom.revert_rebind
                    if name in values}
            for _attempt in range(2):
                atom.revert(result=result, flow_failures={}, **args)
        rows = self.select_rows(models.Image)
        self.assertEqual(['killed'], [row['status'] for row in rows])
        self.assertEqual([],
                         os.listdir(self.services.image_store.datadirs[0]))
        self.assertEqual([], os.listdir(self.conf.image_import.work_dir))
