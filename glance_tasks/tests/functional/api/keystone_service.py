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

"""The real Keystone of ``tools/start-keystone.sh``, and an API behind it.

``tools/start-keystone.sh`` (run by ``tools/start-services.sh``) serves
Keystone on http://127.0.0.1:5000/v3, registers glance-tasks in its
catalog and writes the test accounts to a clouds.yaml
(``GLANCE_TASKS_TEST_CLOUDS_YAML``, default
``/etc/glance-tasks-test/clouds.yaml``): ``admin``, ``glance-tasks`` (the
service user), ``p1-reader``, ``p1-member`` and ``p2-member``.

:class:`APIProcess` runs ``glance-tasks-api`` with ``[api] auth_strategy =
keystone`` and ``[keystone_authtoken]`` as the install guide documents it,
on the port of the image endpoint the catalog gives.
"""

import fcntl
import os
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import requests
import yaml

from glance_tasks.tests import base
from glance_tasks.tests.functional import service

CLOUDS_YAML_ENV = 'GLANCE_TASKS_TEST_CLOUDS_YAML'
DEFAULT_CLOUDS_YAML = '/etc/glance-tasks-test/clouds.yaml'
TIMEOUT = 60


class KeystoneUnavailable(Exception):
    """The test Keystone is not set up or does not answer."""


def clouds_yaml():
    return os.environ.get(CLOUDS_YAML_ENV) or DEFAULT_CLOUDS_YAML


def load_clouds():
    """``{name: cloud}`` from the test clouds.yaml, once Keystone answers."""
    path = clouds_yaml()
    try:
        with open(path) as f:
            clouds = yaml.safe_load(f)['clouds']
    except (OSError, KeyError, TypeError) as error:
        raise KeystoneUnavailable(
            'no test Keystone accounts in %s (%s); run '
            'tools/start-keystone.sh as root' % (path, error))
    auth_url = clouds['admin']['auth']['auth_url']
    try:
        requests.get(auth_url, timeout=5).raise_for_status()
    except requests.RequestException as error:
        raise KeystoneUnavailable('Keystone does not answer at %s: %s'
                                  % (auth_url, error))
    return clouds


def clouds_or_skip():
    """:func:`load_clouds`; a skip, or a failure if services are required."""
    try:
        return load_clouds()
    except KeystoneUnavailable as error:
        if base.services_required():
            raise
        raise unittest.SkipTest(str(error))


def session(cloud):
    """A keystoneauth session authenticating with the cloud's password."""
    return ks_session.Session(auth=v3.Password(**cloud['auth']))


def _identity_root(auth_url):
    # Keystone's address without the version, as the install guide writes
    # www_authenticate_uri and auth_url.
    return auth_url.rstrip('/').removesuffix('/v3')


def keystone_options(clouds):
    """``[api]`` and ``[keystone_authtoken]`` of the install guide.

    The test Keystone's values, the ``glance-tasks`` service user's
    account; memcached_servers is left out: auth_token then caches the
    tokens it validated in the process.
    """
    account = clouds['glance-tasks']['auth']
    root = _identity_root(account['auth_url'])
    authtoken = {'www_authenticate_uri': root, 'auth_url': root,
                 'auth_type': 'password'}
    authtoken.update((name, account[name]) for name in (
        'project_domain_name', 'user_domain_name', 'project_name',
        'username', 'password'))
    return {'api': {'auth_strategy': 'keystone'},
            'keystone_authtoken': authtoken}


class PortLock:
    """The endpoint's port, one holder at a time on this machine.

    The catalog names one fixed port: test workers (and other checkouts
    on the same machine) take turns on it.
    """

    def __init__(self, port):
        self.path = os.path.join(tempfile.gettempdir(),
                                 'glance-tasks-test-api-%d.lock' % port)
        self.file = None

    def acquire(self, timeout=600):
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        self.file = os.fdopen(fd, 'r+')
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def release(self):
        if self.file is not None:
            self.file.close()
            self.file = None


class APIProcess:
    """``glance-tasks-api`` on the catalog's image endpoint, auth by Keystone.

    ``start`` returns once it listens; ``stop`` sends SIGTERM and waits.
    """

    def __init__(self, clouds):
        self.clouds = clouds
        self.url = session(clouds['glance-tasks']).get_endpoint(
            service_type='image', interface='public')
        address = urllib.parse.urlsplit(self.url)
        self.host, self.port = address.hostname, address.port
        self.lock = PortLock(self.port)
        self.state = tempfile.mkdtemp(prefix='glance-tasks-keystone-')
        self.log = os.path.join(self.state, 'api.log')
        self.process = None

    def make_config(self):
        """The install guide's configuration (:func:`keystone_options`)."""
        return service.ServiceConfig(self.state, options=dict(
            keystone_options(self.clouds),
            DEFAULT={'bind_host': self.host, 'bind_port': self.port}))

    def start(self):
        config = self.make_config()
        config.db_sync()
        self.lock.acquire()
        process = service.APIProcess(config.path, stderr=self.log)
        try:
            process.setUp()
        except Exception:
            # The fixture killed it already.
            self.lock.release()
            raise RuntimeError('glance-tasks-api did not start on %s: %s'
                               % (self.url, self.tail()))
        self.process = process

    def tail(self, lines=30):
        with open(self.log) as f:
            return ''.join(f.readlines()[-lines:])

    def stop(self):
        if self.process is not None:
            try:
                self.process.stop(TIMEOUT)
            except subprocess.TimeoutExpired:
                pass  # killed by the clean-up
            self.process.cleanUp()
            self.process = None
        self.lock.release()
