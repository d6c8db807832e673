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

"""Image database functions on a real database (SQLite here).

As in ``test_tasks``, the tests are mixins (:class:`ImageDbTests`,
:class:`ImageSortTests`) that ``tests/functional/db/test_backends.py``
reruns on MySQL/MariaDB and PostgreSQL.
"""

import datetime

from oslo_utils import uuidutils
import testscenarios

from glance_tasks.db import images as image_db
from glance_tasks.db.sqlalchemy import models
from glance_tasks import exception
from glance_tasks.tests import base
from glance_tasks.tests.unit.db import helpers
from glance_tasks.tests.unit.db import listing

load_tests = testscenarios.load_tests_apply_scenarios

T0 = helpers.T0
OWNER = 'project-a'
OTHER_OWNER = 'project-b'
FORMATS = {'disk_format': 'qcow2', 'container_format': 'bare'}
_minutes = helpers.minutes


class ImageDbMixin(helpers.DbHelpers):
    """Helpers shared by the image test mixins."""

    def create_image(self, properties=None, tags=(), **values):
        values.setdefault('id', uuidutils.generate_uuid())
        values.setdefault('name', 'cirros')
        values.setdefault('owner', OWNER)
        return image_db.create(self.context, values, properties, tags)

    def list_ids(self, **kwargs):
        return [i.id for i in image_db.list_images(self.context, **kwargs)]

    def raw_image(self, image_id):
        """The image row and its children, read past our functions."""
        [image] = self.select_rows(models.Image, id=image_id) or [None]
        return (image,
                self.select_rows(models.ImageProperty, image_id=image_id),
                self.select_rows(models.ImageLocation, image_id=image_id))


