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

"""``api_image_import``: its input schema and the flow built from it."""

from glance_tasks import exception
from glance_tasks.task_types import api_image_import
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests import base

IMAGE_ID = '2d8d8fe2-3f5c-4c3f-9bd4-3c8f0b0c6c11'


def task_input(method, backend=None, **request):
    return {'image_id': IMAGE_ID,
            'import_req': dict({'method': method, 'all_stores': False,
                                'all_stores_must_succeed': True}, **request),
            'backend': backend}


REMOTE_ID = '8f0b0c36-5c5e-4b1e-9f55-0ad7b0c6a1d2'


class SchemaTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.registry = registry_mod.TaskTypeRegistry.from_entry_points(
            self.conf)

    def refused(self, value):
        return self.assertRaises(exception.InvalidTaskInput,
                                 self.registry.validate_input,
                                 'api_image_import', value).message

    def test_the_import_calls_inputs_are_accepted(self):
        for value in (
                task_input({'name': 'glance-direct'}),
                task_input({'name': 'web-download',
                            'uri': 'https://example.com/disk.qcow2',
                            'validation_data': {
                                'os_hash_algo': 'sha512',
                                'os_hash_value': 'ab' * 64}}),
                task_input({'name': 'copy-image'}, backend=['fast', 'slow'],
                           stores=['fast', 'slow']),
                dict(task_input({'name': 'glance-download',
                                 'glance_image_id': REMOTE_ID,
                                 'glance_region': 'RegionTwo',
                                 'glance_service_interface': 'public'}),
                     glance_endpoint='http://two:9292')):
            self.assertIs(api_image_import.ApiImageImport,
                          self.registry.validate_input('api_image_import',
                                                       value))

    def test_bad_inputs_are_refused_naming_the_field(self):
        self.assertIn("input.import_req.method.name: 'glance-upload' is "
                      "not one of",
                      self.refused(task_input({'name': 'glance-upload'})))
        remote = {'name': 'glance-download', 'glance_image_id': REMOTE_ID,
                  'glance_region': 'R', 'glance_service_interface': 'public'}
        self.assertIn("'glance_endpoint' is a required property",
                      self.refused(task_input(remote)))
        self.assertIn("'glance_region' is a required property",
                      self.refused(dict(task_input(
                          {name: value for name, value in remote.items()
                           if name != 'glance_region'}),
                          glance_endpoint='http://two')))
        self.assertIn("'uri' is a required property",
                      self.refused(task_input({'name': 'web-download'})))
        self.assertIn('input.image_id',
                      self.refused(dict(task_input({'name': 'copy-image'}),
                                        image_id='not-a-uuid')))
        self.assertIn('input.backend',
                      self.refused(task_input({'name': 'glance-direct'},
                                              backend=[])))
        self.assertIn("'os_hash_value' is a required property",
                      self.refused(task_input(
                          {'name': 'web-download', 'uri': 'http://x/',
                           'validation_data': {'os_hash_algo': 'sha256'}})))


class FlowTest(base.TestCase):

    def atoms(self, value):
        flow = api_image_import.build_flow('task-1', value)
        return [atom.name for atom in flow]

    def test_one_atom_per_step_and_store(self):
        self.assertEqual(
            ['claim-image', 'verify-staged', 'inspect', 'import-plugins',
             'store', 'complete-import'],
            self.atoms(task_input({'name': 'glance-direct'})))
        self.assertEqual(
            ['claim-image', 'download', 'inspect', 'import-plugins',
             'store-fast', 'store-slow', 'complete-import'],
            self.atoms(task_input({'name': 'web-download', 'uri': 'http://x/'},
                                  backend=['fast', 'slow'])))
        # Glance inspects nor runs plugins on data it only copies.
        self.assertEqual(
            ['claim-image', 'copy-existing-data', 'store-slow',
             'complete-import'],
            self.atoms(task_input({'name': 'copy-image'}, backend=['slow'])))
