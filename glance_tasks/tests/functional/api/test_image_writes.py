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

"""Image create, patch and tags over the real app: rows and notifications.

Each write commits its notification with it (the outbox): a write that
fails leaves neither row nor notification.
"""

import json

import sqlalchemy as sa
import testtools
import webob

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db.sqlalchemy import models
from glance_tasks.tests.functional.api import fixtures

MEMBER = {'X-Project-Id': fixtures.PROJECT_A, 'X-Roles': 'member,reader'}
PATCH = 'application/openstack-images-v2.1-json-patch'


class TestImageWrites(testtools.TestCase):

    BACKEND = 'sqlite'

    def setUp(self):
        super().setUp()
        self.env = fixtures.APIEnvironment(backend=self.BACKEND, overrides={
            ('max_request_body_size', 'api'): 1 << 20})
        self.addCleanup(self.env.stop)

    def call(self, method, path, body=None, content_type='application/json',
             headers=MEMBER):
        request = webob.Request.blank(path, method=method, headers=headers)
        if body is not None:
            request.body = json.dumps(body).encode()
            request.content_type = content_type
        return request.get_response(self.env.app)

    def outbox(self):
        context = gt_context.get_admin_context()
        with db_api.context_manager.reader.using(context):
            rows = context.session.execute(sa.select(
                models.OutboxNotification.event_type,
                models.OutboxNotification.payload).order_by(
                models.OutboxNotification.id)).all()
        return [(event, payload) for event, payload in rows]

    def test_create_commits_image_create(self):
        created = self.call('POST', '/v2/images', {
            'id': '77777777-7777-4777-8777-777777777777', 'name': 'n',
            'tags': ['t'], 'colour': 'red'})
        self.assertEqual(201, created.status_code, created.text)
        [(event, payload)] = self.outbox()
        self.assertEqual('image.create', event)
        self.assertEqual('77777777-7777-4777-8777-777777777777',
                         payload['id'])
        self.assertEqual(['t'], payload['tags'])
        self.assertEqual({'colour': 'red'}, payload['properties'])
        again = self.call('POST', '/v2/images', {
            'id': '77777777-7777-4777-8777-777777777777'})
        self.assertEqual(409, again.status_code)
        self.assertEqual(1, len(self.outbox()))

    def test_refused_create_writes_nothing(self):
        for body, status in (({'disk_format': 'floppy'}, 400),
                             ({'size': 3}, 403),
                             ({'os_glance_x': 'y'}, 403),
                             ({'visibility': 'public'}, 403),
                             ({'name': 'a\x00b'}, 400)):
            with self.subTest(body=body):
                self.assertEqual(status, self.call(
                    'POST', '/v2/images', body).status_code)
        self.assertEqual([], self.outbox())
        self.assertEqual([], self.call('GET', '/v2/images').json['images'])

    def test_patch_and_tags_announce_image_update(self):
        image_id = self.call('POST', '/v2/images', {'name': 'n'}).json['id']
        patched = self.call('PATCH', '/v2/images/%s' % image_id, [
            {'op': 'add', 'path': '/colour', 'value': 'red'},
            {'op': 'replace', 'path': '/name', 'value': 'm'}],
            content_type=PATCH)
        self.assertEqual(200, patched.status_code, patched.text)
        self.assertEqual(204, self.call(
            'PUT', '/v2/images/%s/tags/gold' % image_id).status_code)
        self.assertEqual(204, self.call(
            'DELETE', '/v2/images/%s/tags/gold' % image_id).status_code)
        events = self.outbox()
        self.assertEqual(['image.create', 'image.update', 'image.update',
                          'image.update'], [event for event, _ in events])
        self.assertEqual('m', events[1][1]['name'])
        self.assertEqual({'colour': 'red'}, events[1][1]['properties'])
        self.assertEqual(['gold'], events[2][1]['tags'])
        self.assertEqual([], events[3][1]['tags'])

    def test_image_delete_shows_what_was_deleted(self):
        image_id = self.call('POST', '/v2/images', {
            'tags': ['gold'], 'colour': 'red'}).json['id']
        self.assertEqual(204, self.call(
            'DELETE', '/v2/images/%s' % image_id).status_code)
        event, payload = self.outbox()[-1]
        self.assertEqual('image.delete', event)
        self.assertEqual(['gold'], payload['tags'])
        self.assertEqual({'colour': 'red'}, payload['properties'])

    def test_refused_patch_changes_nothing(self):
        image_id = self.call('POST', '/v2/images', {'name': 'n'}).json['id']
        # The first operation is fine, the second is not: neither applies.
        refused = self.call('PATCH', '/v2/images/%s' % image_id, [
            {'op': 'replace', 'path': '/name', 'value': 'changed'},
            {'op': 'replace', 'path': '/min_ram', 'value': 'lots'}],
            content_type=PATCH)
        self.assertEqual(400, refused.status_code)
        self.assertEqual('n', self.call(
            'GET', '/v2/images/%s' % image_id).json['name'])
        self.assertEqual(1, len(self.outbox()))

    def test_admin_publicizes_and_gives_away(self):
        admin = {'X-Project-Id': fixtures.PROJECT_A, 'X-Roles': 'admin'}
        created = self.call('POST', '/v2/images', {
            'visibility': 'public', 'owner': fixtures.PROJECT_B},
            headers=admin)
        self.assertEqual(201, created.status_code, created.text)
        self.assertEqual(fixtures.PROJECT_B, created.json['owner'])
        # Project A's member does not see project B's image.
        self.assertEqual(404, self.call(
            'GET', '/v2/images/%s' % created.json['id']).status_code)

    def test_properties_fit_the_notification_outbox(self):
        # Non-ASCII text takes six bytes a character in the outbox's JSON.
        refused = self.call('POST', '/v2/images', {'big': '\u00e9' * 8200})
        self.assertEqual(400, refused.status_code)
        self.assertIn('take more than 49152 bytes as JSON', refused.text)
        created = self.call('POST', '/v2/images', {'big': '\u00e9' * 8000})
        self.assertEqual(201, created.status_code)
        grown = self.call('PATCH', '/v2/images/%s' % created.json['id'], [
            {'op': 'add', 'path': '/more', 'value': 'x' * 4000}],
            content_type=PATCH)
        self.assertEqual(400, grown.status_code)
        [(event, payload)] = self.outbox()
        self.assertEqual('\u00e9' * 8000, payload['properties']['big'])


class TestImageWritesMySQL(TestImageWrites):
    """MySQL: TEXT and VARCHAR limits, strict mode."""

    BACKEND = 'mysql'


class TestImageWritesPostgreSQL(TestImageWrites):
    """PostgreSQL: no NUL in text."""

    BACKEND = 'postgresql'
