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

"""The real python-glanceclient and openstacksdk against a running API.

The API listens on a free loopback port in a thread of the test process,
served by the same server ``glance-tasks-api`` uses; the CLI runs as a
subprocess. noauth without identity headers makes these clients the local
admin, so the tasks they create have no owner.
"""

import json
import os
import subprocess
import sys
import threading

import fixtures as test_fixtures
import testtools

from glance_tasks.tests.functional.api import fixtures

TIMEOUT = 60


def _close_stdin():
    os.close(0)


def run_glance(test, url, *args, expect_fail=False):
    """Run the ``glance`` CLI against ``url``; assert its exit status."""
    command = [os.path.join(os.path.dirname(sys.executable), 'glance'),
               '--os-image-url', url,
               '--os-auth-token', 'unused-under-noauth'] + list(args)
    # A closed stdin, as in `glance ... <&-`: glanceclient reads image
    # data from any other stdin that is not a terminal.
    done = subprocess.run(command, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False,
                          env=dict(os.environ, OS_CLOUD=''),
                          preexec_fn=_close_stdin)
    if expect_fail:
        test.assertNotEqual(0, done.returncode, done.stdout)
    else:
        test.assertEqual(0, done.returncode, done.stderr)
    return done


class ServerFixture(test_fixtures.Fixture):
    """An API environment served on 127.0.0.1 at a free port.

    ``before_app``, ``task_types``: as :class:`fixtures.APIEnvironment`'s
    (configure more, as multi-store, before the service starts).
    """

    def __init__(self, before_app=None, task_types=()):
        super().__init__()
        self._before_app = before_app
        self._task_types = task_types

    def _setUp(self):
        self.env = fixtures.APIEnvironment(before_app=self._before_app,
                                           task_types=self._task_types)
        self.addCleanup(self.env.stop)
        self.images = self.env.seed_images()
        self.url = self.env.serve()


class TestGlanceClientCLI(testtools.TestCase):
    """``glance task-create/task-list/task-show/image-show``."""

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(ServerFixture())

    def glance(self, *args, expect_fail=False):
        return run_glance(self, self.server.url, *args,
                          expect_fail=expect_fail)

    def test_task_create_list_show(self):
        created = self.glance('task-create', '--type', 'noop',
                              '--input', json.dumps({'atoms': 1}))
        self.assertIn('pending', created.stdout)
        task_id = next(line.split('|')[2].strip()
                       for line in created.stdout.splitlines()
                       if line.startswith('| id '))
        listed = self.glance('task-list')
        self.assertIn(task_id, listed.stdout)
        for _ in range(100):
            shown = self.glance('task-show', task_id)
            if 'success' in shown.stdout:
                break
        self.assertIn('success', shown.stdout)
        self.assertIn('"atoms": 1', shown.stdout)

    def test_bad_input_message_is_shown(self):
        failed = self.glance('task-create', '--type', 'noop',
                             '--input', json.dumps({'atoms': 0}),
                             expect_fail=True)
        self.assertIn('input.atoms: 0 is less than the minimum of 1',
                      failed.stderr)

    def test_image_show(self):
        image_id = self.server.images['ACTIVE_IMAGE']
        shown = self.glance('image-show', image_id)
        self.assertIn(image_id, shown.stdout)
        self.assertIn('active', shown.stdout)
        self.assertIn('x86_64', shown.stdout)

    def _field(self, table, name):
        return next(line.split('|')[2].strip()
                    for line in table.splitlines()
                    if line.startswith('| %s ' % name))

    def test_image_create_update_and_tags(self):
        created = self.glance('image-create', '--name', 'cli-image',
                              '--disk-format', 'qcow2',
                              '--container-format', 'bare',
                              '--property', 'os_distro=debian')
        image_id = self._field(created.stdout, 'id')
        self.assertEqual('queued', self._field(created.stdout, 'status'))
        self.assertEqual('debian', self._field(created.stdout, 'os_distro'))
        updated = self.glance('image-update', '--property', 'hw_arch=arm',
                              '--name', 'renamed', image_id)
        self.assertEqual('arm', self._field(updated.stdout, 'hw_arch'))
        self.assertEqual('renamed', self._field(updated.stdout, 'name'))
        tagged = self.glance('image-tag-update', image_id, 'golden')
        self.assertIn("['golden']", tagged.stdout)
        listed = self.glance('image-list', '--tag', 'golden',
                             '--property-filter', 'hw_arch=arm',
                             '--visibility', 'shared', '--member-status',
                             'accepted', '--sort', 'name:asc')
        self.assertIn(image_id, listed.stdout)
        self.assertEqual(1, listed.stdout.count('| renamed'))
        self.glance('image-tag-delete', image_id, 'golden')
        listed = self.glance('image-list', '--tag', 'golden')
        self.assertNotIn(image_id, listed.stdout)
        shown = self.glance('image-show', image_id)
        self.assertEqual('[]', self._field(shown.stdout, 'tags'))

    def test_image_create_unknown_disk_format(self):
        failed = self.glance('image-create', '--name', 'x', '--disk-format',
                             'floppy', '--container-format', 'bare',
                             expect_fail=True)
        self.assertIn('floppy', failed.stderr)

    def test_image_tasks(self):
        # glanceclient asks /versions for v2.12 before it calls the API.
        image_id = self.server.images['ACTIVE_IMAGE']
        task_id = self.server.env.seed_image_task(image_id,
                                                  fixtures.PROJECT_A)
        shown = self.glance('--verbose', 'image-tasks', image_id)
        self.assertIn(task_id, shown.stdout)

    def test_image_show_not_found(self):
        failed = self.glance('image-show', fixtures.IMAGES['OTHER_IMAGE'][0]
                             .replace('4', '9'), expect_fail=True)
        self.assertIn('could not be found', failed.stderr)


