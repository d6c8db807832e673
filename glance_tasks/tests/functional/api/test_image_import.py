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

"""Stage and import calls over the real app, database and staging area.

The import call's guarantees: its answer, the ``api_image_import`` task
row (Glance's input), the import lock and the status move committed
together, and every refusal a 4xx that changes nothing. The task here
is :mod:`.import_stub`'s, which waits and touches nothing, so what the
call did can be looked at before any flow could change it. The same
tests run on PostgreSQL, where two racing imports meet a real row lock.
"""

import io
import json
import os
import threading

from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools
import webob

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import outbox as outbox_db
from glance_tasks.db import tasks as task_db
from glance_tasks import exception
from glance_tasks.images import recovery
from glance_tasks.images import staging
from glance_tasks.tests.functional.api import fixtures
from glance_tasks.tests.functional.api import import_stub
from glance_tasks.tests.functional.api import test_image_data
from glance_tasks.tests import multi_store

PROJECT = fixtures.PROJECT_A
MEMBER = {'X-Project-Id': PROJECT, 'X-Roles': 'member,reader',
          'X-User-Id': 'importer'}
READER = dict(MEMBER, **{'X-Roles': 'reader'})
ADMIN = dict(MEMBER, **{'X-Roles': 'admin,member,reader'})
CAP = 1024 * 1024
LOCK = 'os_glance_import_task'
TIMEOUT = 30


class ImportTestCase(testtools.TestCase):

    BACKEND = 'sqlite'
    OVERRIDES = {}
    BEFORE_APP = None

    def setUp(self):
        super().setUp()
        import_stub.RELEASE.clear()
        overrides = {('image_size_cap', None): CAP,
                     ('enabled_task_types', 'task'): ['api_image_import',
                                                      'noop']}
        overrides.update(self.OVERRIDES)
        self.env = fixtures.APIEnvironment(
            backend=self.BACKEND, overrides=overrides,
            before_app=self.BEFORE_APP, task_types=[import_stub.StubImport])
        self.addCleanup(self.env.stop)
        # Before the service stops, which waits for its flows.
        self.addCleanup(import_stub.RELEASE.set)
        self.context = gt_context.get_admin_context()

    def call(self, path, method='GET', body=None, headers=MEMBER,
             content_type='application/json', chunked=False):
        req = fixtures.api_request(path, method, body, headers,
                                   content_type, chunked)
        return req.get_response(self.env.app)

    def create(self, **fields):
        body = dict({'name': 'imported', 'disk_format': 'raw',
                     'container_format': 'bare'}, **fields)
        body = {name: value for name, value in body.items()
                if value is not None}
        response = self.call('/v2/images', 'POST', body)
        self.assertEqual(201, response.status_code, response.text)
        return response.json['id']

    def stage(self, image_id, data, **kwargs):
        return self.call('/v2/images/%s/stage' % image_id, 'PUT', data,
                         content_type=kwargs.pop(
                             'content_type', 'application/octet-stream'),
                         **kwargs)

    def start_import(self, image_id, body, headers=MEMBER):
        return self.call('/v2/images/%s/import' % image_id, 'POST', body,
                         headers=headers)

    def image(self, image_id):
        return image_db.get(self.context, image_id)

    def properties(self, image_id):
        return image_db.get_properties(self.context, image_id)

    def staged(self, image_id):
        path = staging.path_of(self.env.conf, image_id)
        if not os.path.exists(path):
            return None
        with open(path, 'rb') as f:
            return f.read()

    def staging_begun(self, image_id):
        """True once a stage of the image writes (its own part file)."""
        return any(name.startswith(image_id + '.part-') for name in
                   os.listdir(staging.work_dir(self.env.conf)))

    def image_tasks(self, image_id):
        response = self.call('/v2/images/%s/tasks' % image_id)
        self.assertEqual(200, response.status_code, response.text)
        return response.json['tasks']

    def detail(self, response):
        return response.json['errors'][0]['detail']

    def assert_refused(self, response, status, *words):
        self.assertEqual(status, response.status_code, response.text)
        for word in words:
            self.assertIn(word, self.detail(response))

    def staged_image(self, data=b'\1' * 4096):
        image_id = self.create()
        response = self.stage(image_id, data)
        self.assertEqual(204, response.status_code, response.text)
        return image_id


