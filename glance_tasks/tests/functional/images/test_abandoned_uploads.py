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

"""Uploads whose uploader died, released on each database.

The ownership rule of :mod:`glance_tasks.images.upload`, on SQLite,
MariaDB and PostgreSQL: a ``saving`` image whose uploader's lease has
lapsed (or was purged) is requeued with its partial file removed; one
whose uploader holds its lease is left alone; and an uploader that lost
its lease mid-upload does not activate the image.
"""

import io
import os

from oslo_utils import uuidutils

from glance_tasks.db import images as image_db
from glance_tasks.db import leases as lease_db
from glance_tasks.engine import ownership
from glance_tasks import exception
from glance_tasks.images import recovery
from glance_tasks.images import upload
from glance_tasks.task_types import base as type_base
from glance_tasks.tests import base


class _LosesLease(io.RawIOBase):
    """A body after whose first bytes the uploader's lease lapses."""

    def __init__(self, lease):
        self._lease = lease
        self._data = io.BytesIO(b'\1' * 4096)

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._data.read(len(buffer))
        if not data:
            # The local hold ran out (database unreachable, a stall).
            self._lease._valid_until = 0.0
            return 0
        buffer[:len(data)] = data
        return len(data)


class AbandonedUploadTests:

    def setUp(self):
        super().setUp()
        self.services = type_base.Services(self.conf)
        self.datadir = self.services.image_store.datadirs[0]
        os.makedirs(self.datadir, exist_ok=True)

    def saving_image(self, uploader):
        image = self.services.images.create(self.context, {
            'id': uuidutils.generate_uuid(), 'owner': 'project-a',
            'disk_format': 'raw', 'container_format': 'bare'})
        self.services.images.move(
            self.context, image, 'saving',
            also=lambda ctx: image_db.set_uploader(ctx, image.id, uploader))
        with open(os.path.join(self.datadir, image.id), 'wb') as f:
            f.write(b'partial')
        return image.id

    def test_only_uploads_of_lapsed_leases_are_requeued(self):
        live = ownership.new_name()
        self.assertTrue(lease_db.acquire(self.context, live, live, 60))
        lapsed = ownership.new_name()
        self.assertTrue(lease_db.acquire(self.context, lapsed, lapsed, 60))
        lease_db.release(self.context, lapsed, lapsed)
        live_id = self.saving_image(live)
        lapsed_id = self.saving_image(lapsed)
        purged_id = self.saving_image(ownership.new_name())

        released = recovery.release_abandoned_uploads(self.services)

        self.assertEqual(sorted([lapsed_id, purged_id]), sorted(released))
        for image_id in (lapsed_id, purged_id):
            image = image_db.get(self.context, image_id)
            self.assertEqual('queued', image.status)
            self.assertIsNone(image.size)
        self.assertEqual('saving', image_db.get(self.context,
                                                live_id).status)
        self.assertEqual([live_id], os.listdir(self.datadir))
        self.assertEqual([], recovery.release_abandoned_uploads(
            self.services))

    def test_an_uploader_that_lost_its_lease_does_not_activate(self):
        lease = ownership.ExecutorLease(self.context, 60)
        self.assertTrue(lease.keep())
        image = self.services.images.create(self.context, {
            'id': uuidutils.generate_uuid(), 'owner': 'project-a',
            'disk_format': 'raw', 'container_format': 'bare'})
        self.assertRaises(exception.ImageStatusConflict, upload.upload,
                          self.services.images, self.context,
                          self.services.image_store, image,
                          _LosesLease(lease), None, lease=lease)
        image = image_db.get(self.context, image.id)
        self.assertEqual('queued', image.status)
        self.assertIsNone(image.size)
        self.assertEqual([], os.listdir(self.datadir))


class TestAbandonedUploadsSQLite(AbandonedUploadTests, base.DbTestCase):
    pass


class TestAbandonedUploadsMySQL(AbandonedUploadTests, base.DbTestCase):
    FIXTURE = base.MySQLFixture


class TestAbandonedUploadsPostgreSQL(AbandonedUploadTests,
                                     base.DbTestCase):
    FIXTURE = base.PostgreSQLFixture
