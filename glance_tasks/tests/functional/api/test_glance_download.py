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

"""glance-download between two real instances, behind the real Keystone.

Two ``glance-tasks-api`` processes with ``[api] auth_strategy =
keystone``: A (where images are imported) and B (the "other region").
Each gets a region of its own in the test Keystone's catalog, with a
unique name, and an ``image`` endpoint at its port; both are deleted when
the class ends (the Keystone is shared: nothing else is changed). An
image is created and uploaded in B, a queued one created in A, and A
imports B's with glance-download: with the user's token, found through
the user's catalog. Skipped without the test Keystone unless
``GLANCE_TASKS_REQUIRE_SERVICES`` is set.
"""

import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from oslo_utils import uuidutils
import testtools

from glance_tasks.tests.functional.api import keystone_service
from glance_tasks.tests.functional import service

TIMEOUT = keystone_service.TIMEOUT
DATA = os.urandom(3 * 1024 * 1024 + 17)
METHODS = ['glance-direct', 'web-download', 'copy-image', 'glance-download']
IDENTITY = {'service_type': 'identity', 'interface': 'public'}


class Region:
    """A region of the test Keystone with one ``image`` endpoint."""

    def __init__(self, admin, name, url):
        self.admin = admin
        self.name = name
        self.endpoint_id = None
        self._call('/regions', 'POST', {'region': {
            'id': name, 'description': 'glance-download test'}})
        services = self._call('/services?type=image').json()['services']
        created = self._call('/endpoints', 'POST', {'endpoint': {
            'service_id': services[0]['id'], 'interface': 'public',
            'region_id': name, 'url': url}})
        self.endpoint_id = created.json()['endpoint']['id']

    def _call(self, path, method='GET', body=None):
        response = self.admin.request(path, method, json=body,
                                      endpoint_filter=IDENTITY,
                                      raise_exc=False)
        if response.status_code >= 400:
            raise RuntimeError('Keystone %s %s: %s %s' % (
                method, path, response.status_code, response.text))
        return response

    def delete(self):
        if self.endpoint_id is not None:
            self._call('/endpoints/%s' % self.endpoint_id, 'DELETE')
        self._call('/regions/%s' % self.name, 'DELETE')


class SlowProxy:
    """A TCP proxy to ``target`` sending its answers at ``rate`` bytes/s.

    What a slow link between two regions looks like: the import is still
    downloading when the test kills the process running it.
    """

    PIECE = 64 * 1024

    def __init__(self, target, rate):
        self.target = target
        self.rate = rate
        self.listener = socket.create_server((service.HOST, 0))
        self.url = 'http://%s:%d' % (service.HOST,
                                     self.listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, upstream, 0),
                             daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client,
                                                      self.rate),
                             daemon=True).start()

    def _pipe(self, source, sink, rate):
        try:
            while True:
                data = source.recv(self.PIECE)
                if not data:
                    break
                sink.sendall(data)
                if rate:
                    time.sleep(len(data) / rate)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.close()


