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

"""Every ordered pair of image statuses, against DESIGN.md §1's table.

The expected table is copied by hand from the design document (Glance's
image status table), not read from :mod:`glance_tasks.domain.image`.
"""

import datetime

import testscenarios

from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.tests import base
from glance_tasks.tests.unit.domain import status_tables

load_tests = testscenarios.load_tests_apply_scenarios

# DESIGN.md §1, "Image statuses — Glance's table, exactly".
STATUSES = ('queued', 'saving', 'uploading', 'importing', 'active',
            'killed', 'pending_delete', 'deleted', 'deactivated')
ALLOWED = {
    'queued': {'saving', 'uploading', 'importing', 'active', 'deleted'},
    'saving': {'active', 'killed', 'deleted', 'queued'},
    'uploading': {'importing', 'queued', 'deleted'},
    'importing': {'active', 'deleted', 'queued'},
    'active': {'pending_delete', 'deleted', 'deactivated'},
    'killed': {'deleted'},
    'pending_delete': {'deleted', 'active'},
    'deleted': set(),
    'deactivated': {'active', 'deleted'},
}
NEEDS_FORMATS = ('saving', 'importing', 'active')

NOW = datetime.datetime(2026, 11, 27, 12, 0, 0)
IMAGE_ID = '0b0d1c4e-1111-4a3b-9a49-7f0f3c2b1a00'


def _image(status, **extra):
    values = dict(id=IMAGE_ID, status=status, name='cirros',
                  disk_format='qcow2', container_format='bare',
                  size=1024, virtual_size=4096, checksum='c' * 32)
    values.update(extra)
    return image_domain.Image(**values)


class TestEveryImageStatusPair(status_tables.StatusPairTests,
                               base.TestCase):
    """One test per ordered (from, to) pair: 9 x 9 = 81 tests."""

    scenarios = status_tables.pair_scenarios(STATUSES, ALLOWED)
    TABLE = image_domain.TABLE
    REFUSED = exception.InvalidImageStatusTransition
    NOW = NOW

    def make(self, status):
        return _image(status)

    def move(self, before, to_status):
        return image_domain.transition(before, to_status, now=NOW)


class TestImageTableShape(status_tables.StatusTableShapeTests,
                          base.TestCase):
    TABLE = image_domain.TABLE
    STATUSES = STATUSES
    ALLOWED = ALLOWED
    TERMINAL = ('deleted',)
    INITIAL = 'queued'


class TestImageFormatRule(base.TestCase):
    """Formats must be set before saving, importing or active."""

    scenarios = [
        ('%s_to_%s_%s' % (from_status, to_status, missing),
         {'from_status': from_status, 'to_status': to_status,
          'formats': formats})
        for to_status in NEEDS_FORMATS
        for from_status in STATUSES if to_status in ALLOWED[from_status]
        for missing, formats in (
            ('no_formats', {'disk_format': None, 'container_format': None}),
            ('no_disk_format', {'disk_format': None}),
            ('no_container_format', {'container_format': None}),
            ('empty_disk_format', {'disk_format': ''}))
    ]

    def test_refused_without_formats(self):
        before = _image(self.from_status, **self.formats)
        exc = self.assertRaises(exception.ImageFormatNotSet,
                                image_domain.transition, before,
                                self.to_status, now=NOW)
        self.assertIn(self.to_status, str(exc))
        self.assertEqual(_image(self.from_status, **self.formats), before)


class TestImageTransitionEffects(base.TestCase):

    def test_moves_without_data_need_no_formats(self):
        bare = dict(disk_format=None, container_format=None)
        for from_status, to_status in (('queued', 'uploading'),
                                       ('queued', 'deleted'),
                                       ('uploading', 'queued'),
                                       ('killed', 'deleted')):
            after = image_domain.transition(
                _image(from_status, **bare), to_status, now=NOW)
            self.assertEqual(to_status, after.status)

    def test_refused_move_beats_format_rule(self):
        # killed -> active is not in the table at all: say that, not formats.
        self.assertRaises(exception.InvalidImageStatusTransition,
                          image_domain.transition,
                          _image('killed', disk_format=None), 'active',
                          now=NOW)

    def test_back_to_queued_forgets_sizes(self):
        for from_status in ('saving', 'uploading', 'importing'):
            after = image_domain.transition(_image(from_status), 'queued',
                                            now=NOW)
            self.assertIsNone(after.size)
            self.assertIsNone(after.virtual_size)
            self.assertEqual('c' * 32, after.checksum)
            self.assertEqual('qcow2', after.disk_format)

    def test_other_moves_keep_sizes(self):
        after = image_domain.transition(_image('saving'), 'active', now=NOW)
        self.assertEqual(1024, after.size)
        self.assertEqual(4096, after.virtual_size)

    def test_status_changes(self):
        self.assertEqual({'status': 'queued', 'size': None,
                          'virtual_size': None},
                         image_domain.status_changes(_image('saving'),
                                                     'queued'))
        self.assertEqual({'status': 'deactivated'},
                         image_domain.status_changes(_image('active'),
                                                     'deactivated'))


class TestUnknownImageStatus(base.TestCase):

    def test_unknown_target(self):
        exc = self.assertRaises(exception.UnknownStatus,
                                image_domain.transition, _image('queued'),
                                'pending', now=NOW)
        self.assertIn("'pending'", str(exc))
        self.assertIn('image status', str(exc))

    def test_unknown_source(self):
        self.assertRaises(exception.UnknownStatus,
                          image_domain.transition, _image('gone'),
                          'deleted', now=NOW)

    def test_validate(self):
        self.assertRaises(exception.UnknownStatus,
                          image_domain.TABLE.validate, 'Active')
