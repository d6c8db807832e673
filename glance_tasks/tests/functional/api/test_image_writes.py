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
import time
import urllib.parse

from oslo_messaging.notify import _impl_test
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
        _impl_test.reset()
        self.addCleanup(_impl_test.reset)
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

    def sent(self, image_id, event_type):
        """The payload of ``event_type`` about the image, once relayed."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for _ctxt, message, _prio, _retry in _impl_test.NOTIFICATIONS:
                if (message['event_type'] == event_type and
                        message['payload'].get('id') == image_id):
                    return message['payload']
            time.sleep(0.05)
        self.fail('%s of %s was never sent' % (event_type, image_id))

    def test_large_properties_round_trip_and_are_sent_whole(self):
        # About 200 KiB as the outbox stores it: more than MySQL's TEXT.
        properties = {'p%02d' % n: chr(ord('a') + n % 26) * 4096
                      for n in range(42)}
        properties['accents'] = '\u00e9' * 6000  # six bytes each as JSON
        created = self.call('POST', '/v2/images', dict(properties,
                                                       tags=['big']))
        self.assertEqual(201, created.status_code, created.text)
        image_id = created.json['id']
        self.assertGreater(len(json.dumps(properties)), 200 * 1024)
        shown = self.call('GET', '/v2/images/%s' % image_id).json
        self.assertEqual(properties, {name: shown[name]
                                      for name in properties})
        payload = self.sent(image_id, 'image.create')
        self.assertEqual(properties, payload['properties'])
        self.assertEqual(['big'], payload['tags'])

    def test_a_value_too_long_for_its_column_is_refused(self):
        refused = self.call('POST', '/v2/images', {'big': 'x' * 65536})
        self.assertEqual(400, refused.status_code)
        self.assertIn("property 'big' takes more than 65535 bytes",
                      refused.text)
        # Two bytes a character in UTF-8: 32768 of them are too many.
        refused = self.call('POST', '/v2/images', {'big': '\u00e9' * 32768})
        self.assertEqual(400, refused.status_code)
        created = self.call('POST', '/v2/images', {'big': 'x' * 65535})
        self.assertEqual(201, created.status_code, created.text)
        self.assertEqual(1, len(self.outbox()))

    def test_property_quota_is_413(self):
        self.env.conf.set_override('image_property_quota', 3)
        refused = self.call('POST', '/v2/images', {
            'a': '1', 'b': '2', 'c': '3', 'd': '4'})
        self.assertEqual(413, refused.status_code)
        self.assertIn('Attempted: 4, Maximum: 3', refused.text)
        image_id = self.call('POST', '/v2/images', {
            'a': '1', 'b': '2', 'c': '3'}).json['id']
        added = self.call('PATCH', '/v2/images/%s' % image_id, [
            {'op': 'add', 'path': '/d', 'value': '4'}], content_type=PATCH)
        self.assertEqual(413, added.status_code)
        self.assertNotIn('d', self.call('GET', '/v2/images/%s' %
                                        image_id).json)
        # Replacing one (no new name) and removing pass, as Glance.
        self.env.conf.set_override('image_property_quota', 2)
        changed = self.call('PATCH', '/v2/images/%s' % image_id, [
            {'op': 'replace', 'path': '/a', 'value': 'one'}],
            content_type=PATCH)
        self.assertEqual(200, changed.status_code, changed.text)
        swapped = self.call('PATCH', '/v2/images/%s' % image_id, [
            {'op': 'remove', 'path': '/a'},
            {'op': 'remove', 'path': '/b'},
            {'op': 'add', 'path': '/e', 'value': '5'}], content_type=PATCH)
        self.assertEqual(200, swapped.status_code, swapped.text)
        self.env.conf.set_override('image_property_quota', -1)
        self.assertEqual(201, self.call('POST', '/v2/images', {
            'p%d' % n: 'v' for n in range(200)}).status_code)

    def test_tag_quota_is_413(self):
        self.env.conf.set_override('image_tag_quota', 2)
        self.assertEqual(413, self.call('POST', '/v2/images', {
            'tags': ['a', 'b', 'c']}).status_code)
        image_id = self.call('POST', '/v2/images', {
            'tags': ['a', 'b', 'b']}).json['id']
        tag = '/v2/images/%s/tags/' % image_id
        refused = self.call('PUT', tag + 'c')
        self.assertEqual(413, refused.status_code)
        self.assertIn('Attempted: 3, Maximum: 2', refused.text)
        # A tag the image has already is no new tag.
        self.assertEqual(204, self.call('PUT', tag + 'a').status_code)
        patched = self.call('PATCH', '/v2/images/%s' % image_id, [
            {'op': 'replace', 'path': '/tags', 'value': ['x', 'y', 'z']}],
            content_type=PATCH)
        self.assertEqual(413, patched.status_code)
        self.assertEqual(['a', 'b'], self.call(
            'GET', '/v2/images/%s' % image_id).json['tags'])
        events = [event for event, _ in self.outbox()]
        self.assertEqual(['image.create', 'image.update'], events)

    def test_tags_are_exact_strings(self):
        # Case and trailing spaces count, on MySQL too (binary collation).
        tags = ['gold', 'Gold', 'gold ', '\u00e9t\u00e9', 't' * 255]
        image_id = self.call('POST', '/v2/images', {
            'tags': tags[:2]}).json['id']
        for tag in tags[2:]:
            self.assertEqual(204, self.call(
                'PUT', '/v2/images/%s/tags/%s' % (
                    image_id, urllib.parse.quote(tag))).status_code)
        self.assertEqual(sorted(tags), self.call(
            'GET', '/v2/images/%s' % image_id).json['tags'])
        self.assertEqual(400, self.call(
            'PUT', '/v2/images/%s/tags/%s' % (image_id, 't' * 256)
        ).status_code)
        other = self.call('POST', '/v2/images', {'tags': ['GOLD']}).json
        for tag, found in (('gold', [image_id]), ('GOLD', [other['id']]),
                           ('gold%20', [image_id]), ('gol', [])):
            listed = self.call('GET', '/v2/images?tag=%s' % tag).json
            self.assertEqual(found, [image['id'] for image in
                                     listed['images']], tag)

    def test_a_removed_tag_comes_back(self):
        image_id = self.call('POST', '/v2/images', {
            'tags': ['gold']}).json['id']
        tag = '/v2/images/%s/tags/gold' % image_id
        self.assertEqual(204, self.call('DELETE', tag).status_code)
        self.assertEqual(404, self.call('DELETE', tag).status_code)
        self.assertEqual([], self.call(
            'GET', '/v2/images?tag=gold').json['images'])
        self.assertEqual(204, self.call('PUT', tag).status_code)
        self.assertEqual(['gold'], self.call(
            'GET', '/v2/images/%s' % image_id).json['tags'])
        self.assertEqual(1, len(self.call(
            'GET', '/v2/images?tag=gold').json['images']))


class TestImageWritesMySQL(TestImageWrites):
    """MySQL: TEXT and VARCHAR limits, strict mode."""

    BACKEND = 'mysql'


class TestImageWritesPostgreSQL(TestImageWrites):
    """PostgreSQL: no NUL in text."""

    BACKEND = 'postgresql'
