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

"""Every edge of the image status table, made through the API.

The real WSGI app over a migrated SQLite file, its task service running
the location_import and import tasks, the filesystem store and a
loopback HTTP source. The import call's edges are the call's own (the
status moves in its transaction), so a stand-in ``api_image_import``
that waits (:mod:`.import_stub`) runs its tasks; what the real flow
does next is the flow's tests' to check. Each edge of
:data:`glance_tasks.images.edges.CALLS` is made by the call it names;
the moves observed are read from the outbox (every status move commits
its notification, whose payload holds the new status) and must be
exactly the table's edges less :data:`~glance_tasks.images.edges.
PENDING` -- an edge nobody drives fails the test, and so does a
pending edge that starts being reached.
"""

import hashlib
import http.server
import json
import os
import threading
import time

import sqlalchemy as sa
import testtools

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import outbox as outbox_db
from glance_tasks.images import edges
from glance_tasks.images import scrubber
from glance_tasks.tests.functional.api import fixtures
from glance_tasks.tests.functional.api import import_stub

TIMEOUT = 60
PROJECT = fixtures.PROJECT_A
MEMBER = {'X-Project-Id': PROJECT, 'X-Roles': 'member,reader',
          'X-User-Id': 'walker'}
ADMIN = dict(MEMBER, **{'X-Roles': 'admin,member,reader'})
SLOW_SIZE = 4 * 1024 * 1024


class _Source(http.server.BaseHTTPRequestHandler):
    """/short ends early; /slow sends its bytes until told to stop."""

    stop = None

    def do_GET(self):
        if self.path == '/short':
            self.send_response(200)
            self.send_header('Content-Length', str(SLOW_SIZE))
            self.end_headers()
            self.wfile.write(b'\0' * 4096)
            self.close_connection = True
            return
        if self.path != '/slow':
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Length', str(SLOW_SIZE))
        self.end_headers()
        while not self.stop.wait(0.05):
            try:
                self.wfile.write(b'\0' * 1024)
            except OSError:
                return

    def log_message(self, *args):
        pass


def _blocked(release):
    """A body that gives some bytes, then waits, then breaks."""
    return fixtures.BlockedBody(release, b'\1' * 65536, TIMEOUT)


