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

"""A task service posting jobs, engine processes running them, checks."""

import json
import os
import signal
import time

from oslo_utils import uuidutils
from testtools import content

from glance_tasks import context as gt_context
from glance_tasks.domain import task as task_domain
from glance_tasks.engine import jobboard
from glance_tasks import service as service_mod
from glance_tasks.task_types import noop
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.tests import base
from glance_tasks.tests.functional.engine import crash_types
from glance_tasks.tests.functional.jobboard import fixtures as jb_fixtures
from glance_tasks.tests.functional import service

EVENTS = {status: ['task.create', 'task.processing', 'task.%s' % status]
          for status in ('success', 'failure')}

# Where each event comes in a task's life: a process must send them so.
STEP = {'task.create': 0, 'task.processing': 1, 'task.success': 2,
        'task.failure': 2}


class JobboardTestCase(base.TestCase):
    """Tasks posted here, run by ``glance-tasks-engine`` processes."""

    BACKEND = 'redis'
    EXPIRATION_TIME = 2
    SWEEP_INTERVAL = 0
    # Short, so a killed engine's relay duty passes on within the test.
    RELAY_LEASE = 5

    def setUp(self):
        super().setUp()
        self.require_board()
        self.namespace = 'gt-test-%s' % uuidutils.generate_uuid()[:12]
        self.db = self.useFixture(self.database_fixture())
        self.port = self.board_port()
        self.addCleanup(jb_fixtures.remove_board, self.BACKEND,
                        self.namespace, self.port)
        self.engines = self.useFixture(jb_fixtures.Engines(
            self.engine_config))
        self.service_config('poster', ('noop', 'trace')).apply(self.conf)
        self.poster_deliveries = self.useFixture(
            jb_fixtures.CapturedDeliveries())
        self.context = gt_context.RequestContext(project_id='project-a',
                                                 user_id='user-a')
        self.addOnException(self._attach_logs)

    def database_fixture(self):
        """The database every process shares; a subclass may choose."""
        return jb_fixtures.SharedDatabase(self.conf, self.state_path)

    def require_board(self):
        if self.board_reachable():
            return
        message = '%s is not running on %s' % (self.BACKEND,
                                               jb_fixtures.HOST)
        if base.services_required():
            self.fail(message)
        self.skipTest(message)

    def board_reachable(self):
        if self.BACKEND == 'zookeeper':
            return jb_fixtures.zookeeper_reachable()
        return jb_fixtures.redis_reachable()

    def board_port(self):
        return service.BOARD_PORTS[self.BACKEND]

    def service_config(self, name, task_types, **options):
        """What the poster and the engines share, and ``options``.

        The engines offer the installed types: a job names its flow's
        factory, which they run whatever its type.
        """
        options = dict(options)
        options.setdefault('DEFAULT', {})['notification_relay_lease'] = \
            self.RELAY_LEASE
        options.setdefault('jobboard', {}).update(
            expiration_time=self.EXPIRATION_TIME,
            sweep_interval=self.SWEEP_INTERVAL)
        return service.ServiceConfig(
            self.state_path, database=self.db.url, executor='jobboard',
            board=self.BACKEND, port=self.port, namespace=self.namespace,
            notifications='log', task_types=task_types, options=options,
            name=name)

    def engine_config(self, index):
        """Engine ``index``'s configuration; its log in its own file."""
        # Delivered notifications land in the engine's log, where a test
        # reads which process sent which message (see delivered()).
        log = os.path.join(self.state_path, 'engine-%d.log' % index)
        return self.service_config(
            'engine-%d' % index, ('noop',),
            DEFAULT={'log_file': log, 'debug': False},
            database={'max_pool_size': 10},
            jobboard={'poll_interval': 0.1, 'conductor': 'nonblocking',
                      'max_simultaneous_jobs': 8})

    def _attach_logs(self, exc_info):
        for engine in self.engines.all:
            for path in (engine.log, engine.output):
                text = engine.read(path)
                self.addDetail(os.path.basename(path),
                               content.text_content(text[-200000:]))

    def poster(self):
        """The API's task service, posting each created task as a job."""
        registry = registry_mod.TaskTypeRegistry(
            [noop.Noop, crash_types.Trace], ['noop', 'trace'])
        service = service_mod.TaskService(self.conf, registry=registry)
        service.start()
        self.addCleanup(service.stop)
        return service

    def create(self, service, count, task_type='noop', **task_input):
        task_input.setdefault('atoms', 3)
        return [service.create_task(self.context, task_type,
                                    dict(task_input)).id
                for _ in range(count)]

    def statuses(self):
        """``{task id: (status, message)}`` of every task."""
        return {row.id: (row.status, row.message) for row in self.db.query(
            'SELECT tasks.id, tasks.status, task_info.message FROM tasks '
            'JOIN task_info ON task_info.task_id = tasks.id')}

    def wait_all_ended(self, ids, timeout):
        def ended():
            statuses = self.statuses()
            return all(statuses[task_id][0] in task_domain.TABLE.terminal
                       for task_id in ids) and statuses
        return jb_fixtures.wait_until(ended, timeout,
                                      '%d tasks to end' % len(ids), 0.1)

    def notifications(self):
        """``{task id: [(event type, sent?)]}`` from the outbox, in order."""
        found = {}
        for event, payload, sent_at in self.db.query(
                'SELECT event_type, payload, sent_at FROM '
                'notification_outbox ORDER BY id'):
            found.setdefault(json.loads(payload)['id'], []).append(
                (event, sent_at is not None))
        return found

    def kill_engines_mid_flow(self, victims):
        """90 tasks on 3 engines; SIGKILL ``victims`` of them, mid-flow.

        Each killed engine is replaced at once. Returns the task ids, the
        final ``statuses`` of every task and every engine started.
        """
        engines = self.engines.start(3)
        service = self.poster()
        # Atoms long enough that a killed engine surely holds running
        # flows, whose jobs another engine must then resume.
        ids = self.create(service, 90, sleep=0.3)

        for victim in engines[:victims]:
            # Kill it while it runs flows, and start a replacement.
            jb_fixtures.wait_until(
                lambda: 'finished by' in victim.log_text(), 30,
                'engine %d to run a task' % victim.index)
            time.sleep(0.3)
            victim.signal(signal.SIGKILL)
            self.assertEqual(-signal.SIGKILL, victim.wait())
            engines += self.engines.start(1)

        return ids, self.wait_all_ended(ids, 120), engines

    def assertResumedAndCleared(self, engines):
        """Some engine resumed a killed one's task; no job or row left."""
        resumed = sum(engine.log_text().count('resuming task')
                      for engine in engines)
        self.assertGreater(resumed, 0)
        jb_fixtures.wait_until(lambda: self.job_count() == 0, 10,
                               'every job to be consumed')
        self.assertNothingLeft()

    def deliveries(self):
        """``{process: [message]}``: what each process sent, in order."""
        sent = {'poster': self.poster_deliveries.messages()}
        for engine in self.engines.all:
            sent['engine-%d' % engine.index] = engine.delivered()
        return sent

    def assertDelivered(self, exactly_once):
        """Every outbox row reached the bus; each process kept task order.

        ``exactly_once``: no row was sent twice, which holds while no
        holder of the relay lease dies between sending and marking sent.
        """
        outbox = {row.message_id: (json.loads(row.payload)['id'],
                                   row.event_type)
                  for row in self.db.query(
                      'SELECT message_id, payload, event_type '
                      'FROM notification_outbox')}
        sent = self.deliveries()
        ids = [message['message_id'] for messages in sent.values()
               for message in messages]
        self.assertEqual(set(outbox), set(ids))
        if exactly_once:
            self.assertEqual(len(outbox), len(ids))
        for process, messages in sent.items():
            steps = {}
            for message in messages:
                steps.setdefault(message['payload']['id'], []).append(
                    STEP[message['event_type']])
            for task_id, order in steps.items():
                self.assertEqual(sorted(order), order,
                                 '%s sent task %s out of order'
                                 % (process, task_id))
        return sent

    def assertNotifiedInOrder(self, statuses):
        """Each task announced create, processing, its end: once, in order.

        And every one of those was relayed.
        """
        def all_sent():
            found = self.notifications()
            return all(sent for events in found.values()
                       for _event, sent in events) and found
        found = jb_fixtures.wait_until(all_sent, 30,
                                       'every notification to be relayed')
        for task_id, (status, _message) in statuses.items():
            self.assertEqual(EVENTS[status],
                             [event for event, _sent in found[task_id]],
                             'notifications of task %s' % task_id)

    def assertNothingLeft(self):
        """No checkpoint and no job remain once every task ended."""
        self.assertEqual([], self.db.query(
            'SELECT book_uuid FROM glance_tasks_flow_checkpoints'))
        self.assertEqual(0, self.job_count())

    def job_count(self):
        board = jobboard.make_board(self.conf, None, name='test')
        board.connect()
        try:
            return len(list(board.iterjobs(ensure_fresh=True)))
        finally:
            board.close()