class ImageDbTests(ImageDbMixin, listing.ListInputTests):
    """Create, read, list, update, move, delete and purge images."""

    UNKNOWN_SORT_KEY = 'checksum'
    UNKNOWN_FILTER = 'checksum'
    UNKNOWN_STATUS = 'pending'

    # -- create and get ---------------------------------------------------

    def test_create_with_properties(self):
        self.set_clock(T0)
        image = self.create_image(
            properties={'hw_disk_bus': 'scsi', 'os_distro': 'cirros'},
            name='cirros-0.6', visibility='public', min_disk=1,
            min_ram=64, owner=OWNER)
        self.assertEqual('queued', image.status)
        self.assertEqual('cirros-0.6', image.name)
        self.assertEqual('public', image.visibility)
        self.assertEqual((1, 64), (image.min_disk, image.min_ram))
        self.assertFalse(image.protected)
        self.assertFalse(image.deleted)
        self.assertEqual(T0, image.created_at)
        self.assertEqual(image, image_db.get(self.context, image.id))
        self.assertEqual({'hw_disk_bus': 'scsi', 'os_distro': 'cirros'},
                         image_db.get_properties(self.context, image.id))

    def test_create_defaults(self):
        image = self.create_image(id=uuidutils.generate_uuid())
        got = image_db.get(self.context, image.id)
        # What a write returns is what was stored (real clock, any backend).
        self.assertEqual(image, got)
        self.assertEqual('shared', got.visibility)
        self.assertEqual((0, 0), (got.min_disk, got.min_ram))
        self.assertIsNone(got.size)
        self.assertEqual({}, image_db.get_properties(self.context, image.id))

    def test_create_refuses_status_columns(self):
        for values in ({'status': 'active'}, {'deleted': True},
                       {'deleted_at': T0}, {'no_such_column': 1}):
            image_id = uuidutils.generate_uuid()
            self.assertRaises(exception.Invalid, self.create_image,
                              id=image_id, properties={'a': 'b'}, **values)
            self.assertEqual((None, [], []), self.raw_image(image_id))
        self.assertEqual(0, self.count_rows('images'))
        self.assertEqual(0, self.count_rows('image_properties'))

    def test_create_duplicate_id_changes_nothing(self):
        image = self.create_image(name='first', properties={'a': '1'})
        before = self.raw_image(image.id)
        self.assertRaises(exception.Duplicate, self.create_image,
                          id=image.id, name='second',
                          properties={'b': '2'})
        self.assertEqual(before, self.raw_image(image.id))
        self.assertEqual(1, self.count_rows('image_properties'))

    def test_get_unknown_image(self):
        image_id = uuidutils.generate_uuid()
        exc = self.assertRaises(exception.ImageNotFound, image_db.get,
                                self.context, image_id)
        self.assertIn(image_id, str(exc))

    def test_get_scoped_by_owner(self):
        image = self.create_image(owner=OWNER)
        self.assertEqual(image.id,
                         image_db.get(self.context, image.id,
                                      owner=OWNER).id)
        self.assertRaises(exception.ImageNotFound, image_db.get,
                          self.context, image.id, owner=OTHER_OWNER)

    # -- list -------------------------------------------------------------

    def test_list_filters(self):
        a = self.create_image(name='alpha', owner=OWNER,
                              visibility='public', **FORMATS)
        b = self.create_image(name='beta', owner=OWNER, disk_format='raw',
                              container_format='ovf')
        c = self.create_image(name='alpha', owner=OTHER_OWNER)
        image_db.update_status(self.context, a.id, 'queued', 'importing')

        def ids(**filters):
            return {i.id for i in image_db.list_images(self.context,
                                                       filters=filters)}

        self.assertEqual({a.id, b.id, c.id}, ids())
        self.assertEqual({a.id}, ids(status='importing'))
        self.assertEqual({b.id, c.id}, ids(status='queued'))
        self.assertEqual({a.id, b.id}, ids(owner=OWNER))
        self.assertEqual({a.id}, ids(visibility='public'))
        self.assertEqual({b.id, c.id}, ids(visibility='shared'))
        self.assertEqual({a.id, c.id}, ids(name='alpha'))
        self.assertEqual({b.id}, ids(disk_format='raw'))
        self.assertEqual({a.id}, ids(container_format='bare'))
        self.assertEqual({c.id}, ids(name='alpha', owner=OTHER_OWNER))
        self.assertEqual(set(), ids(status='active'))

    def test_list_hides_deleted(self):
        live = self.create_image()
        gone = self.create_image()
        image_db.delete(self.context, gone.id)
        self.assertEqual([live.id],
                         [i.id for i in image_db.list_images(self.context)])
        self.assertEqual([], image_db.list_images(
            self.context, filters={'status': 'deleted'}))

    def test_paging_over_seven_images(self):
        expected = listing.a_minute_apart(self, self.create_image, 7)[::-1]
        self.assertEqual([expected[0:3], expected[3:6], expected[6:]],
                         listing.walk_pages(self.list_ids, 3))
        self.assertEqual([], image_db.list_images(self.context, limit=0))

    # -- bad list input ---------------------------------------------------

    def test_bad_marker(self):
        self.assertRaises(exception.InvalidMarker, image_db.list_images,
                          self.context, marker='12345')
        self.assertRaises(exception.MarkerNotFound, image_db.list_images,
                          self.context, marker=uuidutils.generate_uuid())

    def test_marker_outside_filter_not_found(self):
        image = self.create_image(name='alpha')
        self.assertRaises(exception.MarkerNotFound, image_db.list_images,
                          self.context, filters={'name': 'beta'},
                          marker=image.id)

    def test_corrupt_status_in_database(self):
        image = self.create_image(name='before')
        self.assertEqual(1, self.execute_sql(
            "UPDATE images SET status = 'broken' WHERE id = :id",
            id=image.id))
        exc = self.assertRaises(exception.CorruptStatus, image_db.get,
                                self.context, image.id)
        self.assertIn('broken', str(exc))
        self.assertRaises(exception.CorruptStatus, image_db.list_images,
                          self.context)
        # A plain update reads the row back: it must roll back whole.
        self.assertRaises(exception.CorruptStatus, image_db.update,
                          self.context, image.id, {'name': 'after'})
        self.assertEqual('before', self.raw_image(image.id)[0]['name'])

    # -- update -----------------------------------------------------------

    def test_update(self):
        self.set_clock(T0)
        image = self.create_image(name='old')
        self.set_clock(T0 + _minutes(2))
        updated = image_db.update(self.context, image.id,
                                  {'name': 'new', 'min_ram': 512,
                                   'protected': True})
        self.assertEqual(('new', 512, True),
                         (updated.name, updated.min_ram, updated.protected))
        self.assertEqual(T0 + _minutes(2), updated.updated_at)
        self.assertEqual('queued', updated.status)
        self.assertEqual(updated, image_db.get(self.context, image.id))

    def test_update_refuses_status_and_writes_nothing(self):
        image = self.create_image(name='old', **FORMATS)
        before = self.raw_image(image.id)
        for values in ({'name': 'new', 'status': 'active'},
                       {'name': 'new', 'deleted': True},
                       {'name': 'new', 'id': uuidutils.generate_uuid()},
                       {'name': 'new', 'bogus': 1}):
            exc = self.assertRaises(exception.Invalid, image_db.update,
                                    self.context, image.id, values)
            self.assertIn((set(values) - {'name'}).pop(), str(exc))
        self.assertEqual(before, self.raw_image(image.id))

    def test_update_unknown_or_deleted_image(self):
        self.assertRaises(exception.ImageNotFound, image_db.update,
                          self.context, uuidutils.generate_uuid(),
                          {'name': 'x'})
        image = self.create_image()
        image_db.delete(self.context, image.id)
        self.assertRaises(exception.ImageNotFound, image_db.update,
                          self.context, image.id, {'name': 'x'})

    # -- update_status ----------------------------------------------------

    def test_values_applied_with_the_move(self):
        self.set_clock(T0)
        image = self.create_image()
        self.set_clock(T0 + _minutes(1))
        saving = image_db.update_status(self.context, image.id, 'queued',
                                        'saving', dict(FORMATS))
        self.assertEqual('saving', saving.status)
        self.assertEqual('qcow2', saving.disk_format)
        self.assertEqual(T0 + _minutes(1), saving.updated_at)
        active = image_db.update_status(
            self.context, image.id, 'saving', 'active',
            {'size': 13267968, 'checksum': 'a' * 32,
             'os_hash_algo': 'sha512', 'os_hash_value': 'b' * 128})
        self.assertEqual('active', active.status)
        self.assertEqual(13267968, active.size)
        self.assertEqual('b' * 128, active.os_hash_value)
        self.assertEqual(active, image_db.get(self.context, image.id))

    def test_format_rule_writes_nothing(self):
        image = self.create_image(name='nameless')
        before = self.raw_image(image.id)
        for to_status in ('saving', 'importing', 'active'):
            self.assertRaises(exception.ImageFormatNotSet,
                              image_db.update_status, self.context,
                              image.id, 'queued', to_status,
                              {'name': 'renamed', 'disk_format': 'raw'})
        self.assertEqual(before, self.raw_image(image.id))
        # A move that holds no data needs no formats.
        self.assertEqual('uploading', image_db.update_status(
            self.context, image.id, 'queued', 'uploading').status)

    def test_formats_already_set_suffice(self):
        image = self.create_image(**FORMATS)
        self.assertEqual('active', image_db.update_status(
            self.context, image.id, 'queued', 'active').status)

    def test_back_to_queued_clears_sizes(self):
        image = self.create_image(**FORMATS)
        image_db.update_status(self.context, image.id, 'queued', 'uploading',
                               {'size': 10, 'virtual_size': 20})
        image_db.update_status(self.context, image.id, 'uploading',
                               'importing', {'size': 11, 'virtual_size': 21})
        queued = image_db.update_status(self.context, image.id, 'importing',
                                        'queued', {'size': 99})
        self.assertIsNone(queued.size)
        self.assertIsNone(queued.virtual_size)
        row = self.raw_image(image.id)[0]
        self.assertEqual((None, None), (row['size'], row['virtual_size']))

    def test_conflict_on_wrong_from_status(self):
        image = self.create_image(**FORMATS)
        before = self.raw_image(image.id)
        exc = self.assertRaises(exception.ImageStatusConflict,
                                image_db.update_status, self.context,
                                image.id, 'saving', 'active',
                                {'size': 5})
        self.assertIn(image.id, str(exc))
        self.assertEqual(before, self.raw_image(image.id))

    def test_refused_transition_writes_nothing(self):
        image = self.create_image(**FORMATS)
        image_db.update_status(self.context, image.id, 'queued', 'saving')
        image_db.update_status(self.context, image.id, 'saving', 'killed')
        before = self.raw_image(image.id)
        for to_status in ('active', 'queued', 'saving', 'killed'):
            self.assertRaises(exception.InvalidImageStatusTransition,
                              image_db.update_status, self.context,
                              image.id, 'killed', to_status, {'size': 1})
        self.assertRaises(exception.UnknownStatus, image_db.update_status,
                          self.context, image.id, 'killed', 'gone')
        self.assertRaises(exception.Invalid, image_db.update_status,
                          self.context, image.id, 'killed', 'deleted',
                          {'status': 'active'})
        self.assertEqual(before, self.raw_image(image.id))

    def test_update_status_unknown_image(self):
        self.assertRaises(exception.ImageNotFound, image_db.update_status,
                          self.context, uuidutils.generate_uuid(),
                          'queued', 'uploading')

    def test_update_status_to_deleted_soft_deletes(self):
        self.set_clock(T0)
        image = self.create_image()
        gone = image_db.update_status(self.context, image.id, 'queued',
                                      'deleted')
        self.assertEqual('deleted', gone.status)
        self.assertTrue(gone.deleted)
        self.assertEqual(T0, gone.deleted_at)
        self.assertRaises(exception.ImageNotFound, image_db.get,
                          self.context, image.id)

    # -- delete, properties, locations, purge ------------------------------

    def test_delete_soft_deletes_children(self):
        self.set_clock(T0)
        image = self.create_image(properties={'a': '1', 'b': '2'},
                                  **FORMATS)
        image_db.add_location(self.context, image.id, 'file:///s/1')
        image_db.update_status(self.context, image.id, 'queued', 'active')
        other = self.create_image(properties={'a': 'x'})
        self.set_clock(T0 + _minutes(1))
        deleted = image_db.delete(self.context, image.id)
        self.assertEqual('deleted', deleted.status)
        self.assertRaises(exception.ImageNotFound, image_db.get,
                          self.context, image.id)
        row, properties, locations = self.raw_image(image.id)
        self.assertTrue(row['deleted'])
        self.assertEqual(T0 + _minutes(1), row['deleted_at'])
        self.assertEqual(2, len(properties))
        self.assertEqual(1, len(locations))
        for child in properties + locations:
            self.assertTrue(child['deleted'])
            self.assertEqual(T0 + _minutes(1), child['deleted_at'])
        self.assertEqual({'a': 'x'},
                         image_db.get_properties(self.context, other.id))
        self.assertRaises(exception.ImageNotFound, image_db.delete,
                          self.context, image.id)
        # A deleted image has no properties left (its rows are deleted).
        self.assertEqual({}, image_db.get_properties(self.context,
                                                     image.id))

    def test_delete_from_every_live_status(self):
        paths = {'queued': (), 'saving': ('saving',),
                 'active': ('active',), 'killed': ('saving', 'killed'),
                 'deactivated': ('active', 'deactivated'),
                 'pending_delete': ('active', 'pending_delete'),
                 'uploading': ('uploading',),
                 'importing': ('uploading', 'importing')}
        for status, path in paths.items():
            image = self.create_image(**FORMATS)
            current = 'queued'
            for step in path:
                image_db.update_status(self.context, image.id, current, step)
                current = step
            self.assertEqual(status, image_db.get(
                self.context, image.id, include_deleted=True).status)
            self.assertTrue(image_db.delete(self.context, image.id).deleted)

    def test_pending_delete_is_deleted_but_kept_whole(self):
        self.set_clock(T0)
        image = self.create_image(properties={'a': '1'}, tags=['t'],
                                  **FORMATS)
        image_db.add_location(self.context, image.id, 'file:///s/1')
        image_db.update_status(self.context, image.id, 'queued', 'active')
        self.set_clock(T0 + _minutes(1))
        pending = image_db.update_status(self.context, image.id, 'active',
                                         'pending_delete')
        self.assertEqual((True, T0 + _minutes(1)),
                         (pending.deleted, pending.deleted_at))
        self.assertRaises(exception.ImageNotFound, image_db.get,
                          self.context, image.id)
        self.assertEqual([], image_db.list_images(self.context))
        # Kept for the scrubber, or for a restore.
        self.assertEqual({'a': '1'},
                         image_db.get_properties(self.context, image.id))
        self.assertEqual(['t'], image_db.get_tags(self.context, image.id))
        self.assertEqual(1, len(image_db.get_locations(self.context,
                                                       image.id)))
        # Purging deleted rows leaves it to the scrubber.
        self.assertEqual(0, image_db.purge(self.context,
                                           T0 + _minutes(10)))
        restored = image_db.update_status(self.context, image.id,
                                          'pending_delete', 'active')
        self.assertEqual((False, None),
                         (restored.deleted, restored.deleted_at))
        self.assertEqual('active', image_db.get(self.context,
                                                image.id).status)

    def test_properties(self):
        image = self.create_image(properties={'a': '1'})
        image_db.set_property(self.context, image.id, 'b', '2')
        image_db.set_property(self.context, image.id, 'a', 'one')
        self.assertEqual({'a': 'one', 'b': '2'},
                         image_db.get_properties(self.context, image.id))
        self.assertRaises(exception.ImageNotFound, image_db.set_property,
                          self.context, uuidutils.generate_uuid(), 'a', '1')
        self.assertRaises(exception.ImageNotFound, image_db.get_properties,
                          self.context, uuidutils.generate_uuid())
        self.assertEqual(2, self.count_rows('image_properties'))

    def test_locations(self):
        image = self.create_image()
        first = image_db.add_location(self.context, image.id,
                                      'rbd://fsid/images/x/snap',
                                      {'store': 'ceph'})
        second = image_db.add_location(self.context, image.id,
                                       'file:///var/lib/images/x')
        self.assertEqual(
            [{'id': first, 'url': 'rbd://fsid/images/x/snap',
              'metadata': {'store': 'ceph'}, 'status': 'active'},
             {'id': second, 'url': 'file:///var/lib/images/x',
              'metadata': {}, 'status': 'active'}],
            image_db.get_locations(self.context, image.id))
        image_db.delete_location(self.context, image.id, first)
        self.assertEqual([second], [loc['id'] for loc in
                                    image_db.get_locations(self.context,
                                                           image.id)])
        row = self.raw_image(image.id)[2][0]
        self.assertEqual(('deleted', True), (row['status'], row['deleted']))
        self.assertRaises(exception.NotFound, image_db.delete_location,
                          self.context, image.id, first)
        other = self.create_image()
        self.assertRaises(exception.NotFound, image_db.delete_location,
                          self.context, other.id, second)
        self.assertRaises(exception.ImageNotFound, image_db.add_location,
                          self.context, uuidutils.generate_uuid(), 'file:///')

    def test_purge(self):
        self.set_clock(T0)
        live = self.create_image(properties={'k': 'v'})
        image_db.add_location(self.context, live.id, 'file:///live')
        old = self.create_image(properties={'k': 'v'})
        image_db.add_location(self.context, old.id, 'file:///old')
        image_db.delete(self.context, old.id)
        self.set_clock(T0 + datetime.timedelta(days=2))
        recent = self.create_image(properties={'k': 'v'})
        image_db.delete(self.context, recent.id)

        removed = image_db.purge(self.context,
                                 T0 + datetime.timedelta(days=1))

        self.assertEqual(1, removed)
        self.assertEqual((None, [], []), self.raw_image(old.id))
        row, properties, locations = self.raw_image(live.id)
        self.assertEqual((1, 1), (len(properties), len(locations)))
        row, properties, locations = self.raw_image(recent.id)
        self.assertTrue(row['deleted'])
        self.assertEqual(1, len(properties))
        self.assertEqual(2, self.count_rows('images'))
        self.assertEqual(0, image_db.purge(self.context,
                                           T0 + datetime.timedelta(days=1)))


