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

In-memory SQLite shares one connection between threads and breaks with
the executor's worker threads, so each fixture uses temporary files: the
service database (migrated with our alembic scripts) and TaskFlow's
persistence. The ``noop`` task type is enabled; notifications go to
oslo.messaging's ``test`` driver.
"""

import os
import shutil
import tempfile

from gabbi import fixture as gabbi_fixture
from oslo_config import cfg
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import provision
from oslo_db.sqlalchemy import test_fixtures
from oslo_utils import uuidutils
from stevedore import extension

from glance_tasks.api import app as app_mod
from glance_tasks import conf as gt_conf
from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import migration
from glance_tasks.db import tasks as task_db
from glance_tasks.engine import persistence
from glance_tasks import service as service_mod
from glance_tasks.task_types import registry as registry_mod

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


class APIEnvironment:
    """Config, database, task service and app; ``stop`` undoes them all."""

    def __init__(self, overrides=None, before_app=None, backend='sqlite',
                 task_types=()):
        self.backend = backend
        self._provisioned = None
        self.tempdir = tempfile.mkdtemp(prefix='glance-tasks-api-')
        self.conf = cfg.ConfigOpts()
        gt_conf.load(args=[], conf=self.conf)
        self._override(overrides or {})
        if before_app is not None:
            before_app(self.conf)
        self._facade_fixture = self._database()
        self._facade_fixture.setUp()
        persistence.sync_own_database(self.conf)
        self.service = service_mod.TaskService(
            self.conf, registry=self._registry(task_types))
        self.service.start()
        self.app = app_mod.make_app(self.conf, self.service)

    def _registry(self, task_types):
        """The installed types, ``task_types`` replacing those of their name.

        None (the service loads the installed ones) when there are none.
        """
        if not task_types:
            return None
        replaced = {task_type.name for task_type in task_types}
        installed = extension.ExtensionManager(registry_mod.NAMESPACE,
                                               invoke_on_load=False)
        types = [ext.plugin for ext in installed
                 if ext.name not in replaced] + list(task_types)
        return registry_mod.TaskTypeRegistry(
            types, self.conf.task.enabled_task_types)

    def _override(self, overrides):
        settings = {
            ('state_path', None): self.tempdir,
            ('enabled_task_types', 'task'): ['noop'],
            ('purge_interval', 'task'): 0,
            ('persistence_connection', 'task_executor'):
                'sqlite:///%s' % os.path.join(self.tempdir, 'flows.sqlite'),
            ('driver', 'oslo_messaging_notifications'): ['test'],
            ('max_request_body_size', 'api'): 8192,
        }
        settings.update(overrides)
        for (name, group), value in settings.items():
            self.conf.set_override(name, value, group=group)

    def _database_url(self):
        if self.backend == 'sqlite':
            return 'sqlite:///%s' % os.path.join(self.tempdir,
                                                 'glance.sqlite')
        # A fresh database on the shared server (oslo.db's opportunistic
        # credentials), dropped again by stop().
        backend = provision.Backend.backend_for_database_type(self.backend)
        name = 'gt_api_%s' % uuidutils.generate_uuid(dashed=False)[:12]
        backend.create_named_database(name)
        self._provisioned = (backend, name)
        return backend.provisioned_database_url(name).render_as_string(
            hide_password=False)

    def _database(self):
        url = self._database_url()
        self.conf.set_override('connection', url, group='database')
        self._facade = facade = enginefacade.transaction_context()
        engine = db_api.setup_facade(facade, {'connection': url,
                                              'sqlite_fk': True})
        migration.db_sync(engine)
        return test_fixtures.ReplaceEngineFacadeFixture(
            db_api.context_manager, facade)

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

    def stop(self):
        self.service.stop()
        # Overrides live on option groups oslo.config shares between
        # ConfigOpts objects: drop them so no later test inherits them.
        self.conf.reset()
        self._facade_fixture.cleanUp()
        if self._provisioned is not None:
            # A server refuses to drop a database with open connections.
            self._facade.dispose_pool()
            backend, name = self._provisioned
            backend.drop_named_database(name, conditional=True)
        shutil.rmtree(self.tempdir, ignore_errors=True)


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
