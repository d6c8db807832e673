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

"""The legacy ``import`` task over a bad network: it shares fetch.download.

The real task service, a real HTTP source that drops the connection
mid-body (:mod:`glance_tasks.tests.unit.images.flaky_source`).
"""

import hashlib

import testtools

from glance_tasks.tests.unit.images import fixtures as image_fixtures
from glance_tasks.tests.unit.images import flaky_source

MIB = 1024 * 1024
DATA = bytes(range(256)) * (2 * 4096) + b'tail'  # 2 MiB + 4 bytes


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class ImportResumeTest(image_fixtures.ImageServiceTestCase):

    def setUp(self):
        super().setUp()
        self.source = self.useFixture(flaky_source.FlakySource(DATA))
        self.service = self.make_service()

    def run_import(self, url):
        task = self.service.create_task(self.context, 'import', {
            'import_from': url, 'import_from_format': 'raw',
            'image_properties': {'name': 'flaky', 'disk_format': 'raw',
                                 'container_format': 'bare'}})
        return self.wait_until_finished(self.service, task.id, timeout=60)

    def test_dropped_transfer_is_resumed(self):
        task = self.run_import(self.source.url('range', drop=MIB))
        self.assertEqual('success', task.status, task.message)
        image = self.image_row(task.image_id)
        self.assertEqual(('active', len(DATA)), (image.status, image.size))
        self.assertEqual(hashlib.md5(DATA).hexdigest(), image.checksum)
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         image.os_hash_value)
        self.assertEqual([None, 'bytes=%d-' % MIB, 'bytes=%d-' % (2 * MIB)],
                         [r[1] for r in self.source.requests])
        self.assertNoLeftovers(keep=[image.id])

    def test_source_ending_short_every_time(self):
        url = self.source.url('short', stop=MIB + 5)
        task = self.run_import(url)
        self.assertEqual('failure', task.status)
        self.assertEqual(
            'Only %d of the %d bytes the source %s announced arrived, after '
            '4 attempts (resuming where the data stopped); the last one '
            'ended: the connection closed early. The image data is '
            'incomplete. Try again later, or check the source server.'
            % (MIB + 5, len(DATA), self.source.url('short')), task.message)
        self.assertEqual('killed', self.image_row(task.image_id).status)
        self.assertNoLeftovers()
