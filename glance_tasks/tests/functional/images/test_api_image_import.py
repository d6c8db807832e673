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

"""``api_image_import`` on the real service, engines and an HTTP source.

Each test starts the import as the import call does
(:func:`.api_import.begin_import`) and checks what the flow leaves: the
image, its properties and locations, the store, the staging area and
the task's message.
"""

import hashlib
import os
import time

import testtools

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types import api_image_import
from glance_tasks.task_types.api_image_import import claim
from glance_tasks.task_types.api_image_import import progress
from glance_tasks.task_types import location_import
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests.functional.images import api_import
from glance_tasks.tests import multi_store
from glance_tasks.tests.unit.engine import fixtures as engine_fixtures
from glance_tasks.tests.unit.images import fixtures as image_fixtures

SIZE = 3 * 1024 * 1024 + 5


class ApiImportTestCase(image_fixtures.ImageServiceTestCase):
    """The image service with ``api_image_import`` enabled."""

    ENABLED = ('import', 'location_import', 'api_image_import')

    def setUp(self):
        super().setUp()
        self.admin = gt_context.get_admin_context()
        self.configure_stores()
        self.service = self.make_service()
        self.source = image_fixtures.make_image(self.source_dir, 'disk.raw',
                                                size=SIZE)
        with open(self.source, 'rb') as f:
            self.data = f.read()

    def registry(self, enabled=None):
        return registry_mod.TaskTypeRegistry(
            image_fixtures.ALL_TYPES + (api_image_import.ApiImageImport,),
            enabled=self.ENABLED if enabled is None else enabled)

    def configure_stores(self):
        """One store (the default); multi-store tests configure two."""

    def start(self, image, method, **kwargs):
        task_input = api_import.import_input(image.id, method, **kwargs)
        return api_import.begin_import(self.service, self.context, image.id,
                                       task_input)

    def run_import(self, image, method, **kwargs):
        task = self.start(image, method, **kwargs)
        return self.wait_until_finished(self.service, task.id, timeout=60)

    def staged_image(self, path=None, disk_format='raw'):
        image = api_import.new_image(self.conf, disk_format=disk_format)
        return api_import.stage(self.conf, image, path or self.source)

    def image(self, image_id):
        return image_lifecycle.get(self.admin, image_id)

    def properties(self, image_id):
        return image_db.get_properties(self.admin, image_id)

    def assertImported(self, task, image_id):
        self.assertEqual('success', task.status, task.message)
        self.assertEqual({'image_id': image_id}, task.result)
        image = self.image(image_id)
        self.assertEqual('active', image.status)
        self.assertEqual(len(self.data), image.size)
        self.assertEqual(len(self.data), image.virtual_size)
        self.assertEqual(hashlib.md5(self.data).hexdigest(), image.checksum)
        self.assertEqual('sha512', image.os_hash_algo)
        self.assertEqual(hashlib.sha512(self.data).hexdigest(),
                         image.os_hash_value)
        [location] = image_db.get_locations(self.admin, image_id)
        with open(location['url'][len('file://'):], 'rb') as f:
            self.assertEqual(self.data, f.read())
        properties = self.properties(image_id)
        self.assertNotIn(claim.LOCK, properties)
        self.assertNotIn(claim.IMPORTING_TO, properties)
        self.assertNoLeftovers(keep=[image_id])

    def assertRequeued(self, task, image_id, message):
        self.assertEqual('failure', task.status)
        self.assertIn(message, task.message)
        image = self.image(image_id)
        self.assertEqual('queued', image.status)
        self.assertIsNone(image.checksum)
        self.assertIsNone(image.size)
        self.assertEqual([], image_db.get_locations(self.admin, image_id))
        self.assertNotIn(claim.LOCK, self.properties(image_id))
        self.assertNoLeftovers()


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class GlanceDirectTest(ApiImportTestCase):

    def test_staged_data_becomes_the_image(self):
        image = self.staged_image()

        task = self.run_import(image, 'glance-direct')

        self.assertImported(task, image.id)

        def events():
            return [m['event_type'] for m in self.notifications.messages
                    if m['event_type'].startswith('image.')
                    and m['payload']['id'] == image.id]
        engine_fixtures.wait_for(lambda: 'image.activate' in events(), 10,
                                 what='image.activate')
        self.assertEqual(['image.upload', 'image.activate'], events()[-2:])

    def test_nothing_staged_fails_and_requeues(self):
        image = api_import.new_image(self.conf)
        image = image_lifecycle.ImageLifecycle(self.conf).move(
            self.admin, image, 'uploading')

        task = self.run_import(image, 'glance-direct')

        self.assertRequeued(task, image.id, 'No data is staged for image')

    def test_data_not_in_its_disk_format_is_refused(self):
        qcow2 = image_fixtures.make_image(self.source_dir, 'disk.qcow2',
                                          'qcow2')
        image = self.staged_image(qcow2, disk_format='raw')

        task = self.run_import(image, 'glance-direct')

        self.assertRequeued(task, image.id, "in qcow2 format, but the image's "
                                            'disk_format is raw')

    def test_a_lock_held_by_another_task_is_left_alone(self):
        image = self.staged_image()
        other = self.start(image, 'glance-direct')
        self.wait_until_finished(self.service, other.id, timeout=60)
        # A task that does not hold the lock (created by POST /v2/tasks,
        # say) must not touch the image.
        image_db.set_property(self.admin, image.id, claim.LOCK, 'someone')
        task = self.service.create_task(
            self.context, 'api_image_import',
            api_import.import_input(image.id, 'glance-direct'))
        task = self.wait_until_finished(self.service, task.id)

        self.assertEqual('failure', task.status)
        self.assertIn('its import lock (os_glance_import_task) is someone',
                      task.message)
        self.assertEqual('active', self.image(image.id).status)
        self.assertEqual('someone', self.properties(image.id)[claim.LOCK])
        self.assertEqual(1, len(image_db.get_locations(self.admin,
                                                       image.id)))


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class WebDownloadTest(ApiImportTestCase):

    def test_downloaded_data_becomes_the_image(self):
        image = api_import.new_image(self.conf)

        task = self.run_import(image, 'web-download',
                               uri=self.server.url('disk.raw'))

        self.assertImported(task, image.id)
        self.assertEqual(['/disk.raw'], self.server.requests)

    def test_source_404_fails_saying_so_and_requeues(self):
        image = api_import.new_image(self.conf)

        task = self.run_import(image, 'web-download',
                               uri=self.server.url('missing.raw'))

        self.assertRequeued(task, image.id, (
            "answered HTTP 404 (Not Found); check that the import method's "
            "uri names an existing image."))

    def test_refused_url_fails_and_requeues(self):
        self.conf.set_override('allowed_ports', [1], 'import_filtering_opts')
        image = api_import.new_image(self.conf)

        task = self.run_import(image, 'web-download',
                               uri=self.server.url('disk.raw'))

        self.assertRequeued(task, image.id, "refused by this cloud's import "
                                            'filtering')
        self.assertEqual([], self.server.requests)

    def test_size_cap_applies(self):
        self.conf.set_override('max_image_size', 1024 * 1024,
                               'image_import')
        image = api_import.new_image(self.conf)

        task = self.run_import(image, 'web-download',
                               uri=self.server.url('disk.raw', 'nolength'))

        self.assertRequeued(task, image.id, 'larger than 1048576 bytes')

    def test_validation_data_is_checked(self):
        image = api_import.new_image(self.conf)
        good = {'os_hash_algo': 'sha256',
                'os_hash_value': hashlib.sha256(self.data).hexdigest()}
        bad = dict(good, os_hash_value='ab' * 32)

        task = self.run_import(image, 'web-download', validation_data=bad,
                               uri=self.server.url('disk.raw'))
        self.assertRequeued(task, image.id, 'does not match validation_data')

        task = self.run_import(image, 'web-download', validation_data=good,
                               uri=self.server.url('disk.raw'))
        self.assertImported(task, image.id)

    def test_progress_is_reported_in_the_message(self):
        self.useFixture(engine_fixtures.fixtures.MonkeyPatch(
            '%s.INTERVAL' % progress.__name__, 0.2))
        image = api_import.new_image(self.conf)
        task = self.start(image, 'web-download',
                          uri=self.server.url('disk.raw', 'slow',
                                              rate=2 * 1024 * 1024))
        seen = engine_fixtures.wait_for(
            lambda: (self.service.get_task(self.context, task.id).message
                     or '').startswith('Copied '), 30, what='progress')
        self.assertTrue(seen)
        message = self.service.get_task(self.context, task.id).message
        self.assertRegex(message, r'^Copied \d+ MiB$')

        task = self.wait_until_finished(self.service, task.id, timeout=60)
        self.assertImported(task, image.id)

    def test_image_deleted_during_download(self):
        self.useFixture(engine_fixtures.fixtures.MonkeyPatch(
            '%s.INTERVAL' % progress.__name__, 0.2))
        image = api_import.new_image(self.conf)
        # The whole download would take 12 s.
        task = self.start(image, 'web-download',
                          uri=self.server.url('disk.raw', 'slow',
                                              rate=256 * 1024))
        engine_fixtures.wait_for(
            lambda: self.files_in(self.work_dir), 30, what='staged data')
        image_lifecycle.ImageLifecycle(self.conf).delete(
            self.admin, self.image(image.id))
        deleted = time.monotonic()

        task = self.wait_until_finished(self.service, task.id, timeout=60)

        # Stopped at a progress report, not at the end of the download.
        self.assertLess(time.monotonic() - deleted, 6)
        self.assertEqual('failure', task.status)
        self.assertIn('was deleted during its import', task.message)
        self.assertIsNone(self.image(image.id))
        self.assertNoLeftovers()


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class StoresTest(ApiImportTestCase):
    """Target stores, as the single-store service can show them."""

    def test_a_store_that_fails_is_recorded(self):
        image = self.staged_image()

        task = self.run_import(image, 'glance-direct', backend=['nowhere'],
                               must_succeed=False)

        self.assertRequeued(task, image.id,
                            'None of the stores accepted the image data: '
                            'nowhere:')
        self.assertEqual('nowhere',
                         self.properties(image.id)[claim.FAILED])
        self.assertNotIn(claim.IMPORTING_TO, self.properties(image.id))

    def test_all_stores_must_succeed(self):
        image = self.staged_image()

        task = self.run_import(image, 'glance-direct', backend=['nowhere'],
                               must_succeed=True)

        self.assertRequeued(task, image.id, 'no store named nowhere')
        self.assertEqual('nowhere',
                         self.properties(image.id)[claim.FAILED])

    def test_copy_image_needs_named_stores(self):
        image = self.staged_image()
        self.assertImported(self.run_import(image, 'glance-direct'),
                            image.id)

        task = self.run_import(self.image(image.id), 'copy-image')

        self.assertEqual('failure', task.status)
        self.assertIn('copy-image copies the data', task.message)
        # The image keeps its data and stays active, unlocked.
        image = self.image(image.id)
        self.assertEqual('active', image.status)
        self.assertEqual(hashlib.md5(self.data).hexdigest(), image.checksum)
        self.assertNotIn(claim.LOCK, self.properties(image.id))
        self.assertEqual(1, len(image_db.get_locations(self.admin,
                                                       image.id)))
        self.assertNoLeftovers(keep=[image.id])


