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

"""Delayed delete over the real app: pending_delete, scrub, restore.

The scrubber runs three ways, each tested: the function, the service's
periodic thread and ``glance-tasks-manage images scrub|restore`` as a
process on the same database.
"""

import datetime
import os
import subprocess
import sys
import time

from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools
import webob

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db.sqlalchemy import models
from glance_tasks import exception
from glance_tasks.images import scrubber
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.tests.functional.api import fixtures

PROJECT = fixtures.PROJECT_A
HEADERS = {'X-Project-Id': PROJECT, 'X-Roles': 'member,reader'}
ADMIN = {'X-Project-Id': PROJECT, 'X-Roles': 'admin,member,reader'}
TIMEOUT = 60


class DelayedDeleteBase(testtools.TestCase):
    """An API with delayed_delete on, and the helpers its tests share."""

    BACKEND = 'sqlite'
    SCRUB_TIME = 3600
    WAKEUP_TIME = 0

    def setUp(self):
        super().setUp()
        self.env = fixtures.APIEnvironment(backend=self.BACKEND, overrides={
            ('delayed_delete', None): True,
            ('scrub_time', None): self.SCRUB_TIME,
            ('wakeup_time', None): self.WAKEUP_TIME})
        self.addCleanup(self.env.stop)
        self.context = gt_context.get_admin_context()
        self.store = self.env.service.services.image_store

    def request(self, path, method='GET', body=None, headers=HEADERS):
        req = webob.Request.blank(path, method=method)
        req.headers.update(headers)
        if body is not None:
            req.content_type = 'application/octet-stream'
            req.body = body
        return req.get_response(self.env.app)

    def active_image(self, **extra):
        images = image_lifecycle.ImageLifecycle(self.env.conf)
        extra.setdefault('name', 'doomed')
        image = images.create(self.context, dict(
            id=uuidutils.generate_uuid(), owner=PROJECT,
            disk_format='raw', container_format='bare', **extra))
        response = self.request('/v2/images/%s/file' % image.id, 'PUT',
                                b'k' * 1000)
        self.assertEqual(204, response.status_code, response.text)
        return image.id

    def data_path(self, image_id):
        return os.path.join(self.env.tempdir, 'images', image_id)

    def status(self, image_id):
        try:
            return image_db.get(self.context, image_id,
                                include_deleted=True).status
        except exception.ImageNotFound:
            return 'purged'


