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

"""Multi-store through the real app: two real file stores, ``fast`` and
``slow``, under the test's state path, over a migrated SQLite file.

``/v2/info/stores`` (and ``/detail``), ``DELETE
/v2/stores/{store_id}/{image_id}``, the ``X-Image-Meta-Store`` header of
an upload, the image's ``stores`` and the ``OpenStack-image-store-ids``
header; and the 404s a single-store service answers instead.
"""

import os
import subprocess
import sys
import threading

import fixtures as test_fixtures
from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools
import webob

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import outbox as outbox_db
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.tests.functional.api import fixtures
from glance_tasks.tests.functional import service
from glance_tasks.tests import multi_store

PROJECT = fixtures.PROJECT_A
TIMEOUT = 60
MEMBER = {'X-Project-Id': PROJECT, 'X-Roles': 'member,reader',
          'X-User-Id': 'member'}
ADMIN = {'X-Project-Id': PROJECT, 'X-Roles': 'admin,member,reader',
         'X-User-Id': 'admin'}


class _APITest(testtools.TestCase):

    MULTI = True
    BACKEND = 'sqlite'

    def setUp(self):
        super().setUp()
        self.env = fixtures.APIEnvironment(
            backend=self.BACKEND,
            before_app=multi_store.configure if self.MULTI else None)
        self.addCleanup(self.env.stop)
        self.context = gt_context.get_admin_context()

    def request(self, path, method='GET', body=None, headers=MEMBER,
                **extra):
        req = webob.Request.blank(path, method=method)
        req.headers.update(headers)
        req.headers.update(extra)
        if body is not None:
            req.content_type = 'application/octet-stream'
            req.body = body
        return req.get_response(self.env.app)

    def detail(self, response):
        return response.json_body['errors'][0]['detail']

    def make_image(self):
        images = image_lifecycle.ImageLifecycle(self.env.conf)
        return images.create(self.context, dict(
            id=uuidutils.generate_uuid(), owner=PROJECT, name='stored',
            disk_format='raw', container_format='bare')).id

    def files(self, name):
        directory = multi_store.datadir(self.env.conf, name)
        return sorted(os.listdir(directory)) if os.path.isdir(
            directory) else []


class TestStoresInfo(_APITest):

    def test_stores_as_glance_lists_them(self):
        response = self.request('/v2/info/stores')
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual({'stores': [
            {'id': 'fast', 'description': 'Fast local disk',
             'default': 'true'},
            {'id': 'slow'}]}, response.json_body)

    def test_reserved_stores_are_not_listed(self):
        self.env.conf.set_override('filesystem_store_datadir',
                                   '$state_path/staged',
                                   group='os_glance_staging_store')
        ids = [entry['id'] for entry in
               self.request('/v2/info/stores').json_body['stores']]
        self.assertEqual(['fast', 'slow'], ids)

    def test_detail_for_an_admin(self):
        response = self.request('/v2/info/stores/detail', headers=ADMIN)
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual({'stores': [
            {'id': 'fast', 'description': 'Fast local disk',
             'default': 'true', 'type': 'file', 'weight': 0,
             'properties': {
                 'data_dir': multi_store.datadir(self.env.conf, 'fast'),
                 'chunk_size': 65536, 'thin_provisioning': False}},
            {'id': 'slow', 'type': 'file', 'weight': 0, 'properties': {
                'data_dir': multi_store.datadir(self.env.conf, 'slow'),
                'chunk_size': 65536, 'thin_provisioning': False}}]},
            response.json_body)

    def test_detail_for_the_service_role(self):
        response = self.request('/v2/info/stores/detail', headers={
            'X-Project-Id': PROJECT, 'X-Roles': 'service'})
        self.assertEqual(200, response.status_code, response.text)

    def test_detail_refused_to_a_member(self):
        response = self.request('/v2/info/stores/detail')
        self.assertEqual(403, response.status_code, response.text)
        self.assertIn('stores_info_detail', self.detail(response))

    def test_openapi_describes_the_store_calls(self):
        paths = self.request('/v2/openapi.json').json_body['paths']
        self.assertEqual(['get'], list(paths['/v2/info/stores']))
        self.assertEqual(['get'], list(paths['/v2/info/stores/detail']))
        removal = paths['/v2/stores/{store_id}/{image_id}']
        self.assertEqual(['store_id', 'image_id'],
                         [param['name'] for param in removal['parameters']])
        self.assertIn('204', removal['delete']['responses'])
        upload = paths['/v2/images/{image_id}/file']['put']
        self.assertIn(('X-Image-Meta-Store', 'header'), [
            (param['name'], param['in']) for param in upload['parameters']])

    def test_only_get(self):
        response = self.request('/v2/info/stores', 'POST')
        self.assertEqual(405, response.status_code)
        self.assertEqual('GET, HEAD', response.headers['Allow'])