class ReleaseStrandedTest(ApiImportTestCase):
    """What a task that ended without its reverts left, released."""

    def test_an_image_left_importing_is_requeued(self):
        image = self.staged_image()
        task = api_import.begin_import(
            self.service, self.context, image.id,
            api_import.import_input(image.id, 'glance-direct'),
            submit=False)
        stored = self.service.services.image_store.add(
            image.id, self.source)
        self.service.services.images.record_upload(self.admin, image.id,
                                                   stored)
        # Its engine died and it was failed without its reverts.
        self.service.lifecycle.fail(self.admin, task, 'stopped')

        released = api_image_import.ApiImageImport.release_stranded(
            self.service.services)

        self.assertEqual([image.id], released)
        image = self.image(image.id)
        self.assertEqual('queued', image.status)
        self.assertIsNone(image.checksum)
        self.assertNotIn(claim.LOCK, self.properties(image.id))
        self.assertEqual([], image_db.get_locations(self.admin, image.id))
        self.assertNoLeftovers()
        self.assertEqual([], api_image_import.ApiImageImport
                         .release_stranded(self.service.services))

    def test_an_active_image_keeps_its_data(self):
        # A copy-image task died: the image stays active with its data.
        image = self.staged_image()
        self.assertImported(self.run_import(image, 'glance-direct'),
                            image.id)
        task = api_import.begin_import(
            self.service, self.context, image.id,
            api_import.import_input(image.id, 'copy-image',
                                    backend=['slow']), submit=False)
        self.service.lifecycle.fail(self.admin, task, 'stopped')

        released = api_image_import.ApiImageImport.release_stranded(
            self.service.services)

        self.assertEqual([image.id], released)
        self.assertNotIn(claim.LOCK, self.properties(image.id))
        self.assertNotIn(claim.IMPORTING_TO, self.properties(image.id))
        self.assertEqual('active', self.image(image.id).status)
        self.assertNoLeftovers(keep=[image.id])

    def test_an_image_whose_task_runs_is_not_touched(self):
        image = self.staged_image()
        api_import.begin_import(
            self.service, self.context, image.id,
            api_import.import_input(image.id, 'glance-direct'),
            submit=False)

        self.assertEqual([], api_image_import.ApiImageImport
                         .release_stranded(self.service.services))
        self.assertEqual('importing', self.image(image.id).status)
        self.assertEqual([image.id], self.files_in(self.work_dir))

    def test_location_import_leaves_it_to_this_type(self):
        image = self.staged_image()
        task = api_import.begin_import(
            self.service, self.context, image.id,
            api_import.import_input(image.id, 'glance-direct'),
            submit=False)
        self.service.lifecycle.fail(self.admin, task, 'stopped')

        self.assertEqual([], location_import.LocationImport
                         .release_stranded(self.service.services))
        self.assertEqual('importing', self.image(image.id).status)


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class MultiStoreTest(ApiImportTestCase):
    """Two real file stores, ``fast`` (the default) and ``slow``."""

    def configure_stores(self):
        multi_store.configure(self.conf)

    def stored(self, image_id):
        """``{store: data}`` of the image's locations."""
        found = {}
        for location in image_db.get_locations(self.admin, image_id):
            with open(location['url'][len('file://'):], 'rb') as f:
                found[location['metadata']['store']] = f.read()
        return found

    def store_files(self, name):
        return self.files_in(multi_store.datadir(self.conf, name))

    def test_imported_into_every_target_store(self):
        image = self.staged_image()

        task = self.run_import(image, 'glance-direct',
                               backend=['fast', 'slow'])

        self.assertEqual('success', task.status, task.message)
        self.assertEqual({'fast': self.data, 'slow': self.data},
                         self.stored(image.id))
        image_row = self.image(image.id)
        self.assertEqual('active', image_row.status)
        self.assertEqual(hashlib.md5(self.data).hexdigest(),
                         image_row.checksum)
        properties = self.properties(image.id)
        for name in (claim.LOCK, claim.IMPORTING_TO, claim.FAILED):
            self.assertNotIn(name, properties)
        self.assertEqual([], self.files_in(self.work_dir))

    def test_copy_image_adds_a_store(self):
        image = api_import.new_image(self.conf)
        task = self.run_import(image, 'web-download', backend=['fast'],
                               uri=self.server.url('disk.raw'))
        self.assertEqual('success', task.status, task.message)

        task = self.run_import(self.image(image.id), 'copy-image',
                               backend=['slow'])

        self.assertEqual('success', task.status, task.message)
        self.assertEqual({'fast': self.data, 'slow': self.data},
                         self.stored(image.id))
        self.assertEqual('active', self.image(image.id).status)
        self.assertNotIn(claim.LOCK, self.properties(image.id))
        self.assertEqual([], self.files_in(self.work_dir))

    def test_a_failing_store_is_recorded_and_the_rest_go_on(self):
        image = self.staged_image()

        task = self.run_import(image, 'glance-direct',
                               backend=['nowhere', 'slow'],
                               must_succeed=False)

        self.assertEqual('success', task.status, task.message)
        self.assertEqual({'slow': self.data}, self.stored(image.id))
        self.assertEqual('nowhere', self.properties(image.id)[claim.FAILED])
        self.assertNotIn(claim.IMPORTING_TO, self.properties(image.id))

    def test_all_stores_must_succeed_empties_the_stores_written(self):
        image = self.staged_image()

        task = self.run_import(image, 'glance-direct',
                               backend=['fast', 'nowhere'],
                               must_succeed=True)

        self.assertEqual('failure', task.status)
        self.assertIn('no store named nowhere', task.message)
        self.assertEqual('queued', self.image(image.id).status)
        self.assertEqual({}, self.stored(image.id))
        self.assertEqual([], self.store_files('fast'))
        self.assertEqual('fast,nowhere',
                         self.properties(image.id)[claim.FAILED])
        self.assertEqual([], self.files_in(self.work_dir))

    def test_a_store_that_breaks_while_writing(self):
        # The slow store's directory is gone, a file in its place.
        image = self.staged_image()
        os.makedirs(multi_store.datadir(self.conf, 'slow'), exist_ok=True)
        os.rmdir(multi_store.datadir(self.conf, 'slow'))
        with open(multi_store.datadir(self.conf, 'slow'), 'w') as f:
            f.write('not a directory')

        task = self.run_import(image, 'glance-direct',
                               backend=['fast', 'slow'],
                               must_succeed=False)

        self.assertEqual('success', task.status, task.message)
        self.assertEqual({'fast': self.data}, self.stored(image.id))
        self.assertEqual('slow', self.properties(image.id)[claim.FAILED])


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class RunAgainTest(ApiImportTestCase):
    """Every atom run twice, as a crash right after each would make it."""

    def configure_stores(self):
        multi_store.configure(self.conf)

    def prepared(self, method, **kwargs):
        image = (self.staged_image() if method == 'glance-direct'
                 else api_import.new_image(self.conf))
        task_input = api_import.import_input(image.id, method,
                                             backend=['fast', 'slow'],
                                             **kwargs)
        task = api_import.begin_import(self.service, self.context, image.id,
                                       task_input, submit=False)
        task = self.service.lifecycle.start(self.admin, task)
        flow = api_image_import.build_flow(task.id, task_input)
        values = {'task_id': task.id,
                  'services': self.service.services.for_task(task)}
        return image, list(flow), values

    @staticmethod
    def run_twice(atom, values):
        for _attempt in range(2):
            result = atom.execute(**{arg: values[name] for arg, name
                                     in atom.rebind.items()
                                     if name in values})
        names = sorted(atom.save_as, key=atom.save_as.get)
        if len(names) > 1:
            values.update(zip(names, result))
        elif names:
            values[names[0]] = result
        return result

    @staticmethod
    def revert_twice(atom, values, result):
        args = {arg: values[name] for arg, name in atom.rebind.items()
                if name in values}
        for _attempt in range(2):
            atom.revert(result=result, flow_failures={}, **args)

    def test_every_atom_can_run_again(self):
        for method, kwargs in (('glance-direct', {}),
                               ('web-download',
                                {'uri': self.server.url('disk.raw')})):
            image, atoms, values = self.prepared(method, **kwargs)
            for atom in atoms:
                self.run_twice(atom, values)

            image = self.image(image.id)
            self.assertEqual('active', image.status, method)
            self.assertEqual(hashlib.md5(self.data).hexdigest(),
                             image.checksum)
            self.assertEqual(2, len(image_db.get_locations(self.admin,
                                                           image.id)))
            self.assertNotIn(claim.LOCK, self.properties(image.id))
            self.assertEqual([], self.files_in(self.work_dir))

    def test_every_revert_can_run_again(self):
        image, atoms, values = self.prepared('glance-direct')
        results = [(atom, self.run_twice(atom, values))
                   for atom in atoms[:-1]]  # all but complete-import
        self.assertEqual('importing', self.image(image.id).status)

        for atom, result in reversed(results):
            self.revert_twice(atom, values, result)

        image = self.image(image.id)
        self.assertEqual('queued', image.status)
        self.assertIsNone(image.checksum)
        self.assertEqual([], image_db.get_locations(self.admin, image.id))
        self.assertEqual('fast,slow', self.properties(image.id)[claim.FAILED])
        self.assertNotIn(claim.LOCK, self.properties(image.id))
        for name in ('fast', 'slow'):
            self.assertEqual([], self.files_in(multi_store.datadir(
                self.conf, name)))
        self.assertEqual([], self.files_in(self.work_dir))