class TestStatusTable(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.stop_source = threading.Event()
        _Source.stop = self.stop_source
        self.source = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      _Source)
        threading.Thread(target=self.source.serve_forever,
                         daemon=True).start()
        self.addCleanup(self.source.server_close)
        self.addCleanup(self.source.shutdown)
        self.addCleanup(self.stop_source.set)
        import_stub.RELEASE.clear()
        self.env = fixtures.APIEnvironment(task_types=[
            import_stub.StubImport], overrides={
            ('enabled_task_types', 'task'): ['import', 'location_import',
                                             'api_image_import'],
            ('stores', 'glance_store'): ['file', 'http'],
            ('allowed_hosts', 'import_filtering_opts'): ['127.0.0.1'],
            ('allowed_ports', 'import_filtering_opts'): [],
            ('max_request_body_size', 'api'): 65536})
        self.addCleanup(self.env.stop)
        self.addCleanup(import_stub.RELEASE.set)
        self.context = gt_context.get_admin_context()
        self.datadir = os.path.join(self.env.tempdir, 'images')
        os.makedirs(self.datadir, exist_ok=True)
        self.source_url = 'http://127.0.0.1:%d' % self.source.server_port

    # -- calls -----------------------------------------------------------

    def call(self, path, method='GET', body=None, headers=MEMBER,
             content_type='application/json', expect=None):
        req = fixtures.api_request(path, method, body, headers,
                                   content_type)
        response = req.get_response(self.env.app)
        if expect is not None:
            self.assertEqual(expect, response.status_int, response.text)
        return response

    def create(self):
        return self.call('/v2/images', 'POST', {
            'name': 'walk', 'disk_format': 'raw',
            'container_format': 'bare'}, expect=201).json['id']

    def status(self, image_id):
        return self.call('/v2/images/%s' % image_id, headers=ADMIN,
                         expect=200).json['status']

    def wait_for(self, image_id, status):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.status(image_id) == status:
                return
            time.sleep(0.05)
        self.fail('image %s is %s, never %s' % (image_id,
                                                self.status(image_id),
                                                status))

    def wait_for_task_end(self, image_id):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            tasks = self.call('/v2/images/%s/tasks' % image_id,
                              expect=200).json['tasks']
            if tasks and all(task['status'] in ('success', 'failure')
                             for task in tasks):
                return tasks
            time.sleep(0.05)
        self.fail('the tasks of image %s never ended' % image_id)

    def delete(self, image_id):
        self.call('/v2/images/%s' % image_id, 'DELETE', expect=204)

    def upload(self, image_id, data, expect=204):
        return self.call('/v2/images/%s/file' % image_id, 'PUT', data,
                         content_type='application/octet-stream',
                         expect=expect)

    def file_in_store(self, name):
        data = os.urandom(100 * 1024)
        path = os.path.join(self.datadir, name)
        with open(path, 'wb') as f:
            f.write(data)
        return 'file://' + path, data

    def add_location(self, image_id, url, **validation):
        body = {'url': url}
        if validation:
            body['validation_data'] = validation
        self.call('/v2/images/%s/locations' % image_id, 'POST', body,
                  expect=202)

    # -- what was observed -------------------------------------------------

    def observed_moves(self):
        """``(from, to)`` of every image status change, from the outbox."""
        with db_api.context_manager.reader.using(self.context):
            rows = self.context.session.execute(
                sa.select(outbox_db.OUTBOX).order_by(
                    outbox_db.OUTBOX.c.id)).all()
        last, moves = {}, set()
        for row in rows:
            payload = row.payload
            if isinstance(payload, str):
                payload = json.loads(payload)
            if not row.event_type.startswith('image.') or (
                    'status' not in payload or 'id' not in payload):
                continue
            before = last.get(payload['id'])
            if before is not None and before != payload['status']:
                moves.add((before, payload['status']))
            last[payload['id']] = payload['status']
        return moves

    # -- the walk ----------------------------------------------------------

    def walk_upload(self):
        image_id = self.create()
        self.upload(image_id, b'\1' * 4096)  # queued->saving->active
        self.delete(image_id)  # active->deleted
        self.delete(self.create())  # queued->deleted

    def walk_broken_upload(self):
        image_id = self.create()
        release = threading.Event()
        release.set()
        self.upload(image_id, _blocked(release), expect=400)
        self.assertEqual('queued', self.status(image_id))  # saving->queued

    def walk_delete_during_upload(self):
        image_id = self.create()
        release = threading.Event()
        thread = threading.Thread(target=self.upload, daemon=True,
                                  args=(image_id, _blocked(release)),
                                  kwargs={'expect': None})
        thread.start()
        self.wait_for(image_id, 'saving')
        self.delete(image_id)  # saving->deleted
        release.set()
        thread.join(TIMEOUT)

    def walk_failed_import(self):
        task = {'type': 'import', 'input': {
            'import_from': self.source_url + '/short',
            'import_from_format': 'raw',
            'image_properties': {'disk_format': 'raw',
                                 'container_format': 'bare'}}}
        task_id = self.call('/v2/tasks', 'POST', task,
                            expect=201).json['id']
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            task = self.call('/v2/tasks/%s' % task_id, expect=200).json
            if task['status'] == 'failure':
                break
            time.sleep(0.05)
        self.assertEqual('killed', self.status(task['image_id']))
        self.delete(task['image_id'])  # killed->deleted

    def walk_legacy_location_and_deactivation(self):
        image_id = self.create()
        url, data = self.file_in_store('legacy.raw')
        image = self.call(
            '/v2/images/%s' % image_id, 'PATCH',
            [{'op': 'add', 'path': '/locations/-',
              'value': {'url': url, 'metadata': {}}}],
            content_type='application/openstack-images-v2.1-json-patch',
            expect=200).json  # queued->active
        self.assertEqual('active', image['status'])
        self.assertEqual(hashlib.md5(data).hexdigest(), image['checksum'])
        actions = '/v2/images/%s/actions/' % image_id
        self.call(actions + 'deactivate', 'POST', headers=ADMIN,
                  expect=204)  # active->deactivated
        self.call(actions + 'reactivate', 'POST', headers=ADMIN,
                  expect=204)  # deactivated->active
        self.call(actions + 'deactivate', 'POST', headers=ADMIN, expect=204)
        self.delete(image_id)  # deactivated->deleted

    def walk_location_import_and_delayed_delete(self):
        image_id = self.create()
        url, _ = self.file_in_store('located.raw')
        self.add_location(image_id, url)  # queued->importing
        self.wait_for(image_id, 'active')  # importing->active
        self.env.conf.set_override('delayed_delete', True)
        self.env.conf.set_override('scrub_time', 0)
        self.delete(image_id)  # active->pending_delete
        images = self.env.service.services.images
        scrubber.restore(images, image_id)  # pending_delete->active
        self.delete(image_id)
        scrubbed = scrubber.scrub(images,
                                  self.env.service.services.image_store)
        self.assertEqual(1, scrubbed)  # pending_delete->deleted
        self.env.conf.clear_override('delayed_delete')

    def walk_location_import_failures(self):
        image_id = self.create()
        url, _ = self.file_in_store('mismatch.raw')
        self.add_location(image_id, url, checksum='0' * 32)
        # queued->importing->queued: too quick to see the middle here;
        # the outbox has both moves.
        self.wait_for_task_end(image_id)
        self.assertEqual('queued', self.status(image_id))
        image_id = self.create()
        self.add_location(image_id, self.source_url + '/slow')
        self.wait_for(image_id, 'importing')
        self.delete(image_id)  # importing->deleted
        self.stop_source.set()

    def stage(self, image_id, data, expect=204):
        return self.call('/v2/images/%s/stage' % image_id, 'PUT', data,
                         content_type='application/octet-stream',
                         expect=expect)

    def start_import(self, image_id, method):
        self.call('/v2/images/%s/import' % image_id, 'POST',
                  {'method': method}, expect=202)

    def walk_stage_and_import(self):
        image_id = self.create()
        self.stage(image_id, b'\1' * 4096)  # queued->uploading
        self.start_import(image_id, {'name': 'glance-direct'})
        self.assertEqual('importing', self.status(image_id))  # ->importing
        staged = self.create()
        self.stage(staged, b'\1' * 4096)
        self.delete(staged)  # uploading->deleted
        # queued->importing by a web-download import too.
        self.start_import(self.create(), {
            'name': 'web-download', 'uri': self.source_url + '/slow'})

    def walk_broken_stage(self):
        image_id = self.create()
        release = threading.Event()
        release.set()
        self.stage(image_id, _blocked(release), expect=400)
        self.assertEqual('queued', self.status(image_id))  # uploading->queued

    def test_every_edge_of_the_table(self):
        self.assertEqual(edges.edges(),
                         set(edges.CALLS) | set(edges.PENDING))
        self.walk_stage_and_import()
        self.walk_broken_stage()
        self.walk_upload()
        self.walk_broken_upload()
        self.walk_delete_during_upload()
        self.walk_failed_import()
        self.walk_legacy_location_and_deactivation()
        self.walk_location_import_and_delayed_delete()
        self.walk_location_import_failures()
        observed = self.observed_moves()
        self.assertEqual(set(), observed - edges.edges(),
                         'moves outside the table')
        self.assertEqual(set(), set(edges.PENDING) & observed,
                         'pending edges now reached: move them to CALLS')
        self.assertEqual(set(), set(edges.CALLS) - observed,
                         'edges of the table not exercised')