class Instance:
    """One ``glance-tasks-api`` process behind the test Keystone."""

    def __init__(self, clouds, state, options=None):
        self.state = state
        settings = service.loopback_imports(10)
        settings.update(keystone_service.keystone_options(clouds))
        settings['DEFAULT'] = {'bind_host': service.HOST, 'bind_port': 0,
                               'enabled_import_methods': METHODS}
        # A task of a killed process is taken over within seconds.
        settings['task_executor'] = {'lease_duration': 3,
                                     'sweep_interval': 1}
        for group, values in (options or {}).items():
            settings.setdefault(group, {}).update(values)
        self.config = service.ServiceConfig(
            state, task_types=('noop', 'api_image_import'),
            options=settings)
        self.log = os.path.join(state, 'api.log')
        self.process = None

    def start(self):
        self.config.db_sync()
        process = service.APIProcess(self.config.path, stderr=self.log)
        process.setUp()
        self.process = process
        self.url = process.url
        return self

    def stop(self):
        if self.process is not None:
            try:
                self.process.stop(TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
            self.process.cleanUp()
            self.process = None

    def tail(self, lines=40):
        return service.ChildProcess.read(self.log).splitlines()[-lines:]


class GlanceDownloadTestCase(testtools.TestCase):
    """Instances A and B in two new regions, for the whole class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clouds = keystone_service.clouds_or_skip()
        cls.admin = keystone_service.session(cls.clouds['admin'])
        cls.tempdir = tempfile.mkdtemp(prefix='glance-tasks-gdl-')
        cls.regions = []
        cls.instances = {}
        try:
            for name in ('a', 'b'):
                instance = Instance(cls.clouds,
                                    os.path.join(cls.tempdir, name)).start()
                cls.instances[name] = instance
                region = Region(cls.admin, 'gdl-%s-%s' % (
                    name, uuidutils.generate_uuid(dashed=False)[:12]),
                    instance.url)
                cls.regions.append(region)
        except Exception:
            cls._clean_up()
            raise
        cls.region_a, cls.region_b = (region.name for region in cls.regions)
        cls.a, cls.b = cls.instances['a'], cls.instances['b']

    @classmethod
    def _clean_up(cls):
        for instance in cls.instances.values():
            instance.stop()
        for region in cls.regions:
            region.delete()
        shutil.rmtree(cls.tempdir, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls._clean_up()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        # A new session per test: a token whose catalog has the regions.
        self.member = keystone_service.session(self.clouds['p1-member'])
        self.addOnException(self._attach_logs)

    def _attach_logs(self, exc_info):
        for name, instance in self.instances.items():
            self.addDetailUniqueName(
                'api-%s.log' % name,
                testtools.content.text_content('\n'.join(instance.tail())))

    def call(self, region, path, method='GET', body=None, data=None,
             headers=None):
        """A request as p1-member to ``region``'s image endpoint."""
        kwargs = {'json': body} if data is None else {'data': data}
        return self.member.request(
            path, method, raise_exc=False, headers=headers,
            endpoint_filter={'service_type': 'image', 'interface': 'public',
                             'region_name': region}, **kwargs)

    def created(self, region, **fields):
        body = dict({'name': 'gdl', 'disk_format': 'raw',
                     'container_format': 'bare'}, **fields)
        response = self.call(region, '/v2/images', 'POST', body)
        self.assertEqual(201, response.status_code, response.text)
        return response.json()

    def remote_image(self, data=DATA):
        """An active image in B, with properties glance-download copies."""
        image = self.created(self.region_b, disk_format='qcow2',
                             hw_disk_bus='scsi', os_distro='debian',
                             site_only='not copied')
        # The remote's formats are copied: the data's own is raw.
        patched = self.call(
            self.region_b, '/v2/images/%s' % image['id'], 'PATCH',
            data=json.dumps([{'op': 'replace', 'path': '/disk_format',
                              'value': 'raw'}]),
            headers={'Content-Type':
                     'application/openstack-images-v2.1-json-patch'})
        self.assertEqual(200, patched.status_code, patched.text)
        uploaded = self.call(
            self.region_b, '/v2/images/%s/file' % image['id'], 'PUT',
            data=data, headers={'Content-Type': 'application/octet-stream'})
        self.assertEqual(204, uploaded.status_code, uploaded.text)
        return self.call(self.region_b,
                         '/v2/images/%s' % image['id']).json()

    def local_image(self):
        return self.created(self.region_a, disk_format='qcow2')['id']

    def start_download(self, image_id, remote_id, region=None, **method):
        body = {'method': dict({'name': 'glance-download',
                                'glance_image_id': remote_id,
                                'glance_region': region or self.region_b},
                               **method)}
        return self.call(self.region_a, '/v2/images/%s/import' % image_id,
                         'POST', body)

    def shown(self, image_id):
        response = self.call(self.region_a, '/v2/images/%s' % image_id)
        self.assertEqual(200, response.status_code, response.text)
        return response.json()

    def import_task(self, image_id):
        """The image's import task once it ended."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            tasks = self.call(self.region_a,
                              '/v2/images/%s/tasks' % image_id).json()
            tasks = tasks['tasks']
            if tasks and tasks[0]['status'] in ('success', 'failure'):
                return tasks[0]
            if time.monotonic() > deadline:
                self.fail('the import of %s did not end: %s'
                          % (image_id, tasks))
            time.sleep(0.2)

    def assertCopied(self, image_id, remote):
        task = self.import_task(image_id)
        self.assertEqual('success', task['status'], task['message'])
        image = self.shown(image_id)
        self.assertEqual('active', image['status'])
        for field in ('checksum', 'os_hash_algo', 'os_hash_value', 'size',
                      'disk_format', 'container_format'):
            self.assertEqual(remote[field], image[field], field)
        self.assertEqual(hashlib.md5(DATA).hexdigest(), image['checksum'])
        self.assertEqual('scsi', image['hw_disk_bus'])
        self.assertEqual('debian', image['os_distro'])
        self.assertNotIn('site_only', image)
        self.assertNotIn('os_glance_import_task', image)
        data = self.call(self.region_a, '/v2/images/%s/file' % image_id)
        self.assertEqual(DATA, data.content)
        return task

    def assertQueued(self, image_id, message):
        task = self.import_task(image_id)
        self.assertEqual('failure', task['status'])
        self.assertIn(message, task['message'])
        image = self.shown(image_id)
        self.assertEqual('queued', image['status'])
        self.assertEqual('qcow2', image['disk_format'])
        self.assertNotIn('hw_disk_bus', image)
        self.assertNotIn('os_glance_import_task', image)
        self.assertEqual([], os.listdir(os.path.join(self.a.state,
                                                     'staging')))
        return task


class TestGlanceDownload(GlanceDownloadTestCase):

    def test_import_info_lists_it(self):
        info = self.call(self.region_a, '/v2/info/import').json()
        self.assertEqual(METHODS, info['import-methods']['value'])

    def test_remote_image_is_copied(self):
        remote = self.remote_image()
        image_id = self.local_image()

        response = self.start_download(image_id, remote['id'])

        self.assertEqual(202, response.status_code, response.text)
        task = self.assertCopied(image_id, remote)
        method = task['input']['import_req']['method']
        self.assertEqual({'name': 'glance-download',
                          'glance_image_id': remote['id'],
                          'glance_region': self.region_b,
                          'glance_service_interface': 'public'}, method)
        self.assertEqual(self.b.url, task['input']['glance_endpoint'])
        token = self.member.get_token()
        self.assertNotIn(token, json.dumps(task))
        self.assertNotIn(token, service.ChildProcess.read(self.a.log))

    def test_region_is_found_without_case(self):
        remote = self.remote_image()
        image_id = self.local_image()
        response = self.start_download(image_id, remote['id'],
                                       region=self.region_b.upper())
        self.assertEqual(202, response.status_code, response.text)
        self.assertCopied(image_id, remote)

    def test_remote_image_not_active(self):
        remote = self.created(self.region_b)
        image_id = self.local_image()

        self.assertEqual(202, self.start_download(image_id,
                                                  remote['id']).status_code)

        self.assertQueued(image_id, 'Source image status should be active '
                                    'instead of queued')

    def test_remote_404(self):
        missing = uuidutils.generate_uuid()
        image_id = self.local_image()

        self.assertEqual(202, self.start_download(image_id,
                                                  missing).status_code)

        self.assertQueued(image_id, 'The source image %s was not found in '
                                    'region %s' % (missing, self.region_b))

    def test_unknown_region_is_400_at_the_call(self):
        image_id = self.local_image()
        response = self.start_download(image_id, uuidutils.generate_uuid(),
                                       region='no-such-region')
        self.assertEqual(400, response.status_code, response.text)
        self.assertIn("No image service endpoint of region 'no-such-region' "
                      "with interface 'public'", response.text)
        response = self.start_download(image_id, uuidutils.generate_uuid(),
                                       glance_service_interface='internal')
        self.assertEqual(400, response.status_code, response.text)
        self.assertIn("interface 'internal'", response.text)
        image = self.shown(image_id)
        self.assertEqual('queued', image['status'])
        self.assertNotIn('os_glance_import_task', image)
        self.assertEqual([], self.call(
            self.region_a, '/v2/images/%s/tasks' % image_id).json()['tasks'])

    def test_glances_400s_and_409s(self):
        remote = self.remote_image()
        active = self.created(self.region_a)['id']
        self.assertEqual(204, self.call(
            self.region_a, '/v2/images/%s/file' % active, 'PUT', data=b'x',
            headers={'Content-Type': 'application/octet-stream'}
        ).status_code)
        response = self.start_download(active, remote['id'])
        self.assertEqual(409, response.status_code, response.text)
        image_id = self.local_image()
        for method, message in (
                ({'glance_image_id': 'nope'},
                 'Remote image id does not look like a UUID: nope'),
                ({'glance_region': None},
                 "'glance_region' needs to be set")):
            body = {'method': dict({'name': 'glance-download',
                                    'glance_image_id': remote['id'],
                                    'glance_region': self.region_b},
                                   **method)}
            body['method'] = {name: value for name, value in
                              body['method'].items() if value is not None}
            response = self.call(self.region_a,
                                 '/v2/images/%s/import' % image_id, 'POST',
                                 body)
            self.assertEqual(400, response.status_code, response.text)
            self.assertIn(message, response.text)

    def test_lying_remote_leaves_the_image_queued(self):
        remote = self.remote_image()
        # B's stored data changed behind its back: same size, other
        # bytes, the record's hashes unchanged.
        [path] = [os.path.join(root, name) for root, _dirs, names
                  in os.walk(os.path.join(self.b.state, 'images'))
                  for name in names if name == remote['id']]
        with open(path, 'r+b') as f:
            f.write(b'\0' * 4096)
        image_id = self.local_image()

        self.assertEqual(202, self.start_download(image_id,
                                                  remote['id']).status_code)

        self.assertQueued(image_id, 'does not match the source image: its '
                                    'sha512 hash is')


class TestTakeOver(GlanceDownloadTestCase):
    """SIGKILL of the process downloading, then another process finishes.

    The import runs in a process of its own (the class's A keeps
    serving), which fetches from B through a slow link (a region whose
    endpoint is :class:`SlowProxy`); it is killed mid-download and a new
    process on the same database takes the task over once its lease
    lapsed: with the token from ``task_requesters``, never from memory.
    """

    RATE = 1024 * 1024  # bytes per second: about 3 s per download

    def slow_region(self):
        address = self.b.url.rsplit(':', 1)
        proxy = SlowProxy((service.HOST, int(address[1])), self.RATE)
        self.addCleanup(proxy.close)
        region = Region(self.admin, 'gdl-slow-%s' % uuidutils.generate_uuid(
            dashed=False)[:12], proxy.url)
        self.addCleanup(region.delete)
        # A token issued now: its catalog has the new region.
        self.member = keystone_service.session(self.clouds['p1-member'])
        return region.name

    def at(self, instance, path, method='GET', body=None):
        return self.member.request(instance.url + path, method, json=body,
                                   raise_exc=False)

    def rows(self, instance, sql):
        path = os.path.join(instance.state, 'glance_tasks.sqlite')
        with sqlite3.connect(path) as conn:
            return conn.execute(sql).fetchall()

    def test_killed_mid_download_then_taken_over(self):
        remote = self.remote_image()
        slow = self.slow_region()
        state = os.path.join(self.tempdir, 'killed-%s' % remote['id'][:8])
        first = Instance(self.clouds, state).start()
        self.addCleanup(first.stop)
        created = self.at(first, '/v2/images', 'POST', {
            'name': 'gdl', 'disk_format': 'qcow2',
            'container_format': 'bare'})
        image_id = created.json()['id']
        response = self.at(first, '/v2/images/%s/import' % image_id, 'POST',
                           {'method': {'name': 'glance-download',
                                       'glance_image_id': remote['id'],
                                       'glance_region': slow}})
        self.assertEqual(202, response.status_code, response.text)
        staged = os.path.join(state, 'staging', image_id)
        deadline = time.monotonic() + TIMEOUT
        while not (os.path.exists(staged) and os.path.getsize(staged)):
            self.assertLess(time.monotonic(), deadline, 'no download began')
            time.sleep(0.05)
        first.process.kill()
        self.assertLess(os.path.getsize(staged), len(DATA))
        self.assertEqual(1, len(self.rows(
            first, 'SELECT task_id FROM task_requesters')))

        second = Instance(self.clouds, state).start()
        self.addCleanup(second.stop)
        deadline = time.monotonic() + 2 * TIMEOUT
        while True:
            [task] = self.at(second, '/v2/images/%s/tasks'
                             % image_id).json()['tasks']
            if task['status'] in ('success', 'failure'):
                break
            self.assertLess(time.monotonic(), deadline, task)
            time.sleep(0.2)
        # Success: the second process called B with the token the import
        # call recorded (it has no other).
        self.assertEqual('success', task['status'], task['message'])
        image = self.at(second, '/v2/images/%s' % image_id).json()
        self.assertEqual('active', image['status'])
        self.assertEqual(remote['checksum'], image['checksum'])
        self.assertEqual(remote['os_hash_value'], image['os_hash_value'])
        self.assertNotIn('os_glance_import_task', image)
        self.assertEqual([], os.listdir(os.path.join(state, 'staging')))
        self.assertEqual([], self.rows(second,
                                       'SELECT task_id FROM task_requesters'))


def run_client(test, argv, env=None):
    done = subprocess.run(argv, capture_output=True, text=True, env=env,
                          timeout=TIMEOUT, check=False)
    test.assertEqual(0, done.returncode, done.stdout + done.stderr)
    return done.stdout


class TestClients(GlanceDownloadTestCase):
    """glanceclient, openstacksdk and OpenStackClient, as users run them."""

    def client_env(self, region):
        env = {name: value for name, value in os.environ.items()
               if not name.startswith('OS_')}
        # The account as variables: clouds.yaml names RegionOne only.
        auth = self.clouds['p1-member']['auth']
        env.update(OS_AUTH_URL=auth['auth_url'], OS_USERNAME=auth['username'],
                   OS_PASSWORD=auth['password'],
                   OS_PROJECT_NAME=auth['project_name'],
                   OS_USER_DOMAIN_NAME=auth['user_domain_name'],
                   OS_PROJECT_DOMAIN_NAME=auth['project_domain_name'],
                   OS_IDENTITY_API_VERSION='3', OS_REGION_NAME=region)
        return env

    def script(self, name):
        return os.path.join(os.path.dirname(sys.executable), name)

    def test_glanceclient_image_import(self):
        remote = self.remote_image()
        image_id = self.local_image()
        run_client(self, [self.script('glance'), 'image-import',
                          '--import-method', 'glance-download',
                          '--remote-region', self.region_b,
                          '--remote-image-id', remote['id'],
                          '--remote-service-interface', 'public', image_id],
                   self.client_env(self.region_a))
        self.assertCopied(image_id, remote)

    def test_openstackclient_image_import(self):
        remote = self.remote_image()
        image_id = self.local_image()
        # OpenStackClient sends the region and image only with an
        # interface (--remote-service-interface), as openstacksdk does.
        run_client(self, [self.script('openstack'),
                          '--os-region-name', self.region_a,
                          'image', 'import', '--method', 'glance-download',
                          '--remote-region', self.region_b,
                          '--remote-image', remote['id'],
                          '--remote-service-interface', 'public', image_id],
                   self.client_env(self.region_a))
        self.assertCopied(image_id, remote)

    def test_openstacksdk_import_image(self):
        import openstack
        remote = self.remote_image()
        image_id = self.local_image()
        conn = openstack.connection.Connection(session=self.member,
                                               region_name=self.region_a)
        self.addCleanup(conn.close)
        image = conn.image.get_image(image_id)
        conn.image.import_image(image, method='glance-download',
                                remote_region=self.region_b,
                                remote_image_id=remote['id'],
                                remote_service_interface='public')
        self.assertCopied(image_id, remote)