@testtools.skipUnless(image_fixtures.QEMU_IMG, 'qemu-img is not installed')
class PluginsTest(ApiImportTestCase):
    """The configured import plugins, between inspection and store."""

    def test_conversion_and_injection(self):
        self.conf.set_override('image_import_plugins',
                               ['image_conversion', 'inject_image_metadata'],
                               group='image_import_opts')
        self.conf.set_override('output_format', 'raw',
                               group='image_conversion')
        self.conf.set_override('inject', {'hw_vendor': 'acme'},
                               group='inject_metadata_properties')
        size = 3 * 1024 * 1024  # whole sectors: the raw data comes back
        qcow2 = image_fixtures.make_image(self.source_dir, 'disk.qcow2',
                                          'qcow2', size=size)
        raw = image_fixtures.make_image(self.source_dir, 'same.raw',
                                        size=size)
        with open(raw, 'rb') as f:
            expected = hashlib.md5(f.read()).hexdigest()
        image = self.staged_image(qcow2, disk_format='qcow2')

        task = self.run_import(image, 'glance-direct')

        self.assertEqual('success', task.status, task.message)
        image = self.image(image.id)
        self.assertEqual('raw', image.disk_format)
        self.assertEqual(size, image.size)
        self.assertEqual(expected, image.checksum)
        self.assertEqual('acme', self.properties(image.id)['hw_vendor'])
        self.assertNoLeftovers(keep=[image.id])

    def test_a_later_failure_reverts_the_plugins(self):
        self.conf.set_override('image_import_plugins',
                               ['inject_image_metadata'],
                               group='image_import_opts')
        self.conf.set_override('inject', {'hw_vendor': 'acme'},
                               group='inject_metadata_properties')
        image = self.staged_image()

        task = self.run_import(image, 'glance-direct', backend=['nowhere'])

        self.assertRequeued(task, image.id, 'no store named nowhere')
        self.assertNotIn('hw_vendor', self.properties(image.id))