class TestGlanceClientLibrary(testtools.TestCase):
    """``glanceclient.Client('2', ...)`` as services use it."""

    def setUp(self):
        super().setUp()
        import glanceclient
        self.server = self.useFixture(ServerFixture())
        self.client = glanceclient.Client('2', endpoint=self.server.url,
                                          token='unused-under-noauth')

    def test_tasks(self):
        task = self.client.tasks.create(type='noop', input={'atoms': 2})
        self.assertEqual('pending', task.status)
        self.assertIn(task.id, [t.id for t in self.client.tasks.list()])
        for _ in range(100):
            task = self.client.tasks.get(task.id)
            if task.status == 'success':
                break
            threading.Event().wait(0.1)
        self.assertEqual({'atoms': 2}, task.result)

    def test_error_message(self):
        from glanceclient import exc
        error = self.assertRaises(exc.HTTPBadRequest,
                                  self.client.tasks.create,
                                  type='noop', input={'atoms': 'two'})
        self.assertIn("input.atoms: 'two' is not of type 'integer'",
                      str(error))

    def test_error_needs_the_legacy_shape(self):
        # Why [api] legacy_error_user_agents exists: glanceclient cannot
        # read an API-SIG body. When this stops failing, the shim can go.
        self.server.env.conf.set_override('legacy_error_user_agents', [],
                                          group='api')
        self.assertRaises(AttributeError, self.client.tasks.create,
                          type='noop', input={'atoms': 'two'})

    def test_image(self):
        image = self.client.images.get(self.server.images['QUEUED_IMAGE'])
        self.assertEqual('queued', image.status)


