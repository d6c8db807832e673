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

"""A real API over a real SQLite file database, for gabbi and clients.

:class:`..service.InProcessAPI` with the images the API tests act on.
The ``noop`` task type is enabled; notifications go to oslo.messaging's
``test`` driver.
"""

import io
import json
import os

from gabbi import fixture as gabbi_fixture
import webob

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.tests.functional import service

# gabbi builds the app through a factory without arguments: the running
# fixture leaves its app here.
_current = {}

# Projects the gabbi stories act as (X-Project-Id), and images seeded in
# them so the image endpoints have something to show.
PROJECT_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
PROJECT_B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
IMAGES = {
    'ACTIVE_IMAGE': ('11111111-1111-4111-8111-111111111111', PROJECT_A,
                     'active', {}),
    'QUEUED_IMAGE': ('22222222-2222-4222-8222-222222222222', PROJECT_A,
                     'queued', {}),
    'PROTECTED_IMAGE': ('33333333-3333-4333-8333-333333333333', PROJECT_A,
                        'active', {'protected': True}),
    'OTHER_IMAGE': ('44444444-4444-4444-8444-444444444444', PROJECT_B,
                    'active', {}),
    'DOOMED_IMAGE': ('55555555-5555-4555-8555-555555555555', PROJECT_A,
                     'active', {}),
}


class APIEnvironment(service.InProcessAPI):
    """The in-process API of the API tests, and their seeds.

    ``overrides``: ``{(option, group): value}`` (group ``None`` for
    ``DEFAULT``). ``backend``: ``sqlite``, ``mysql``, ``postgresql`` or a
    database URL. ``task_types``: classes replacing the installed types
    of their name.
    """

    def __init__(self, overrides=None, before_app=None, backend='sqlite',
                 task_types=(), facade=None):
        options = {'api': {'max_request_body_size': 8192}}
        for (name, group), value in (overrides or {}).items():
            options.setdefault(group or 'DEFAULT', {})[name] = value
        super().__init__(options, before_app, database=backend,
                         task_types=task_types, facade=facade)

    def seed_images(self):
        """Create :data:`IMAGES`; return ``{NAME: id}``."""
        context = gt_context.get_admin_context()
        for image_id, owner, status, extra in IMAGES.values():
            image_db.create(context, dict(
                id=image_id, owner=owner, name='image-%s' % image_id[:4],
                disk_format='raw', container_format='bare', **extra),
                properties={'hw_arch': 'x86_64'})
            if status != 'queued':
                image_db.update_status(context, image_id, 'queued', status)
        return {name: spec[0] for name, spec in IMAGES.items()}

    def seed_image_task(self, image_id, owner):
        """A noop task of ``owner`` recorded as working on ``image_id``."""
        context = gt_context.RequestContext(project_id=owner,
                                            user_id='seeder')
        task = self.service.create_task(context, 'noop', {'atoms': 1})
        task_db.set_image(context, task.id, image_id)
        return task.id


class APIFixture(gabbi_fixture.GabbiFixture):
    """One API environment for one gabbi YAML file."""

    def start_fixture(self):
        self.env = APIEnvironment()
        self.images = self.env.seed_images()
        for name, image_id in self.images.items():
            os.environ[name] = image_id
        os.environ['PROJECT_A'] = PROJECT_A
        os.environ['PROJECT_B'] = PROJECT_B
        _current['app'] = self.env.app

    def stop_fixture(self):
        _current.pop('app', None)
        self.env.stop()


class ImagesFixture(APIFixture):
    """:class:`APIFixture` plus a task working on ``ACTIVE_IMAGE``."""

    def start_fixture(self):
        super().start_fixture()
        os.environ['IMAGE_TASK'] = self.env.seed_image_task(
            self.images['ACTIVE_IMAGE'], PROJECT_A)


def _current_app(environ, start_response):
    return _current['app'](environ, start_response)


def setup_app():
    """gabbi's intercept factory: the app of the running fixture.

    gabbi asks for the app when it builds the tests, before any fixture
    runs, so it gets a function that finds the current app per request.
    """
    return _current_app


class BlockedBody(io.RawIOBase):
    """A request body that gives ``first``, waits for ``release``, breaks.

    What a client that stalls mid-body and then goes away sends: the
    test sees the image mid-upload until it sets ``release``.
    """

    def __init__(self, release, first, timeout):
        self._first = io.BytesIO(first)
        self._release = release
        self._timeout = timeout

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._first.read(len(buffer))
        if data:
            buffer[:len(data)] = data
            return len(data)
        self._release.wait(self._timeout)
        raise ConnectionResetError('client went away')


def api_request(path, method='GET', body=None, headers=None,
                content_type='application/json', chunked=False):
    """A request for the app: ``body`` JSON, bytes or a file to stream.

    A file (or bytes with ``chunked``) goes as a chunked body without a
    Content-Length, as a client streaming its data sends it.
    """
    req = webob.Request.blank(path, method=method)
    req.headers.update(headers or {})
    if body is not None:
        req.content_type = content_type
        if chunked or hasattr(body, 'read'):
            req.body_file = (body if hasattr(body, 'read')
                             else io.BytesIO(body))
            req.environ.pop('CONTENT_LENGTH', None)
            req.environ['wsgi.input_terminated'] = True
            req.headers['Transfer-Encoding'] = 'chunked'
        else:
            req.body = (body if isinstance(body, bytes)
                        else json.dumps(body).encode())
    return req
