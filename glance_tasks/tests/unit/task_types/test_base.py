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

"""The task-type contract: atoms get their services from the engine.

The services travel in the engine's storage, in memory only, injected by
the runner whenever it loads an engine: a flow resumed by another runner
(another process) gets that runner's services, never stale ones saved
with the flow.
"""

from oslo_utils import uuidutils
from taskflow.patterns import linear_flow

from glance_tasks.db import tasks as task_db
from glance_tasks.domain import task as task_domain
from glance_tasks.engine import persistence
from glance_tasks.engine import runner as runner_mod
from glance_tasks.lifecycle import tasks as lifecycle_mod
from glance_tasks.task_types import base as type_base
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests import base
from glance_tasks.tests.unit.engine import fixtures as engine_fixtures


class Report(type_base.Atom):
    """Reports what it received from the engine."""

    def __init__(self, name, last):
        super().__init__(name=name,
                         provides=type_base.RESULT if last else name)

    def execute(self, services, task_id):
        return {'task_id': task_id,
                'ttl': services.conf.task.task_time_to_live,
                'notify_context': services.notify_context,
                'admin': services.admin_context.is_admin}

    def revert(self, *args, **kwargs):
        """Nothing to undo: it only reads."""


def build_reporting(task_id, task_input):
    return linear_flow.Flow('reporting-%s' % task_id).add(
        Report('first', last=False), Report('second', last=True))


class Reporting(type_base.TaskType):
    name = 'reporting'
    flow_factory = __name__ + '.build_reporting'


class SuspendAfterFirst(runner_mod.RunControl):
    """Stops the run after its first atom, as a stopping conductor does."""

    def run(self, engine):
        for _state in engine.run_iter():
            if engine.storage.get_atom_state('first') == 'SUCCESS':
                engine.suspend()


class TestServices(base.TestCase):

    def test_one_image_store_shared_by_every_task(self):
        services = type_base.Services(self.conf)
        store = services.image_store
        self.assertIs(store, services.image_store)
        self.assertIs(self.conf, store.conf)
        task = task_domain.Task(
            id='t', type='import', status='processing', owner='p1',
            user_id='u1', request_id='req-1')
        for_task = services.for_task(task)
        self.assertIs(store, for_task.image_store)
        self.assertIs(self.conf, for_task.conf)
        self.assertEqual({'request_id': 'req-1', 'user_id': 'u1',
                          'project_id': 'p1'}, for_task.notify_context)
        self.assertIsNone(services.notify_context)

    def test_admin_context_is_new_each_time(self):
        services = type_base.Services(self.conf)
        first = services.admin_context
        self.assertTrue(first.is_admin)
        self.assertIsNot(first, services.admin_context)

    def test_default_hook_releases_nothing(self):
        self.assertEqual([], type_base.TaskType.release_stranded(
            type_base.Services(self.conf)))


class TestRunnerInjects(engine_fixtures.ServiceTestCase):

    ENABLED = ('reporting',)

    def setUp(self):
        super().setUp()
        self.lifecycle = lifecycle_mod.TaskLifecycle(self.conf)
        self.backend = persistence.create_backend(self.conf)
        self.addCleanup(self.backend.close)

    def registry(self, enabled=None):
        return registry_mod.TaskTypeRegistry([Reporting],
                                             enabled=['reporting'])

    def runner(self):
        return runner_mod.FlowRunner(
            self.conf, self.registry(), self.lifecycle, self.backend,
            services=type_base.Services(self.conf))

    def create(self):
        return self.lifecycle.create(self.context, {
            'id': uuidutils.generate_uuid(), 'type': 'reporting',
            'input': {}, 'owner': 'project-a', 'user_id': 'user-a',
            'request_id': 'req-reporting'})

    def expected(self, task, ttl):
        return {'task_id': task.id, 'ttl': ttl, 'admin': True,
                'notify_context': {'request_id': 'req-reporting',
                                   'user_id': 'user-a',
                                   'project_id': 'project-a'}}

    def test_a_new_flow_gets_the_services(self):
        task = self.create()
        self.runner().run(self.context, task)
        done = task_db.get(self.context, task.id)
        self.assertEqual('success', done.status, done.message)
        self.assertEqual(self.expected(task, 48), done.result)

    def test_a_resumed_flow_gets_the_resuming_runners_services(self):
        task = self.create()
        runner = self.runner()
        started = runner.start(self.context, task)
        engine = runner._load_new(started)
        self.assertFalse(runner.run_engine(self.context, started, engine,
                                           SuspendAfterFirst()))
        self.assertEqual(self.expected(task, 48),
                         engine.storage.fetch('first'))
        # Another process, configured otherwise, resumes the flow.
        self.conf.set_override('task_time_to_live', 7, group='task')
        processing = task_db.get(self.context, task.id)
        self.assertTrue(self.runner().resume(self.context, processing))
        done = task_db.get(self.context, task.id)
        self.assertEqual('success', done.status, done.message)
        self.assertEqual(self.expected(task, 7), done.result)
