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

"""Uploads to a named store of a multi-store service, and their cleanup.

An upload whose uploader died left its partial file in whichever store
it was writing to (nothing records which): the release of abandoned
uploads removes it from every store, and leaves other images' data in
the stores alone.
"""

import io
import os

from oslo_utils import uuidutils

from glance_tasks.db import images as image_db
from glance_tasks.engine import ownership
from glance_tasks.images import recovery
from glance_tasks.images import upload
from glance_tasks.task_types import base as type_base
from glance_tasks.tests import base
from glance_tasks.tests import multi_store


class TestMultiStoreUploads(base.DbTestCase):

    def setUp(self):
        super().setUp()
        multi_store.configure(self.conf)
        self.services = type_base.Services(self.conf)
        self.slow = multi_store.datadir(self.conf, 'slow')
        self.fast = multi_store.datadir(self.conf, 'fast')

    def queued_image(self):
        return self.services.images.create(self.context, {
            'id': uuidutils.generate_uuid(), 'owner': 'project-a',
            'disk_format': 'raw', 'container_format': 'bare'})

    def test_upload_to_a_named_store(self):
        image = self.queued_image()
        upload.upload(self.services.images, self.context,
                      self.services.image_store, image,
                      io.BytesIO(b'\2' * 5000), 5000, backend='slow')
        self.assertEqual('active', image_db.get(self.context,
                                                image.id).status)
        self.assertEqual([{'store': 'slow'}], [
            location['metadata'] for location in
            image_db.get_locations(self.context, image.id)])
        self.assertEqual([image.id], os.listdir(self.slow))

    def test_partial_data_of_a_dead_uploader_is_removed_from_its_store(self):
        kept = self.queued_image()
        upload.upload(self.services.images, self.context,
                      self.services.image_store, kept,
                      io.BytesIO(b'\3' * 100), 100, backend='slow')
        image = self.queued_image()
        dead = ownership.new_name()
        self.services.images.move(
            self.context, image, 'saving',
            also=lambda ctx: image_db.set_uploader(ctx, image.id, dead))
        with open(os.path.join(self.slow, image.id), 'wb') as f:
            f.write(b'partial')

        self.assertEqual([image.id],
                         recovery.release_abandoned_uploads(self.services))

        self.assertEqual('queued', image_db.get(self.context,
                                                image.id).status)
        self.assertEqual([kept.id], os.listdir(self.slow))
