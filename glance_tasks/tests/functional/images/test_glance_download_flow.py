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

"""The glance-download flow on the real service, against a remote region.

The remote is :class:`.remote_glance.RemoteGlance`, a real HTTP server
that answers as another region's image service (and lies when told to);
imports start as the import call starts them (:func:`.api_import.
begin_import`, the requester and token recorded in the same
transaction). The two-instance tests behind a real Keystone are in
``tests/functional/api/test_glance_download.py``.
"""

import hashlib
import logging

import fixtures
from oslo_utils import uuidutils
import testtools

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.db import requesters as requester_db
from glance_tasks.task_types import api_image_import
from glance_tasks.task_types.api_image_import import claim
from glance_tasks.tests.functional.images import api_import
from glance_tasks.tests.functional.images import remote_glance
from glance_tasks.tests.functional.images import test_api_image_import
from glance_tasks.tests import multi_store
from glance_tasks.tests.unit.images import fixtures as image_fixtures

TOKEN = 'gAAAAA-the-users-token-%s' % uuidutils.generate_uuid()
REGION = 'RegionTwo'
DATA = bytes(range(256)) * 4096 + b'tail'  # 1 MiB and 4 bytes


def remote_record(data=DATA, status='active', **extra):
    """A remote image's record as Glance shows it."""
    record = {'status': status, 'disk_format': 'raw',
              'container_format': 'bare', 'size': len(data),
              'checksum': hashlib.md5(data).hexdigest(),
              'os_hash_algo': 'sha512',
              'os_hash_value': hashlib.sha512(data).hexdigest(),
              'hw_disk_bus': 'scsi', 'os_distro': 'debian',
              'os_glance_import_task': 'remote-lock',
              'owner_specified.openstack.md5': 'x',
              'visibility': 'public', 'min_ram': 0, 'tags': []}
    record.update(extra)
    return record


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class GlanceDownloadFlowTest(test_api_image_import.ApiImportTestCase):

    def setUp(self):
        super().setUp()
        self.remote = self.useFixture(remote_glance.RemoteGlance(TOKEN))
        self.remote_id = uuidutils.generate_uuid()
        self.logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))

    def queued(self):
        """The local image: queued, formats other than the remote's."""
        return api_import.new_image(self.conf, disk_format='qcow2')

    def task_input(self, image, **kwargs):
        return api_import.import_input(
            image.id, 'glance-download',
            remote=(self.remote.url, REGION, self.remote_id), **kwargs)

    def run_download(self, image, token=TOKEN, context=None):
        task = api_import.begin_import(
            self.service, context or self.context, image.id,
            self.task_input(image), token=token)
        return self.wait_until_finished(self.service, task.id, timeout=60)

    def assertTokenKept(self, task):
        """The token in no log line, message or notification; row gone."""
        self.assertNotIn(TOKEN, self.logs.output)
        self.assertNotIn(TOKEN, task.message or '')
        self.assertNotIn(TOKEN, repr(self.notifications.messages))
        self.assertIsNone(requester_db.get(self.admin, task.id))

    def assertRequeuedAsBefore(self, task, image_id, message):
        self.assertEqual('failure', task.status)
        self.assertIn(message, task.message)
        image = self.image(image_id)
        self.assertEqual('queued', image.status)
        self.assertEqual('qcow2', image.disk_format)
        self.assertIsNone(image.checksum)
        properties = self.properties(image_id)
        self.assertNotIn('hw_disk_bus', properties)
        self.assertNotIn(claim.LOCK, properties)
        self.assertEqual([], image_db.get_locations(self.admin, image_id))
        self.assertNoLeftovers()
        self.assertTokenKept(task)

    def test_remote_image_becomes_the_image(self):
        self.remote.add(self.remote_id, remote_record(), DATA)
        image = self.queued()

        task = self.run_download(image)

        self.assertEqual('success', task.status, task.message)
        image = self.image(image.id)
        self.assertEqual('active', image.status)
        self.assertEqual(('raw', 'bare'),
                         (image.disk_format, image.container_format))
        self.assertEqual(len(DATA), image.size)
        self.assertEqual(hashlib.md5(DATA).hexdigest(), image.checksum)
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         image.os_hash_value)
        properties = self.properties(image.id)
        # Glance's default prefixes: hw_, trait:, os_distro, ...
        self.assertEqual('scsi', properties['hw_disk_bus'])
        self.assertEqual('debian', properties['os_distro'])
        self.assertNotIn('owner_specified.openstack.md5', properties)
        self.assertNotIn(claim.LOCK, properties)
        self.assertEqual(
            [('/v2/images/%s' % self.remote_id, TOKEN),
             ('/v2/images/%s/file' % self.remote_id, TOKEN)],
            self.remote.seen)
        self.assertNoLeftovers(keep=[image.id])
        self.assertTokenKept(task)

    def test_extra_properties_choose_what_is_copied(self):
        self.conf.set_override('extra_properties', ['os_', 'arch'],
                               group='glance_download_properties')
        self.remote.add(self.remote_id, remote_record(
            architecture='x86_64'), DATA)
        image = self.queued()

        task = self.run_download(image)

        self.assertEqual('success', task.status, task.message)
        properties = self.properties(image.id)
        self.assertEqual('x86_64', properties['architecture'])
        self.assertEqual('debian', properties['os_distro'])
        self.assertNotIn('hw_disk_bus', properties)
        # os_glance* never, and image fields are no properties.
        self.assertNotIn('os_hash_value', properties)
        self.assertNotIn('os_glance_import_task', properties)

    def test_remote_not_active_fails(self):
        self.remote.add(self.remote_id, remote_record(status='queued'), DATA)
        image = self.queued()

        task = self.run_download(image)

        self.assertRequeuedAsBefore(
            task, image.id,
            'Source image status should be active instead of queued')

    def test_refused_token_fails_saying_to_import_again(self):
        self.remote.add(self.remote_id, remote_record(), DATA)
        image = self.queued()

        task = self.run_download(image, token='gAAAAA-expired')

        self.assertRequeuedAsBefore(
            task, image.id, 'The image service of region RegionTwo refused '
            'the token of the user who started this import (HTTP 401)')
        self.assertIn('Import the image again', task.message)

    def test_remote_404_names_the_region(self):
        image = self.queued()

        task = self.run_download(image)

        self.assertRequeuedAsBefore(
            task, image.id, 'The source image %s was not found in region '
            'RegionTwo' % self.remote_id)

    def test_lying_remote_fails_and_undoes_the_copied_metadata(self):
        other = bytes(reversed(DATA))  # the same size, other bytes
        self.remote.add(self.remote_id, remote_record(), other)
        image = self.queued()
        image_db.set_property(self.admin, image.id, 'os_distro', 'mine')

        task = self.run_download(image)

        self.assertRequeuedAsBefore(
            task, image.id, 'does not match the source image: its sha512 '
            'hash is %s' % hashlib.sha512(other).hexdigest())
        # Replaced during the import, given back by its revert.
        self.assertEqual('mine', self.properties(image.id)['os_distro'])

    def test_short_data_fails_on_the_size(self):
        record = remote_record(size=len(DATA) + 10, os_hash_value=None,
                               os_hash_algo=None)
        self.remote.add(self.remote_id, record, DATA)
        image = self.queued()

        task = self.run_download(image)

        self.assertRequeuedAsBefore(
            task, image.id, '%d bytes of image %s arrived from region '
            'RegionTwo, but the source image has %d'
            % (len(DATA), self.remote_id, len(DATA) + 10))

    def test_token_not_sent_on_a_redirect_to_another_host(self):
        self.remote.add(self.remote_id, remote_record(), DATA)
        with open(self.source, 'wb') as f:
            f.write(DATA)
        self.remote.redirect_to(self.server.url('disk.raw'))
        image = self.queued()

        task = self.run_download(image)

        self.assertEqual('success', task.status, task.message)
        self.assertEqual(['/disk.raw'], self.server.requests)
        self.assertEqual([None], self.server.auth_headers)
        # The token went to the remote only (its file call redirected).
        self.assertEqual([TOKEN, TOKEN],
                         [token for _path, token in self.remote.seen])

    def test_missing_token_fails_saying_to_import_again(self):
        self.remote.add(self.remote_id, remote_record(), DATA)
        image = self.queued()

        task = self.run_download(image, token=None)

        self.assertRequeuedAsBefore(task, image.id,
                                    'The token of the user who started '
                                    'this import is not recorded')
        self.assertEqual([], self.remote.seen)


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class GlanceDownloadRunAgainTest(test_api_image_import.ApiImportTestCase):
    """Each glance-download atom and revert run twice."""

    run_twice = staticmethod(test_api_image_import.RunAgainTest.run_twice)
    revert_twice = staticmethod(
        test_api_image_import.RunAgainTest.revert_twice)

    def configure_stores(self):
        multi_store.configure(self.conf)

    def setUp(self):
        super().setUp()
        self.remote = self.useFixture(remote_glance.RemoteGlance(TOKEN))
        self.remote_id = uuidutils.generate_uuid()
        self.remote.add(self.remote_id, remote_record(), DATA)

    def prepared_download(self):
        image = api_import.new_image(self.conf, disk_format='qcow2')
        image_db.set_property(self.admin, image.id, 'os_distro', 'mine')
        task_input = api_import.import_input(
            image.id, 'glance-download', backend=['fast', 'slow'],
            remote=(self.remote.url, REGION, self.remote_id))
        task = api_import.begin_import(self.service, self.context, image.id,
                                       task_input, submit=False,
                                       token=TOKEN)
        task = self.service.lifecycle.start(self.admin, task)
        flow = api_image_import.build_flow(task.id, task_input)
        values = {'task_id': task.id,
                  'services': self.service.services.for_task(task)}
        return image, list(flow), values

    def test_every_glance_download_atom_can_run_again(self):
        image, atoms, values = self.prepared_download()
        self.assertIn('import-metadata', [atom.name for atom in atoms])
        for atom in atoms:
            self.run_twice(atom, values)

        image = self.image(image.id)
        self.assertEqual('active', image.status)
        self.assertEqual('raw', image.disk_format)
        self.assertEqual(hashlib.md5(DATA).hexdigest(), image.checksum)
        self.assertEqual('debian', self.properties(image.id)['os_distro'])
        self.assertEqual([], self.files_in(self.work_dir))

    def test_every_glance_download_revert_can_run_again(self):
        image, atoms, values = self.prepared_download()
        results = [(atom, self.run_twice(atom, values))
                   for atom in atoms[:-1]]  # all but complete-import
        self.assertEqual('raw', self.image(image.id).disk_format)

        for atom, result in reversed(results):
            self.revert_twice(atom, values, result)

        image = self.image(image.id)
        self.assertEqual('queued', image.status)
        self.assertEqual('qcow2', image.disk_format)
        properties = self.properties(image.id)
        self.assertEqual('mine', properties['os_distro'])
        self.assertNotIn('hw_disk_bus', properties)
        self.assertNotIn(claim.LOCK, properties)
        self.assertEqual([], image_db.get_locations(self.admin, image.id))
        self.assertEqual([], self.files_in(self.work_dir))


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class RecordedRolesTest(test_api_image_import.ApiImportTestCase):
    """inject_image_metadata decides by the roles the import call kept."""

    def setUp(self):
        super().setUp()
        self.conf.set_override('image_import_plugins',
                               ['inject_image_metadata'],
                               group='image_import_opts')
        self.conf.set_override('inject', {'cloud': 'example'},
                               group='inject_metadata_properties')

    def imported_as(self, roles):
        context = gt_context.RequestContext(project_id='project-a',
                                            user_id='user-a', roles=roles)
        image = api_import.new_image(self.conf)
        task = api_import.begin_import(
            self.service, context, image.id, api_import.import_input(
                image.id, 'web-download', uri=self.server.url('disk.raw')))
        task = self.wait_until_finished(self.service, task.id, timeout=60)
        self.assertEqual('success', task.status, task.message)
        self.assertIsNone(requester_db.get(self.admin, task.id))
        return self.properties(image.id)

    def test_an_admins_import_is_not_injected(self):
        self.assertNotIn('cloud', self.imported_as(['admin', 'member']))

    def test_a_members_import_is_injected(self):
        self.assertEqual('example',
                         self.imported_as(['member', 'reader'])['cloud'])