class TestImagesInMultiStore(_APITest):

    def outbox_events(self):
        with db_api.context_manager.reader.using(self.context):
            return [row.event_type for row in self.context.session.execute(
                sa.select(outbox_db.OUTBOX).order_by(outbox_db.OUTBOX.c.id))]

    def test_create_names_the_stores_in_a_header(self):
        response = webob.Request.blank(
            '/v2/images', method='POST', headers=MEMBER,
            content_type='application/json',
            body=b'{"name": "x"}').get_response(self.env.app)
        self.assertEqual(201, response.status_code, response.text)
        self.assertEqual('fast,slow',
                         response.headers['OpenStack-image-store-ids'])
        self.assertNotIn('stores', response.json_body)

    def test_stores_is_read_only(self):
        response = webob.Request.blank(
            '/v2/images', method='POST', headers=MEMBER,
            content_type='application/json',
            body=b'{"name": "x", "stores": "slow"}').get_response(
                self.env.app)
        self.assertEqual(403, response.status_code, response.text)
        self.assertIn("'stores' is read-only", self.detail(response))

    def test_upload_to_the_default_store(self):
        image_id = self.make_image()
        response = self.request('/v2/images/%s/file' % image_id, 'PUT',
                                b'default data')
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual([image_id], self.files('fast'))
        shown = self.request('/v2/images/%s' % image_id).json_body
        self.assertEqual('fast', shown['stores'])

    def test_upload_to_the_store_named(self):
        image_id = self.make_image()
        response = self.request('/v2/images/%s/file' % image_id, 'PUT',
                                b'slow data', **{'X-Image-Meta-Store':
                                                 'slow'})
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual([image_id], self.files('slow'))
        self.assertEqual([], self.files('fast'))
        self.assertEqual([{'store': 'slow'}], [
            location['metadata'] for location in
            image_db.get_locations(self.context, image_id)])
        listed = self.request('/v2/images').json_body['images']
        self.assertEqual(['slow'], [image['stores'] for image in listed
                                    if image['id'] == image_id])
        data = self.request('/v2/images/%s/file' % image_id)
        self.assertEqual(b'slow data', data.body)

    def test_upload_to_an_unknown_store(self):
        image_id = self.make_image()
        response = self.request('/v2/images/%s/file' % image_id, 'PUT',
                                b'data', **{'X-Image-Meta-Store': 'tape'})
        self.assertEqual(400, response.status_code, response.text)
        self.assertIn("Store 'tape' named by X-Image-Meta-Store is not "
                      "available", self.detail(response))
        self.assertIn('fast, slow', self.detail(response))
        image = image_db.get(self.context, image_id)
        self.assertEqual('queued', image.status)
        self.assertEqual([], self.files('fast') + self.files('slow'))

    def in_both_stores(self, data=b'in both stores'):
        """An active image with its data in fast, then slow.

        The second copy is written as copy-image writes it: the store's
        add, then the location with its store recorded.
        """
        image_id = self.make_image()
        self.assertEqual(204, self.request(
            '/v2/images/%s/file' % image_id, 'PUT', data).status_code)
        path = os.path.join(self.env.tempdir, 'copy')
        with open(path, 'wb') as f:
            f.write(data)
        stored = self.env.service.services.image_store.add(
            image_id, path, backend='slow')
        image_db.add_location(self.context, image_id, stored['location'],
                              stored['metadata'])
        return image_id

    def delete_from(self, store_id, image_id, headers=ADMIN):
        return self.request('/v2/stores/%s/%s' % (store_id, image_id),
                            'DELETE', headers=headers)

    def test_stores_of_an_image_in_both(self):
        image_id = self.in_both_stores()
        shown = self.request('/v2/images/%s' % image_id).json_body
        self.assertEqual('fast,slow', shown['stores'])

    def test_delete_from_one_store(self):
        image_id = self.in_both_stores()
        response = self.delete_from('fast', image_id)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual([], self.files('fast'))
        self.assertEqual([image_id], self.files('slow'))
        self.assertEqual('image.update', self.outbox_events()[-1])
        shown = self.request('/v2/images/%s' % image_id).json_body
        self.assertEqual(('active', 'slow'),
                         (shown['status'], shown['stores']))
        self.assertEqual(b'in both stores', self.request(
            '/v2/images/%s/file' % image_id).body)

    def test_the_last_location_is_refused(self):
        image_id = self.in_both_stores()
        self.assertEqual(204, self.delete_from('slow', image_id).status_code)
        response = self.delete_from('fast', image_id)
        self.assertEqual(403, response.status_code, response.text)
        self.assertIn('only store containing it', self.detail(response))
        self.assertEqual([image_id], self.files('fast'))

    def test_a_store_not_holding_the_image(self):
        image_id = self.in_both_stores()
        self.assertEqual(204, self.delete_from('slow', image_id).status_code)
        # A second location in fast: no longer the last, still not slow.
        image_db.add_location(self.context, image_id,
                              'file:///nowhere/%s' % image_id,
                              {'store': 'fast'})
        response = self.delete_from('slow', image_id)
        self.assertEqual(404, response.status_code, response.text)
        self.assertIn('is not stored in store slow', self.detail(response))

    def test_unknown_store(self):
        image_id = self.in_both_stores()
        response = self.delete_from('tape', image_id)
        self.assertEqual(409, response.status_code, response.text)
        self.assertIn('store tape is not available', self.detail(response))

    def test_reserved_store(self):
        response = self.delete_from('os_glance_staging_store',
                                    self.in_both_stores())
        self.assertEqual(409, response.status_code, response.text)

    def test_image_not_active(self):
        image_id = self.in_both_stores()
        images = image_lifecycle.ImageLifecycle(self.env.conf)
        images.move(self.context, image_db.get(self.context, image_id),
                    'deactivated')
        response = self.delete_from('fast', image_id)
        self.assertEqual(409, response.status_code, response.text)
        self.assertIn("image status is not 'active'", self.detail(response))
        self.assertEqual([image_id], self.files('fast'))

    def test_unknown_image(self):
        response = self.delete_from('fast', uuidutils.generate_uuid())
        self.assertEqual(404, response.status_code, response.text)

    def test_a_member_may_not_remove_data(self):
        image_id = self.in_both_stores()
        response = self.delete_from('fast', image_id, headers=MEMBER)
        self.assertEqual(403, response.status_code, response.text)
        self.assertIn('delete_image_location', self.detail(response))
        self.assertEqual([image_id], self.files('fast'))

    def test_another_projects_image_is_not_found(self):
        image_id = self.in_both_stores()
        response = self.delete_from('fast', image_id, headers={
            'X-Project-Id': fixtures.PROJECT_B, 'X-Roles': 'member,reader'})
        self.assertEqual(404, response.status_code, response.text)
        self.assertEqual([image_id], self.files('fast'))


