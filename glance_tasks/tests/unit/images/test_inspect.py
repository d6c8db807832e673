"""Format inspection with oslo.utils' inspector and with qemu-img."""

import os

import fixtures
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

    scenarios = [('format_inspector', {'use_qemu': False}),
                 ('qemu_img_info', {'use_qemu': True})]

    def image(self, name, disk_format='raw', **kwargs):
        return image_fixtures.make_image(self.state_path, name, disk_format,
                                         **kwargs)

    def inspect(self, path, expected):
        return inspect.inspect(path, expected, use_qemu=self.use_qemu)

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


class TestQemuFallback(base.TestCase):

    def test_fallback_chosen_without_the_inspector(self):
        self.useFixture(fixtures.MonkeyPatch(
            'glance_tasks.images.inspect.format_inspector', None))
        calls = []
        self.useFixture(fixtures.MonkeyPatch(
            'glance_tasks.images.inspect._with_qemu',
            lambda path, fmt: calls.append((path, fmt)) or {}))
        inspect.inspect('/x', 'raw')
        self.assertEqual([('/x', 'raw')], calls)

    def test_qemu_failure_is_explained(self):
        error = self.assertRaises(errors.InspectionFailed, inspect.qemu_info,
                                  os.path.join(self.state_path, 'nope'))
        self.assertIn('The image data could not be inspected:',
                      error.message)