# Seven images: (name, created minute, size, formats?, moves). Ties and
# NULLs in name, size, formats and updated_at.
SORT_IMAGES = (
    ('alpha', 0, None, False, ()),
    ('beta', 1, 100, True, ((5, 'saving'),)),
    (None, 1, 100, True, ((5, 'saving'), (9, 'active'))),
    ('alpha', 2, 50, False, ((5, 'uploading'),)),
    ('gamma', 3, None, True, ()),
    (None, 3, 700, True, ((9, 'importing'),)),
    ('beta', 5, 50, True, ((7, 'active'),)),
)
IMAGE_SORT_KEYS = ('created_at', 'updated_at', 'id', 'name', 'status',
                   'size', 'disk_format', 'container_format')


class ImageSortTests(ImageDbMixin, listing.SortedPagesTests):
    """Each sort key and direction, whole and in pages of three."""

    scenarios = [('%s_%s' % (key, direction),
                  {'sort_key': key, 'sort_dir': direction})
                 for key in IMAGE_SORT_KEYS for direction in ('asc', 'desc')]

    def setUp(self):
        super().setUp()
        ids = []
        for name, minute, size, formats, moves in SORT_IMAGES:
            self.set_clock(T0 + _minutes(minute))
            extra = (dict(disk_format='raw' if size == 50 else 'qcow2',
                          container_format='bare') if formats else {})
            ids.append(self.create_image(name=name, size=size,
                                         **extra).id)
        for spec, image_id in zip(SORT_IMAGES, ids):
            current = 'queued'
            for minute, status in spec[4]:
                self.set_clock(T0 + _minutes(minute))
                image_db.update_status(self.context, image_id, current,
                                       status)
                current = status
        self.images = [image_db.get(self.context, i) for i in ids]
        self.expected = helpers.expected_order(
            self.images, self.sort_key, self.sort_dir)


class TestImageDb(ImageDbTests, base.DbTestCase):
    pass


class TestImageSort(ImageSortTests, base.DbTestCase):
    pass