class TestDelayedDelete(DelayedDeleteBase):

    def test_delete_keeps_data_until_scrubbed(self):
        image_id = self.active_image()
        response = self.request('/v2/images/%s' % image_id, 'DELETE')
        self.assertEqual(204, response.status_code)
        self.assertEqual('pending_delete', self.status(image_id))
        self.assertTrue(os.path.exists(self.data_path(image_id)))
        # Not yet past scrub_time: kept.
        images = image_lifecycle.ImageLifecycle(self.env.conf)
        self.assertEqual(0, scrubber.scrub(images, self.store))
        self.assertTrue(os.path.exists(self.data_path(image_id)))
        later = image_db.get(self.context, image_id,
                             include_deleted=True).updated_at.replace(
            tzinfo=None)
        self.assertEqual(1, scrubber.scrub(
            images, self.store,
            now=later + datetime.timedelta(seconds=self.SCRUB_TIME + 1)))
        self.assertEqual('deleted', self.status(image_id))
        self.assertFalse(os.path.exists(self.data_path(image_id)))

    def test_pending_delete_is_deleted_for_the_api(self):
        # As Glance: the image is marked deleted, for admins too; only
        # the scrubber and restore find it.
        image_id = self.active_image()
        self.request('/v2/images/%s/tags/gold' % image_id, 'PUT')
        self.assertEqual(204, self.request('/v2/images/%s' % image_id,
                                           'DELETE').status_code)
        self.assertEqual('pending_delete', self.status(image_id))
        for headers in (HEADERS, ADMIN):
            for path in ('', '/file', '/tasks', '/locations'):
                got = self.request('/v2/images/%s%s' % (image_id, path),
                                   headers=headers)
                self.assertEqual(404, got.status_code, (path, headers))
            for query in ('', '?status=pending_delete', '?tag=gold'):
                listed = self.request('/v2/images' + query,
                                      headers=headers).json['images']
                self.assertEqual([], [image['id'] for image in listed],
                                 (query, headers))
            for method, path in (('DELETE', ''), ('PUT', '/tags/x'),
                                 ('POST', '/actions/deactivate')):
                self.assertEqual(404, self.request(
                    '/v2/images/%s%s' % (image_id, path), method,
                    headers=headers).status_code, (method, path))
        # Glance's image.delete: deleted, with the time.
        payload = self.outbox_payloads('image.delete')[-1]
        self.assertEqual((True, 'pending_delete'),
                         (payload['deleted'], payload['status']))
        self.assertIsNotNone(payload['deleted_at'])

    def outbox_payloads(self, event_type):
        with db_api.context_manager.reader.using(self.context):
            return list(self.context.session.execute(sa.select(
                models.OutboxNotification.payload).where(
                models.OutboxNotification.event_type == event_type
            ).order_by(models.OutboxNotification.id)).scalars())

    def test_restore(self):
        image_id = self.active_image(name='kept')
        self.request('/v2/images/%s/tags/gold' % image_id, 'PUT')
        self.request('/v2/images/%s' % image_id, 'DELETE')
        images = image_lifecycle.ImageLifecycle(self.env.conf)
        restored = scrubber.restore(images, image_id)
        self.assertEqual('active', restored.status)
        got = self.request('/v2/images/%s/file' % image_id)
        self.assertEqual(b'k' * 1000, got.body)
        # Everything comes back: the listing, tags, properties.
        shown = self.request('/v2/images/%s' % image_id).json
        self.assertEqual(('active', ['gold'], 'kept'),
                         (shown['status'], shown['tags'], shown['name']))
        self.assertEqual([image_id], [image['id'] for image in self.request(
            '/v2/images?tag=gold').json['images']])
        self.assertRaises(exception.ImageNotPendingDelete,
                          scrubber.restore, images, image_id)

    def test_protected_image_refuses_delete(self):
        image_id = self.active_image(protected=True)
        response = self.request('/v2/images/%s' % image_id, 'DELETE')
        self.assertEqual(403, response.status_code)
        self.assertEqual('active', self.status(image_id))

    def test_queued_image_is_deleted_at_once(self):
        images = image_lifecycle.ImageLifecycle(self.env.conf)
        image = images.create(self.context, dict(
            id=uuidutils.generate_uuid(), owner=PROJECT,
            disk_format='raw', container_format='bare'))
        response = self.request('/v2/images/%s' % image.id, 'DELETE')
        self.assertEqual(204, response.status_code)
        self.assertEqual('deleted', self.status(image.id))

    def manage(self, *args):
        config = os.path.join(self.env.tempdir, 'manage.conf')
        with open(config, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\nscrub_time = 0\n'
                    '[database]\nconnection = %s\n' % (
                        self.env.tempdir,
                        self.env.conf.database.connection))
        script = os.path.join(os.path.dirname(sys.executable),
                              'glance-tasks-manage')
        return subprocess.run([script, '--config-file', config] +
                              list(args), capture_output=True, text=True,
                              timeout=TIMEOUT)

    def test_manage_restore_and_scrub(self):
        image_id = self.active_image()
        refused = self.manage('images', 'restore', image_id)
        self.assertNotEqual(0, refused.returncode)
        self.assertIn("is 'active'; only an image pending_delete can be "
                      "restored", refused.stderr)
        self.request('/v2/images/%s' % image_id, 'DELETE')
        restored = self.manage('images', 'restore', image_id)
        self.assertEqual(0, restored.returncode, restored.stderr)
        self.assertEqual('active', self.status(image_id))
        self.request('/v2/images/%s' % image_id, 'DELETE')
        scrubbed = self.manage('images', 'scrub')
        self.assertEqual(0, scrubbed.returncode, scrubbed.stderr)
        self.assertIn('Scrubbed 1 image', scrubbed.stdout)
        self.assertEqual('deleted', self.status(image_id))
        self.assertFalse(os.path.exists(self.data_path(image_id)))


class TestPeriodicScrubber(DelayedDeleteBase):
    """The service's own thread scrubs every wakeup_time seconds."""

    SCRUB_TIME = 0
    WAKEUP_TIME = 1

    def test_the_service_thread_scrubs_a_deleted_image(self):
        image_id = self.active_image()
        self.request('/v2/images/%s' % image_id, 'DELETE')
        deadline = time.monotonic() + TIMEOUT
        while (self.status(image_id) != 'deleted'
               and time.monotonic() < deadline):
            time.sleep(0.2)
        self.assertEqual('deleted', self.status(image_id))
        self.assertFalse(os.path.exists(self.data_path(image_id)))


class TestDelayedDeletePostgreSQL(TestDelayedDelete):

    BACKEND = 'postgresql'