class TestOpenStackSDK(testtools.TestCase):
    """openstacksdk's image proxy: create_task, tasks, get_task, wait."""

    def setUp(self):
        super().setUp()
        from openstack import connection
        self.server = self.useFixture(ServerFixture())
        self.conn = connection.Connection(
            auth_type='none', image_endpoint_override=self.server.url)
        self.addCleanup(self.conn.close)

    def test_task_lifecycle(self):
        task = self.conn.image.create_task(type='noop', input={'atoms': 1})
        self.assertEqual('pending', task.status)
        self.assertIn(task.id, [t.id for t in self.conn.image.tasks()])
        done = self.conn.image.wait_for_task(task, interval=0.1, wait=30)
        self.assertEqual('success', done.status)
        self.assertEqual({'atoms': 1}, done.result)
        self.assertEqual(done.id, self.conn.image.get_task(task.id).id)

    def test_failed_task_raises_with_its_message(self):
        from openstack import exceptions
        task = self.conn.image.create_task(
            type='noop', input={'atoms': 2, 'fail_at': 0})
        error = self.assertRaises(exceptions.ResourceFailure,
                                  self.conn.image.wait_for_task, task,
                                  interval=0.1, wait=30)
        self.assertIn('failure', str(error))
        self.assertIn('fail_at=0', self.conn.image.get_task(task).message)

    def test_error_message(self):
        from openstack import exceptions
        error = self.assertRaises(exceptions.BadRequestException,
                                  self.conn.image.create_task,
                                  type='teleport', input={})
        self.assertIn("Task type 'teleport' is not known; available "
                      "types: noop.", str(error))

    def test_not_found(self):
        from openstack import exceptions
        self.assertRaises(exceptions.NotFoundException,
                          self.conn.image.get_task,
                          '00000000-0000-4000-8000-000000000000')

    def test_image(self):
        image = self.conn.image.get_image(self.server.images['ACTIVE_IMAGE'])
        self.assertEqual('active', image.status)
        self.assertEqual('raw', image.disk_format)

    def test_create_image_without_data(self):
        # Its duplicate check lists with os_hidden before it creates.
        image = self.conn.create_image(
            'sdk-image', disk_format='qcow2', container_format='bare',
            min_ram=64, tags=['base'], meta={'x_colour': 'blue'},
            wait=False)
        self.assertEqual('queued', image.status)
        shown = self.conn.image.get_image(image.id)
        self.assertEqual(64, shown.min_ram)
        self.assertEqual(['base'], shown.tags)
        self.assertEqual('blue', shown.properties['x_colour'])
        # The same name again: sdk finds no duplicate by id, creates.
        again = self.conn.create_image(
            'sdk-image', disk_format='raw', container_format='bare',
            wait=False)
        self.assertNotEqual(image.id, again.id)

    def _image(self):
        return self.conn.image.create_image(
            name='sdk-image', disk_format='raw', container_format='bare')

    def test_update_image_and_tags(self):
        image = self._image()
        updated = self.conn.image.update_image(image, name='renamed',
                                               x_colour='blue')
        self.assertEqual('renamed', updated.name)
        self.assertEqual('blue', updated.properties['x_colour'])
        self.conn.image.add_tag(updated, 'golden')
        self.conn.image.add_tag(updated, 'blue')
        self.assertEqual(['blue', 'golden'],
                         self.conn.image.get_image(image.id).tags)
        self.conn.image.remove_tag(updated, 'blue')
        self.assertEqual(['golden'],
                         self.conn.image.get_image(image.id).tags)

    def test_images_with_filters(self):
        image = self._image()
        self.conn.image.add_tag(image, 'golden')
        hidden = self.conn.image.update_image(
            self.conn.image.create_image(name='hidden', disk_format='raw',
                                         container_format='bare'),
            is_hidden=True)

        def names(**query):
            return [found.name for found in self.conn.image.images(**query)]

        self.assertEqual(['sdk-image'], names(tag='golden'))
        self.assertNotIn('hidden', names())
        self.assertEqual(['hidden'], names(is_hidden=True))
        self.assertEqual(['sdk-image'], names(
            status='queued', visibility='shared', member_status='accepted',
            protected=False, is_hidden=False, name='in:sdk-image,nothing',
            created_at='gt:2000-01-01T00:00:00Z', sort='name:asc'))
        ordered = names(sort_key='name', sort_dir='asc', visibility='all')
        self.assertEqual(sorted(ordered), ordered)
        self.assertIn(hidden.id, [found.id for found in self.conn.image.images(
            id='in:%s' % hidden.id, is_hidden=True)])

    def test_bad_filter_is_a_400_naming_it(self):
        from openstack import exceptions
        error = self.assertRaises(exceptions.BadRequestException, list,
                                  self.conn.image.images(size_min='big'))
        self.assertIn("'size_min'", str(error))


class TestOversizeBody(testtools.TestCase):
    """Glance 33 took a 16 MiB task body and then answered 500."""

    def test_16_mib_body_is_a_413_over_a_real_socket(self):
        import requests
        server = self.useFixture(ServerFixture())
        body = (b'{"type": "noop", "input": {"pad": "' +
                b'x' * (16 * 1024 * 1024) + b'"}}')
        response = requests.post(server.url + '/v2/tasks', data=body,
                                 headers={'Content-Type': 'application/json'},
                                 timeout=TIMEOUT)
        self.assertEqual(413, response.status_code)
        self.assertIn('[api] max_request_body_size',
                      response.json()['errors'][0]['detail'])
        listed = requests.get(server.url + '/v2/tasks', timeout=TIMEOUT)
        self.assertEqual([], listed.json()['tasks'])
