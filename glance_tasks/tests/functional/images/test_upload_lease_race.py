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

"""A stager or uploader that lost its lease leaves the next one's data.

Two stagers of one image, on SQLite, MariaDB and PostgreSQL. The first
stalls in the middle of its body long enough for its lease to lapse: the
abandoned-upload sweep requeues the image, and a second stager stages it
whole. Then the first one's body goes on and ends. Its bytes must never
become the image's staged data, and its cleanup must not remove the
second one's: the image stays ``uploading`` with the second stager's
size, :func:`~glance_tasks.images.staging.path_of` holds the second
stager's bytes, and nothing else is left in the staging area.

The same with ``PUT /file``: the first uploader's cleanup must not
delete the active image the second uploader made.
"""

import hashlib
import io
import os

from oslo_utils import uuidutils

from glance_tasks.db import images as image_db
from glance_tasks.db import leases as lease_db
from glance_tasks.engine import ownership
from glance_tasks import exception
from glance_tasks.images import recovery
from glance_tasks.images import staging
from glance_tasks.images import upload
from glance_tasks.task_types import base as type_base
from glance_tasks.tests import base

FIRST = b'\1' * 3000
SECOND = b'\2' * 5000


class _StallsMidBody(io.RawIOBase):
    """The first stager's body: half of it, ``meanwhile()``, the rest.

    ``meanwhile`` is what happens while the stager's process stalls:
    its lease lapses, the sweep runs, another stager takes the image.
    """

    def __init__(self, data, meanwhile):
        self._data = io.BytesIO(data)
        self._half = len(data) // 2
        self._meanwhile = meanwhile

    def readable(self):
        return True

    def readinto(self, buffer):
        position = self._data.tell()
        if self._meanwhile is not None and position >= self._half:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
        size = len(buffer)
        if position < self._half:
            size = min(size, self._half - position)
        data = self._data.read(size)
        buffer[:len(data)] = data
        return len(data)


class LeaseRaceTests:

    def setUp(self):
        super().setUp()
        self.services = type_base.Services(self.conf)
        self.images = self.services.images
        self.staging_dir = staging.work_dir(self.conf)
        self.datadir = self.services.image_store.datadirs[0]
        os.makedirs(self.datadir, exist_ok=True)

    def new_image(self):
        return self.images.create(self.context, {
            'id': uuidutils.generate_uuid(), 'owner': 'project-a',
            'disk_format': 'raw', 'container_format': 'bare'})

    def lease(self):
        lease = ownership.ExecutorLease(self.context, 60)
        self.assertTrue(lease.keep())
        return lease

    def lapse(self, lease):
        """The stall: the local hold runs out, the row expires."""
        lease._valid_until = 0.0
        lease_db.release(self.context, lease.name, lease.name)

    def take_over(self, image_id, first_lease, second):
        """What the stall lets happen: the sweep, then ``second()``."""
        def meanwhile():
            self.lapse(first_lease)
            self.assertEqual([image_id],
                             recovery.release_abandoned_uploads(
                                 self.services))
            self.assertEqual('queued',
                             image_db.get(self.context, image_id).status)
            second(image_db.get(self.context, image_id))
        return meanwhile

    def test_a_stager_that_lost_its_lease_leaves_the_next_stage_alone(self):
        image = self.new_image()
        first, second = self.lease(), self.lease()

        def stage_again(queued):
            staged = upload.stage(self.images, self.context, queued,
                                  io.BytesIO(SECOND), len(SECOND),
                                  lease=second)
            self.assertEqual(len(SECOND), staged.size)

        body = _StallsMidBody(FIRST, self.take_over(image.id, first,
                                                    stage_again))
        self.assertRaises(exception.ImageStatusConflict, upload.stage,
                          self.images, self.context, image, body,
                          len(FIRST), lease=first)

        image = image_db.get(self.context, image.id)
        self.assertEqual('uploading', image.status)
        self.assertEqual(len(SECOND), image.size)
        self.assertIsNone(image_db.uploader_of(self.context, image.id))
        with open(staging.path_of(self.conf, image.id), 'rb') as staged:
            self.assertEqual(SECOND, staged.read())
        self.assertEqual([image.id], os.listdir(self.staging_dir))

    def test_an_uploader_that_lost_its_lease_leaves_the_next_upload(self):
        image = self.new_image()
        first, second = self.lease(), self.lease()

        def upload_again(queued):
            active = upload.upload(self.images, self.context,
                                   self.services.image_store, queued,
                                   io.BytesIO(SECOND), len(SECOND),
                                   lease=second)
            self.assertEqual('active', active.status)

        body = _StallsMidBody(FIRST, self.take_over(image.id, first,
                                                    upload_again))
        self.assertRaises(exception.ImageStatusConflict, upload.upload,
                          self.images, self.context,
                          self.services.image_store, image, body,
                          len(FIRST), lease=first)

        image = image_db.get(self.context, image.id)
        self.assertEqual('active', image.status)
        self.assertEqual(len(SECOND), image.size)
        self.assertEqual(hashlib.md5(SECOND).hexdigest(), image.checksum)
        chunks, size = self.services.image_store.open(
            image_db.get_locations(self.context, image.id)[0]['url'])
        self.assertEqual(SECOND, b''.join(chunks))
        self.assertEqual(1, len(os.listdir(self.datadir)))

    def abandoned(self, status, directory, suffix):
        """An image ``status`` of a lapsed uploader, files of attempts.

        Its lapsed upload's own file, one an earlier upload that lost
        the image left, and another image's file. Returns
        ``(image id, the other image's file)``.
        """
        image = self.new_image()
        lapsed = self.lease()
        self.lapse(lapsed)
        self.images.move(self.context, image, status,
                         also=lambda ctx: image_db.set_uploader(
                             ctx, image.id, lapsed.name))
        other = uuidutils.generate_uuid() + suffix + '0123456789abcdef'
        for name in (image.id + suffix + ownership.tag(lapsed.name),
                     image.id + suffix + 'fedcba9876543210', other):
            with open(os.path.join(directory, name), 'wb') as f:
                f.write(b'partial')
        return image.id, other

    def test_the_sweep_removes_every_upload_file_of_the_image(self):
        image_id, other = self.abandoned('saving', self.datadir,
                                         '.upload-')
        self.assertEqual([image_id], recovery.release_abandoned_uploads(
            self.services))
        self.assertEqual([other], os.listdir(self.datadir))

    def test_the_sweep_removes_every_part_file_of_the_image(self):
        image_id, other = self.abandoned('uploading', self.staging_dir,
                                         '.part-')
        self.assertEqual([image_id], recovery.release_abandoned_uploads(
            self.services))
        self.assertEqual([other], os.listdir(self.staging_dir))


class TestLeaseRaceSQLite(LeaseRaceTests, base.DbTestCase):
    pass


class TestLeaseRaceMySQL(LeaseRaceTests, base.DbTestCase):
    FIXTURE = base.MySQLFixture


class TestLeaseRacePostgreSQL(LeaseRaceTests, base.DbTestCase):
    FIXTURE = base.PostgreSQLFixture