class TestImagesInMultiStorePostgreSQL(TestImagesInMultiStore):

    BACKEND = 'postgresql'

    def test_removals_from_both_stores_at_once_keep_one(self):
        # Each removal locks the image row before it counts the
        # locations: of two at once, the second sees one location left.
        for _ in range(3):
            image_id = self.in_both_stores()
            start = threading.Barrier(2)
            answers = {}

            def remove(store_id):
                start.wait()
                answers[store_id] = self.delete_from(store_id,
                                                     image_id).status_code

            threads = [threading.Thread(target=remove, args=(name,))
                       for name in ('fast', 'slow')]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            self.assertEqual([204, 403], sorted(answers.values()))
            kept = [name for name, code in answers.items() if code == 403]
            self.assertEqual(kept, [
                location['metadata']['store'] for location in
                image_db.get_locations(self.context, image_id)])
            self.assertIn(image_id, self.files(kept[0]))


class TestImagesInMultiStoreMySQL(TestImagesInMultiStorePostgreSQL):
    """MariaDB: its repeatable reads still see the other removal."""

    BACKEND = 'mysql'


class TestSingleStore(_APITest):
    """Glance answers 404 when multi-store is not configured."""

    MULTI = False

    def test_no_stores_api(self):
        image_id = self.make_image()
        for path, method, headers in (
                ('/v2/info/stores', 'GET', MEMBER),
                ('/v2/info/stores/detail', 'GET', ADMIN),
                ('/v2/stores/fast/%s' % image_id, 'DELETE', ADMIN)):
            response = self.request(path, method, headers=headers)
            self.assertEqual(404, response.status_code, path)
            self.assertIn('Multi backend is not supported',
                          self.detail(response))

    def test_no_stores_in_views_and_headers(self):
        response = webob.Request.blank(
            '/v2/images', method='POST', headers=MEMBER,
            content_type='application/json',
            body=b'{"name": "x", "disk_format": "raw", '
                 b'"container_format": "bare"}').get_response(self.env.app)
        self.assertNotIn('OpenStack-image-store-ids', response.headers)
        image_id = response.json_body['id']
        # The header means nothing with one store, as in Glance.
        self.assertEqual(204, self.request(
            '/v2/images/%s/file' % image_id, 'PUT', b'data',
            **{'X-Image-Meta-Store': 'slow'}).status_code)
        shown = self.request('/v2/images/%s' % image_id).json_body
        self.assertNotIn('stores', shown)
        self.assertEqual('active', shown['status'])