class TestStage(ImportTestCase):

    def test_create_announces_the_import_methods(self):
        response = self.call('/v2/images', 'POST', {'name': 'x'})
        self.assertEqual(201, response.status_code)
        self.assertEqual('glance-direct,web-download,copy-image',
                         response.headers['OpenStack-image-import-methods'])
        self.assertNotIn('OpenStack-image-store-ids', response.headers)

    def test_stage_streams_to_the_staging_area(self):
        image_id = self.create()
        data = os.urandom(300 * 1024)
        response = self.stage(image_id, data, chunked=True)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual(b'', response.body)
        image = self.image(image_id)
        self.assertEqual('uploading', image.status)
        self.assertEqual(len(data), image.size)
        self.assertEqual(data, self.staged(image_id))
        # Nothing reached the store; no uploader is left named.
        self.assertEqual([], image_db.get_locations(self.context, image_id))
        self.assertEqual([], image_db.uploads(self.context, 'uploading'))
        shown = self.call('/v2/images/%s' % image_id).json
        self.assertEqual('uploading', shown['status'])
        self.assertEqual(len(data), shown['size'])

    def test_stage_of_a_non_queued_image_is_409(self):
        image_id = self.staged_image()
        self.assert_refused(self.stage(image_id, b'again'), 409,
                            "'uploading'")
        self.assertEqual(b'\1' * 4096, self.staged(image_id))

    def test_wrong_content_type_is_415(self):
        image_id = self.create()
        self.assert_refused(self.stage(image_id, b'{}',
                                       content_type='application/json'),
                            415, 'application/octet-stream')
        self.assertEqual('queued', self.image(image_id).status)

    def test_over_the_cap_is_413_and_queued_again(self):
        image_id = self.create()
        self.assert_refused(self.stage(image_id, b'x' * (CAP + 1),
                                       chunked=True),
                            413, 'image_size_cap')
        image = self.image(image_id)
        self.assertEqual('queued', image.status)
        self.assertIsNone(image.size)
        self.assertIsNone(self.staged(image_id))
        self.assertEqual(204, self.stage(image_id, b'y' * 10).status_code)
        self.assertEqual(b'y' * 10, self.staged(image_id))

    def test_over_the_cap_by_length_is_413_before_any_move(self):
        image_id = self.create()
        self.assert_refused(self.stage(image_id, b'x' * (CAP + 1)), 413)
        self.assertEqual('queued', self.image(image_id).status)
        self.assertIsNone(self.staged(image_id))

    def test_client_gone_mid_body_is_queued_again(self):
        image_id = self.create()
        broken = io.BufferedReader(test_image_data._Breaks(b'z' * 200000))
        self.assert_refused(self.stage(image_id, broken), 400, 'broke off')
        self.assertEqual('queued', self.image(image_id).status)
        self.assertIsNone(self.staged(image_id))

    def test_body_shorter_than_its_length(self):
        image_id = self.create()
        req = webob.Request.blank('/v2/images/%s/stage' % image_id,
                                  method='PUT', headers=MEMBER)
        req.content_type = 'application/octet-stream'
        req.body = b's' * 500
        req.environ['CONTENT_LENGTH'] = '1000'
        self.assert_refused(req.get_response(self.env.app), 400,
                            '500 of the 1000 bytes')
        self.assertEqual('queued', self.image(image_id).status)
        self.assertIsNone(self.staged(image_id))

    def test_a_full_staging_disk_is_413_and_queued_again(self):
        if not os.path.exists('/dev/full'):
            self.skipTest('no /dev/full to stand for a full disk')
        image_id = self.create()
        # Where this process's stage of the image writes.
        part = staging.part_path(self.env.conf, image_id,
                                 self.env.service.upload_lease.name)
        os.symlink('/dev/full', part)
        self.assert_refused(self.stage(image_id, b'f' * 10000), 413,
                            'staging area')
        self.assertEqual('queued', self.image(image_id).status)
        self.assertFalse(os.path.lexists(part))
        self.assertFalse(os.path.lexists(
            staging.path_of(self.env.conf, image_id)))

    def test_reader_may_not_stage(self):
        image_id = self.create()
        self.assertEqual(403, self.stage(image_id, b'x',
                                         headers=READER).status_code)
        self.assertEqual('queued', self.image(image_id).status)

    def test_delete_of_a_staged_image_removes_its_data(self):
        image_id = self.staged_image()
        self.assertEqual(204, self.call('/v2/images/%s' % image_id,
                                        'DELETE').status_code)
        self.assertIsNone(self.staged(image_id))
        self.assertEqual(404, self.call('/v2/images/%s' %
                                        image_id).status_code)

    def test_delete_while_staging(self):
        image_id = self.create()
        release = threading.Event()
        answers = []
        thread = threading.Thread(target=lambda: answers.append(self.stage(
            image_id, _blocked(release))), daemon=True)
        thread.start()
        self.addCleanup(release.set)
        self.wait_for(lambda: self.staging_begun(image_id))
        self.assertEqual('uploading', self.image(image_id).status)
        self.assertEqual(204, self.call('/v2/images/%s' % image_id,
                                        'DELETE').status_code)
        release.set()
        thread.join(TIMEOUT)
        self.assertEqual(400, answers[0].status_code)
        self.assertIsNone(self.staged(image_id))
        self.assertRaises(exception.ImageNotFound, self.image, image_id)

    def wait_for(self, predicate):
        for _ in range(TIMEOUT * 20):
            if predicate():
                return
            threading.Event().wait(0.05)
        self.fail('never happened')

    def test_stage_refused_without_glance_direct(self):
        self.env.conf.set_override('enabled_import_methods',
                                   ['web-download'])
        image_id = self.create()
        self.assert_refused(self.stage(image_id, b'x'), 404,
                            "'glance-direct' method is not available")
        self.assertEqual('queued', self.image(image_id).status)

    def test_an_abandoned_stage_is_queued_again(self):
        staged = self.staged_image()
        image_id = self.create()
        image = self.image(image_id)
        # As a process that died mid-stage leaves it: uploading, its
        # uploader a lease that no longer exists, half a file staged.
        images = self.env.service.services.images
        images.move(self.context, image, 'uploading',
                    also=lambda ctx: image_db.set_uploader(
                        ctx, image_id, 'executor-that-died'))
        with open(staging.path_of(self.env.conf, image_id), 'wb') as f:
            f.write(b'half')
        released = recovery.release_abandoned_uploads(
            self.env.service.services)
        self.assertEqual([image_id], released)
        self.assertEqual('queued', self.image(image_id).status)
        self.assertIsNone(self.staged(image_id))
        # A finished stage names no uploader: it is left alone.
        self.assertEqual('uploading', self.image(staged).status)
        self.assertEqual(b'\1' * 4096, self.staged(staged))


