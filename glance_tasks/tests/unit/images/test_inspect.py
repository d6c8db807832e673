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

"""Format inspection: one routine for a staged file and for a stream.

Every check runs twice: on a file (``inspect.inspect``, which stops
reading once the format is decided, as the ``import`` type uses it) and
on a stream of chunks read to its end (``inspect.Inspection``, as
``location_import`` hashes the data it inspects).
"""

import os

import testscenarios
import testtools

from glance_tasks.images import errors
from glance_tasks.images import inspect
from glance_tasks.tests import base
from glance_tasks.tests.unit.images import fixtures as image_fixtures

load_tests = testscenarios.load_tests_apply_scenarios
MiB = 1024 * 1024


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class TestInspect(base.TestCase):

    scenarios = [('file', {'stream': False}),
                 ('stream', {'stream': True})]

    def image(self, name, disk_format='raw', **kwargs):
        return image_fixtures.make_image(self.state_path, name, disk_format,
                                         **kwargs)

    def inspect(self, path, expected):
        if not self.stream:
            return inspect.inspect(path, expected)
        with open(path, 'rb') as f:
            data = f.read()
        # Uneven pieces, as a network source sends them.
        pieces = iter([data[i:i + 7777] for i in range(0, len(data), 7777)])
        inspection = inspect.Inspection(pieces, expected)
        try:
            passed = b''.join(inspection)
        finally:
            inspection.close()
        self.assertEqual(data, passed)  # every byte passes through
        return inspection.result(len(passed))

    def test_raw(self):
        path = self.image('a.raw', size=MiB + 512)
        self.assertEqual({'format': 'raw', 'virtual_size': MiB + 512},
                         self.inspect(path, 'raw'))

    def test_raw_like_disk_formats(self):
        path = self.image('a.raw', size=MiB)
        self.assertEqual('ami', self.inspect(path, 'ami')['format'])

    def test_qcow2(self):
        path = self.image('a.qcow2', 'qcow2', size=4 * MiB)
        self.assertEqual({'format': 'qcow2', 'virtual_size': 4 * MiB},
                         self.inspect(path, 'qcow2'))

    def test_qcow2_said_to_be_raw(self):
        path = self.image('a.qcow2', 'qcow2')
        error = self.assertRaises(errors.FormatMismatch, self.inspect,
                                  path, 'raw')
        self.assertEqual({'actual': 'qcow2', 'expected': 'raw'},
                         error.kwargs)

    def test_raw_said_to_be_qcow2(self):
        path = self.image('a.raw')
        self.assertRaises(errors.FormatMismatch, self.inspect, path,
                          'qcow2')

    def test_backing_file(self):
        base_path = self.image('base.qcow2', 'qcow2')
        path = self.image('child.qcow2', 'qcow2', backing=base_path)
        error = self.assertRaises(errors.UnsafeImage, self.inspect, path,
                                  'qcow2')
        self.assertIn('it has a backing file', error.message)

    def test_data_file(self):
        path = self.image('df.qcow2', 'qcow2', data_file=os.path.join(
            self.state_path, 'outside.raw'))
        error = self.assertRaises(errors.UnsafeImage, self.inspect, path,
                                  'qcow2')
        self.assertIn('it names an external data file', error.message)

    def test_vmdk(self):
        path = self.image('a.vmdk', 'vmdk', size=2 * MiB)
        self.assertEqual({'format': 'vmdk', 'virtual_size': 2 * MiB},
                         self.inspect(path, 'vmdk'))


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class TestInspection(base.TestCase):

    def test_the_format_is_decided_from_the_first_chunks(self):
        path = image_fixtures.make_image(self.state_path, 'a.qcow2',
                                         'qcow2', size=MiB)
        with open(path, 'rb') as f:
            header = f.read(inspect.CHUNK_SIZE)
        consumed = []
        source = [header] + [b'\0' * inspect.CHUNK_SIZE] * 64
        inspection = inspect.Inspection(
            (consumed.append(chunk) or chunk for chunk in source), 'qcow2')
        for _chunk in inspection:
            if inspection.decided:
                break
        inspection.close()
        # What inspect.inspect relies on to read only a file's start
        # (a few chunks: some inspectors look beyond the first 64 KiB).
        self.assertLess(len(consumed), 8)
        self.assertEqual({'format': 'qcow2', 'virtual_size': MiB},
                         inspection.result(len(header)))