class TestRefusedAtStart(testtools.TestCase):
    """A store configuration that cannot work stops the commands."""

    def configure(self, **groups):
        state = self.useFixture(test_fixtures.TempDir()).path
        config = service.api_config(state, options=groups)
        config.db_sync()
        return config.path

    def run_command(self, name, config):
        done = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), name),
             '--config-file', config],
            capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(2, done.returncode, done.stdout)
        self.assertNotIn('Traceback', done.stderr)
        return done

    def test_api_refuses_to_start(self):
        done = self.run_command('glance-tasks-api', self.configure(
            DEFAULT={'enabled_backends': 'fast:file, os_glance_mine:file'}))
        self.assertNotIn('listening', done.stdout)
        self.assertIn("glance-tasks-api: [DEFAULT] enabled_backends: the "
                      "prefix 'os_glance_' is reserved", done.stderr)
        self.assertIn('os_glance_mine', done.stderr)

    def test_engine_refuses_to_start(self):
        done = self.run_command('glance-tasks-engine', self.configure(
            DEFAULT={'enabled_backends': 'fast:file, slow:file'},
            glance_store={'default_backend': 'fast'}))
        self.assertNotIn('started', done.stdout)
        # Neither store sets a directory: both would use the default one.
        self.assertIn('glance-tasks-engine: stores fast and slow share the '
                      'directory', done.stderr)