def _payload(row):
    payload = row.payload
    return json.loads(payload) if isinstance(payload, str) else payload


def _blocked(release):
    """A body that gives some bytes, then waits, then breaks."""
    return fixtures.BlockedBody(release, b'\2' * 65536, TIMEOUT)


class TestImport(ImportTestCase):

    def test_glance_direct(self):
        image_id = self.staged_image()
        response = self.start_import(
            image_id, {'method': {'name': 'glance-direct'}})
        self.assertEqual(202, response.status_code, response.text)
        self.assertEqual(b'', response.body)
        self.assertEqual('importing', self.image(image_id).status)
        [task] = self.image_tasks(image_id)
        self.assertEqual('api_image_import', task['type'])
        self.assertEqual(image_id, task['image_id'])
        self.assertIn(task['status'], ('pending', 'processing'))
        self.assertEqual({'image_id': image_id, 'backend': None,
                          'import_req': {
                              'method': {'name': 'glance-direct'},
                              'all_stores': False,
                              'all_stores_must_succeed': True}},
                         task['input'])
        self.assertEqual(task['id'], self.properties(image_id)[LOCK])
        self.assertNotIn('os_glance_importing_to_stores',
                         self.properties(image_id))
        # The staged data waits for the task.
        self.assertEqual(b'\1' * 4096, self.staged(image_id))
        listed = self.call('/v2/tasks?type=api_image_import').json['tasks']
        self.assertEqual([task['id']], [t['id'] for t in listed])
        shown = self.call('/v2/tasks/%s' % task['id']).json
        self.assertEqual(task['input'], shown['input'])
        self.assertEqual('importer', shown['user_id'])
        self.assertEqual(PROJECT, shown['owner'])
        # The lock is a reserved property: shown, never writable.
        image = self.call('/v2/images/%s' % image_id).json
        self.assertEqual(task['id'], image[LOCK])

    def test_web_download(self):
        image_id = self.create()
        digest = 'a' * 128
        response = self.start_import(image_id, {'method': {
            'name': 'web-download', 'uri': 'https://images.example.com/a',
            'validation_data': {'os_hash_algo': 'sha512',
                                'os_hash_value': digest.upper()}}})
        self.assertEqual(202, response.status_code, response.text)
        self.assertEqual('importing', self.image(image_id).status)
        [task] = self.image_tasks(image_id)
        self.assertEqual({'name': 'web-download',
                          'uri': 'https://images.example.com/a',
                          'validation_data': {'os_hash_algo': 'sha512',
                                              'os_hash_value': digest}},
                         task['input']['import_req']['method'])
        self.assertEqual(task['id'], self.properties(image_id)[LOCK])

    def test_the_moves_and_the_task_are_announced(self):
        image_id = self.staged_image()
        self.start_import(image_id, {'method': {'name': 'glance-direct'}})
        # queued->uploading, the staged size, then the task and the
        # uploading->importing move of one transaction.
        self.assertEqual([('image.create', 'queued'),
                          ('image.update', 'uploading'),
                          ('image.update', 'uploading'),
                          ('task.create', 'pending'),
                          ('image.prepare', 'importing')],
                         self.announced()[:5])

    def announced(self):
        with db_api.context_manager.reader.using(self.context):
            rows = self.context.session.execute(
                sa.select(outbox_db.OUTBOX).order_by(
                    outbox_db.OUTBOX.c.id)).all()
        return [(row.event_type, _payload(row)['status']) for row in rows]

    def test_a_second_import_is_409(self):
        image_id = self.create()
        body = {'method': {'name': 'web-download',
                           'uri': 'https://images.example.com/a'}}
        self.assertEqual(202, self.start_import(image_id, body).status_code)
        self.assert_refused(self.start_import(image_id, body), 409,
                            "'queued' state")
        self.assertEqual(1, len(self.image_tasks(image_id)))

    def test_racing_imports_one_wins(self):
        image_id = self.create()
        body = {'method': {'name': 'web-download',
                           'uri': 'https://images.example.com/a'}}
        answers = []
        start = threading.Barrier(4)

        def race():
            start.wait(TIMEOUT)
            answers.append(self.start_import(image_id, body).status_code)
        threads = [threading.Thread(target=race) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        self.assertEqual([202, 409, 409, 409], sorted(answers))
        [task] = self.image_tasks(image_id)
        self.assertEqual(task['id'], self.properties(image_id)[LOCK])

    def test_a_lock_held_by_a_running_task_is_409(self):
        image_id = self.create()
        holder = self.env.service.create_task(
            gt_context.RequestContext(project_id=PROJECT, user_id='other'),
            'api_image_import', {'image_id': image_id, 'backend': None,
                                 'import_req': {
                                     'method': {'name': 'copy-image'},
                                     'all_stores': False,
                                     'all_stores_must_succeed': True}},
            image_id=image_id)
        image_db.set_property(self.context, image_id, LOCK, holder.id)
        response = self.start_import(image_id, {'method': {
            'name': 'web-download', 'uri': 'https://images.example.com/a'}})
        self.assert_refused(response, 409, 'prior operation is still in '
                                           'progress')
        self.assertEqual('queued', self.image(image_id).status)
        self.assertEqual(holder.id, self.properties(image_id)[LOCK])
        self.assertEqual([holder.id],
                         [t['id'] for t in self.image_tasks(image_id)])

    def test_a_lock_of_a_task_gone_is_taken_over(self):
        image_id = self.create()
        image_db.set_property(self.context, image_id, LOCK,
                              uuidutils.generate_uuid())
        response = self.start_import(image_id, {'method': {
            'name': 'web-download', 'uri': 'https://images.example.com/a'}})
        self.assertEqual(202, response.status_code, response.text)
        [task] = self.image_tasks(image_id)
        self.assertEqual(task['id'], self.properties(image_id)[LOCK])

    def test_a_lock_of_an_ended_task_is_taken_over(self):
        image_id = self.create()
        ended = self.env.service.create_task(
            gt_context.RequestContext(project_id=PROJECT, user_id='other'),
            'noop', {'atoms': 1})
        self.wait_for_task(ended.id, 'success')
        image_db.set_property(self.context, image_id, LOCK, ended.id)
        response = self.start_import(image_id, {'method': {
            'name': 'web-download', 'uri': 'https://images.example.com/a'}})
        self.assertEqual(202, response.status_code, response.text)
        self.assertNotEqual(ended.id, self.properties(image_id)[LOCK])

    def wait_for_task(self, task_id, status):
        for _ in range(TIMEOUT * 20):
            if task_db.get(self.context, task_id).status == status:
                return
            threading.Event().wait(0.05)
        self.fail('task %s never became %s' % (task_id, status))

    def test_import_while_the_stage_still_runs_is_409(self):
        image_id = self.create()
        release = threading.Event()
        self.addCleanup(release.set)
        thread = threading.Thread(target=self.stage, daemon=True,
                                  args=(image_id, _blocked(release)))
        thread.start()
        TestStage.wait_for(self, lambda: self.staging_begun(image_id))
        self.assert_refused(self.start_import(
            image_id, {'method': {'name': 'glance-direct'}}), 409,
            'still being staged')
        self.assertEqual('uploading', self.image(image_id).status)
        self.assertEqual([], self.image_tasks(image_id))
        release.set()
        thread.join(TIMEOUT)

    def test_staged_data_gone_is_409(self):
        image_id = self.staged_image()
        staging.remove(self.env.conf, image_id)
        self.assert_refused(self.start_import(
            image_id, {'method': {'name': 'glance-direct'}}), 409,
            'no staged data')
        self.assertEqual('uploading', self.image(image_id).status)

    def test_delete_while_importing_removes_the_staged_data(self):
        image_id = self.staged_image()
        self.start_import(image_id, {'method': {'name': 'glance-direct'}})
        self.assertEqual(204, self.call('/v2/images/%s' % image_id,
                                        'DELETE').status_code)
        self.assertIsNone(self.staged(image_id))


class TestImportRefusals(ImportTestCase):
    """Each refusal is a 4xx saying why, and changes nothing."""

    def refused(self, image_id, body, status, *words, headers=MEMBER):
        before = self.image(image_id)
        self.assert_refused(self.start_import(image_id, body, headers),
                            status, *words)
        after = self.image(image_id)
        self.assertEqual(before.status, after.status)
        self.assertNotIn(LOCK, self.properties(image_id))
        self.assertEqual([], self.image_tasks(image_id))

    def test_bad_bodies_are_400(self):
        image_id = self.create()
        web = {'name': 'web-download', 'uri': 'https://example.com/i'}
        for body, words in (
                ({}, ["'method'"]),
                ({'method': 'glance-direct'}, ["'method'"]),
                ({'method': {}}, ["'name'"]),
                ({'method': {'name': 7}}, ["'name'"]),
                ({'method': {'name': 'glance-download'}},
                 ['glance-download', 'glance-direct, web-download']),
                ({'method': {'name': 'sneakernet'}}, ['sneakernet']),
                ({'method': web, 'all_stores': 'yes'}, ['all_stores']),
                ({'method': web, 'all_stores_must_succeed': 1},
                 ['all_stores_must_succeed']),
                ({'method': web, 'colour': 'red'}, ["'colour'"]),
                ({'method': dict(web, region='x')}, ["'region'"]),
                ({'method': {'name': 'web-download'}}, ["'uri'"]),
                ({'method': {'name': 'web-download', 'uri': ''}},
                 ["'uri'"]),
                ({'method': {'name': 'glance-direct', 'uri': 'http://x'}},
                 ['web-download method only']),
                ({'method': dict(web, validation_data={
                    'os_hash_algo': 'md5', 'os_hash_value': '0' * 32})},
                 ['md5']),
                ({'method': dict(web, validation_data={
                    'os_hash_algo': 'sha256', 'os_hash_value': 'abc'})},
                 ['64 hex digits']),
                ({'method': dict(web, validation_data={
                    'os_hash_algo': 'sha256'})}, ['both']),
                ({'method': web, 'stores': 'fast'}, ["'stores'"])):
            with self.subTest(body=body):
                self.refused(image_id, body, 400, *words)

    def test_not_json_is_400_and_wrong_type_415(self):
        image_id = self.create()
        response = self.call('/v2/images/%s/import' % image_id, 'POST',
                             b'{"method": ')
        self.assertEqual(400, response.status_code)
        response = self.call('/v2/images/%s/import' % image_id, 'POST',
                             b'{}', content_type='text/plain')
        self.assertEqual(415, response.status_code)

    def test_a_disabled_method_is_400(self):
        self.env.conf.set_override('enabled_import_methods',
                                   ['glance-direct'])
        image_id = self.create()
        self.refused(image_id, {'method': {
            'name': 'web-download', 'uri': 'https://example.com/i'}},
            400, "'web-download'", 'offers: glance-direct')

    def test_urls_the_filtering_refuses_are_400(self):
        image_id = self.create()
        for uri, words in (('ftp://example.com/i', ['Scheme ftp']),
                           ('https://example.com:8443/i', ['Port 8443']),
                           ('https://user:secret@example.com:22/i',
                            ['Port 22']),
                           ('http://[::1', ['not a valid URL'])):
            with self.subTest(uri=uri):
                self.refused(image_id, {'method': {
                    'name': 'web-download', 'uri': uri}}, 400, *words)
                self.assertNotIn('secret', self.detail(self.start_import(
                    image_id, {'method': {'name': 'web-download',
                                          'uri': uri}})))

    def test_stores_without_multi_store_are_400(self):
        image_id = self.create()
        web = {'name': 'web-download', 'uri': 'https://example.com/i'}
        for body in ({'method': web, 'stores': ['fast']},
                     {'method': web, 'all_stores': True}):
            with self.subTest(body=body):
                self.refused(image_id, body, 400,
                             'multi-store is not configured')
        self.refused(image_id, {'method': web, 'stores': ['fast']}, 400,
                     headers=dict(MEMBER, **{'X-Image-Meta-Store': 'x'}))
        # Empty is no choice at all, and all_stores_must_succeed means
        # nothing with one store (OpenStackClient sends false): accepted.
        response = self.start_import(image_id, {
            'method': web, 'stores': [], 'all_stores_must_succeed': False})
        self.assertEqual(202, response.status_code, response.text)
        [task] = self.image_tasks(image_id)
        self.assertIsNone(task['input']['backend'])

    def test_copy_image_needs_multi_store(self):
        image_id = self.staged_image()
        self.image_to_active(image_id)
        self.refused(image_id, {'method': {'name': 'copy-image'}}, 400,
                     'multi-store is not configured', headers=ADMIN)

    def image_to_active(self, image_id):
        image_db.update_status(self.context, image_id, 'uploading',
                               'importing')
        image_db.update_status(self.context, image_id, 'importing',
                               'active')

    def test_glances_409s(self):
        queued = self.create()
        staged = self.staged_image()
        active = self.staged_image()
        self.image_to_active(active)
        web = {'name': 'web-download', 'uri': 'https://example.com/i'}
        for image_id, method, words in (
                (queued, {'name': 'glance-direct'},
                 ["needs to be staged before 'glance-direct'"]),
                (staged, web, ["'queued' state to use 'web-download'"]),
                (active, web, ['status active cannot be target']),
                (active, {'name': 'glance-direct'},
                 ['status active cannot be target']),
                (queued, {'name': 'copy-image'},
                 ['Only images with status active'])):
            with self.subTest(image=image_id, method=method):
                self.refused(image_id, {'method': method}, 409, *words,
                             headers=ADMIN)

    def test_formats_must_be_set(self):
        web = {'method': {'name': 'web-download',
                          'uri': 'https://example.com/i'}}
        self.refused(self.create(container_format=None), web, 409,
                     "'container_format' needs to be set")
        self.refused(self.create(disk_format=None), web, 409,
                     "'disk_format' needs to be set")
        no_formats = self.create(disk_format=None, container_format=None)
        self.assertEqual(204, self.stage(no_formats, b'x').status_code)
        self.refused(no_formats, {'method': {'name': 'glance-direct'}},
                     409, "'container_format' needs to be set")

    def test_policy(self):
        image_id = self.staged_image()
        self.refused(image_id, {'method': {'name': 'glance-direct'}}, 403,
                     'modify_image', headers=READER)
        self.image_to_active(image_id)
        self.refused(image_id, {'method': {'name': 'copy-image'}}, 403,
                     'copy_image')

    def test_another_projects_image_is_404(self):
        image_id = self.staged_image()
        other = dict(MEMBER, **{'X-Project-Id': fixtures.PROJECT_B})
        self.refused(image_id, {'method': {'name': 'glance-direct'}}, 404,
                     headers=other)
        self.assertEqual(404, self.stage(self.create(), b'x',
                                         headers=other).status_code)

    def test_unknown_image_is_404(self):
        response = self.start_import(uuidutils.generate_uuid(), {
            'method': {'name': 'glance-direct'}})
        self.assertEqual(404, response.status_code)


class TestDiscovery(ImportTestCase):

    def test_info_import(self):
        response = self.call('/v2/info/import', headers=READER)
        self.assertEqual(200, response.status_code)
        self.assertEqual({'import-methods': {
            'description': 'Import methods available.', 'type': 'array',
            'value': ['glance-direct', 'web-download', 'copy-image']}},
            response.json)
        self.env.conf.set_override('enabled_import_methods',
                                   ['web-download'])
        self.assertEqual(['web-download'], self.call(
            '/v2/info/import').json['import-methods']['value'])

    def test_task_schema_lists_api_image_import(self):
        for path in ('/v2/schemas/task', '/v2/schemas/tasks'):
            schema = self.call(path).json
            if path.endswith('tasks'):
                schema = schema['properties']['tasks']['items']
            self.assertIn('api_image_import',
                          schema['properties']['type']['enum'])

    def test_openapi_describes_the_import_calls(self):
        paths = self.call('/v2/openapi.json').json['paths']
        self.assertIn('put', paths['/v2/images/{image_id}/stage'])
        self.assertIn('post', paths['/v2/images/{image_id}/import'])
        self.assertIn('get', paths['/v2/info/import'])

    def test_unknown_method_on_the_new_paths_is_405(self):
        image_id = self.create()
        response = self.call('/v2/images/%s/import' % image_id, 'GET')
        self.assertEqual(405, response.status_code)
        self.assertEqual('POST', response.headers['Allow'])
        response = self.call('/v2/images/%s/stage' % image_id, 'POST')
        self.assertEqual('PUT', response.headers['Allow'])


class TestGlanceDownloadUnderNoauth(ImportTestCase):
    """glance-download needs the caller's Keystone catalog and token.

    Under noauth there is neither (an X-Service-Catalog sent by the
    client proves nothing): a 400 once the body is right, nothing
    written. ``test_glance_download`` runs it behind the real Keystone.
    """

    OVERRIDES = {('enabled_import_methods', None): [
        'glance-direct', 'web-download', 'copy-image', 'glance-download']}
    REMOTE = {'name': 'glance-download',
              'glance_image_id': '8f0b0c36-5c5e-4b1e-9f55-0ad7b0c6a1d2',
              'glance_region': 'RegionTwo'}

    def refused(self, image_id, method, status, *words):
        catalog = json.dumps([{'type': 'image', 'endpoints': [
            {'region': 'RegionTwo', 'publicURL': 'http://127.0.0.1:1'}]}])
        response = self.start_import(image_id, {'method': method},
                                     headers=dict(MEMBER, **{
                                         'X-Service-Catalog': catalog}))
        self.assert_refused(response, status, *words)
        image = self.image(image_id)
        self.assertNotIn(LOCK, self.properties(image_id))
        self.assertEqual([], self.image_tasks(image_id))
        return image

    def test_refused_saying_it_needs_keystone(self):
        image_id = self.create()
        image = self.refused(image_id, self.REMOTE, 400,
                             'glance-download import method needs [api] '
                             'auth_strategy = keystone')
        self.assertEqual('queued', image.status)

    def test_glances_checks_come_first(self):
        image_id = self.create()
        self.refused(image_id, {'name': 'glance-download',
                                'glance_region': 'R'}, 400,
                     "'glance_image_id' needs to be set for glance-download "
                     "import method")
        staged = self.staged_image()
        self.refused(staged, self.REMOTE, 409,
                     "Image needs to be in 'queued' state to use "
                     "'glance-download' method")

    def test_listed_when_enabled(self):
        self.assertIn('glance-download', self.call(
            '/v2/info/import').json['import-methods']['value'])


class TestImportPostgreSQL(TestImport):

    BACKEND = 'postgresql'


class TestStagingStoreDir(ImportTestCase):
    """Glance's [os_glance_staging_store] names the staging area."""

    def setUp(self):
        self.OVERRIDES = {}
        super().setUp()
        self.datadir = os.path.join(self.env.tempdir, 'glance-staging')
        self.env.conf.set_override('filesystem_store_datadir', self.datadir,
                                   group='os_glance_staging_store')

    def test_staged_there(self):
        image_id = self.staged_image(b'here')
        with open(os.path.join(self.datadir, image_id), 'rb') as f:
            self.assertEqual(b'here', f.read())


class TestMultiStoreImport(ImportTestCase):
    """Target stores with two real file stores, ``fast`` and ``slow``."""

    BEFORE_APP = staticmethod(multi_store.configure)

    def setUp(self):
        super().setUp()
        self.web = {'name': 'web-download', 'uri': 'https://example.com/i'}

    def task_input(self, image_id):
        [task] = self.image_tasks(image_id)
        return task['input']

    def imported(self, body, headers=MEMBER):
        image_id = self.create()
        response = self.start_import(image_id, body, headers)
        self.assertEqual(202, response.status_code, response.text)
        return image_id

    def test_create_names_the_stores_too(self):
        response = self.call('/v2/images', 'POST', {'name': 'x'})
        self.assertEqual('fast,slow',
                         response.headers['OpenStack-image-store-ids'])
        self.assertEqual('glance-direct,web-download,copy-image',
                         response.headers['OpenStack-image-import-methods'])

    def test_target_stores(self):
        for body, headers, backend in (
                ({'method': self.web}, MEMBER, ['fast']),
                ({'method': self.web, 'stores': ['slow']}, MEMBER, ['slow']),
                ({'method': self.web, 'stores': ['slow', 'fast', 'slow']},
                 MEMBER, ['slow', 'fast']),
                ({'method': self.web, 'all_stores': True,
                  'all_stores_must_succeed': False}, MEMBER,
                 ['fast', 'slow']),
                ({'method': self.web},
                 dict(MEMBER, **{'X-Image-Meta-Store': 'slow'}), ['slow'])):
            with self.subTest(body=body, headers=headers):
                image_id = self.imported(body, headers)
                task_input = self.task_input(image_id)
                self.assertEqual(backend, task_input['backend'])
                self.assertEqual(body.get('all_stores', False),
                                 task_input['import_req']['all_stores'])
                self.assertEqual(','.join(backend), self.properties(
                    image_id)['os_glance_importing_to_stores'])

    def test_store_refusals(self):
        image_id = self.create()
        slow = dict(MEMBER, **{'X-Image-Meta-Store': 'slow'})
        for body, headers, words in (
                ({'method': self.web, 'stores': ['cold']}, MEMBER,
                 ["Unknown store 'cold'", 'fast, slow']),
                ({'method': self.web, 'stores': ['os_glance_staging_store']},
                 MEMBER, ['Unknown store']),
                ({'method': self.web},
                 dict(MEMBER, **{'X-Image-Meta-Store': 'cold'}),
                 ["Unknown store 'cold'"]),
                ({'method': self.web, 'stores': ['fast'],
                  'all_stores': True}, MEMBER, ["can't be used"]),
                ({'method': self.web, 'stores': ['fast']}, slow,
                 ["can't be both specified"])):
            with self.subTest(body=body):
                self.assert_refused(self.start_import(image_id, body,
                                                      headers),
                                    400, *words)
                self.assertEqual('queued', self.image(image_id).status)
                self.assertEqual({}, self.properties(image_id))

    def active_in_fast(self):
        image_id = self.create()
        response = self.call('/v2/images/%s/file' % image_id, 'PUT',
                             b'\3' * 1000,
                             content_type='application/octet-stream')
        self.assertEqual(204, response.status_code, response.text)
        return image_id

    def test_copy_image(self):
        image_id = self.active_in_fast()
        copy = {'name': 'copy-image'}
        self.assert_refused(self.start_import(
            image_id, {'method': copy, 'stores': ['fast']}, ADMIN), 400,
            "already present at store 'fast'")
        self.assertEqual(403, self.start_import(
            image_id, {'method': copy, 'stores': ['slow']}).status_code)
        response = self.start_import(image_id, {'method': copy,
                                                'all_stores': True}, ADMIN)
        self.assertEqual(202, response.status_code, response.text)
        self.assertEqual('active', self.image(image_id).status)
        task_input = self.task_input(image_id)
        self.assertEqual(['slow'], task_input['backend'])
        properties = self.properties(image_id)
        self.assertEqual('slow', properties['os_glance_importing_to_stores'])
        [task] = self.image_tasks(image_id)
        self.assertEqual(task['id'], properties[LOCK])
        # A second copy while the first runs: Glance's 409.
        self.assert_refused(self.start_import(
            image_id, {'method': copy, 'stores': ['slow']}, ADMIN), 409,
            'prior operation is still in progress')

    def test_copy_into_every_store_already_there_is_202_and_no_task(self):
        image_id = self.active_in_fast()
        image_db.add_location(self.context, image_id, 'file:///elsewhere',
                              {'store': 'slow'})
        response = self.start_import(image_id, {
            'method': {'name': 'copy-image'}, 'all_stores': True}, ADMIN)
        self.assertEqual(202, response.status_code, response.text)
        self.assertEqual([], self.image_tasks(image_id))
        self.assertNotIn(LOCK, self.properties(image_id))
