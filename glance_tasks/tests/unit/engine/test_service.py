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

"""The task service end to end: each outcome of a flow mapped to a status.

Every test runs the real service (database file, TaskFlow persistence,
executor threads, outbox relay) and reads what left the process through
oslo.messaging's ``test`` notification driver.
"""

import datetime
import json
import logging

import fixtures
from oslo_messaging.notify import _impl_test
from oslo_utils import timeutils
import sqlalchemy as sa

from glance_tasks.db import outbox as outbox_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import task as task_domain
from glance_tasks.engine import checkpoint
from glance_tasks.engine import jobboard
from glance_tasks import exception
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures
from glance_tasks.tests.unit.engine import sample_types

GLANCE_FIELDS = {'id', 'type', 'status', 'result', 'owner', 'message',
                 'expires_at', 'created_at', 'updated_at', 'deleted',
                 'deleted_at'}
EXTRA_FIELDS = {'image_id', 'user_id', 'request_id'}
LIFE = ['task.create', 'task.processing']


def _parse(isotime):
    return datetime.datetime.strptime(isotime, '%Y-%m-%dT%H:%M:%SZ')


class SuccessTest(gt_fixtures.ServiceTestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('task_time_to_live', 5, group='task')
        self.conf.set_override('default_publisher_id', 'image.test-host')
        self.service = self.make_service()

    def test_noop_succeeds_with_its_result(self):
        task = self.service.create_task(self.context, 'noop', {'atoms': 3})
        self.assertEqual('pending', task.status)

        done = self.wait_until_finished(self.service, task.id)
        finished_at = timeutils.utcnow()

        self.assertEqual('success', done.status)
        self.assertEqual({'atoms': 3}, done.result)
        self.assertIsNone(done.message)
        # Terminal statuses expire after [task] task_time_to_live hours.
        expected_expiry = finished_at + datetime.timedelta(hours=5)
        self.assertLess(abs(done.expires_at - expected_expiry),
                        datetime.timedelta(seconds=60))

    def test_notifications_of_a_successful_task(self):
        task = self.service.create_task(self.context, 'noop', {'atoms': 3})
        self.wait_until_finished(self.service, task.id)
        messages = self.wait_for_events(task.id, 3)
        finished_at = timeutils.utcnow()

        self.assertEqual(['task.create', 'task.processing', 'task.success'],
                         [m['event_type'] for m in messages])
        self.assertEqual(['pending', 'processing', 'success'],
                         [m['payload']['status'] for m in messages])
        for message in messages:
            self.assertEqual(GLANCE_FIELDS | EXTRA_FIELDS,
                             set(message['payload']))
            self.assertEqual('INFO', message['priority'])
            self.assertEqual('image.test-host', message['publisher_id'])
            payload = message['payload']
            self.assertEqual(task.id, payload['id'])
            self.assertEqual('noop', payload['type'])
            self.assertEqual('project-a', payload['owner'])
            self.assertEqual('user-a', payload['user_id'])
            self.assertEqual(self.context.request_id, payload['request_id'])
            self.assertIsNone(payload['image_id'])
            self.assertIs(False, payload['deleted'])
            self.assertIsNone(payload['deleted_at'])
            self.assertIsNone(payload['message'])
            _parse(payload['created_at'])  # Glance's format
        self.assertEqual(3, len({m['message_id'] for m in messages}))

        create, processing, success = (m['payload'] for m in messages)
        self.assertIsNone(create['result'])
        self.assertIsNone(create['expires_at'])
        self.assertIsNone(processing['expires_at'])
        # Unlike Glance, the real result.
        self.assertEqual({'atoms': 3}, success['result'])
        expected_expiry = finished_at + datetime.timedelta(hours=5)
        self.assertLess(abs(_parse(success['expires_at']) - expected_expiry),
                        datetime.timedelta(seconds=60))
        self.assertLessEqual(_parse(create['created_at']),
                             _parse(success['updated_at']))

    def test_notification_context_carries_only_ids(self):
        task = self.service.create_task(self.context, 'noop', {'atoms': 1})
        self.wait_until_finished(self.service, task.id)
        self.wait_for_events(task.id, 3)
        contexts = [ctxt for ctxt, message, _p, _r in _impl_test.NOTIFICATIONS
                    if message['payload']['id'] == task.id]
        self.assertEqual(3, len(contexts))
        for ctxt in contexts:
            self.assertEqual({'request_id': self.context.request_id,
                              'user_id': 'user-a',
                              'project_id': 'project-a'}, ctxt)

    def test_input_is_never_notified_nor_logged(self):
        # Every level, below DEBUG too (TaskFlow's TRACE).
        logger = self.useFixture(fixtures.FakeLogger(
            level=1, format='%(name)s %(message)s'))
        task = self.service.create_task(
            self.context, 'secretive',
            {'atoms': 2, 'password': sample_types.SECRET})
        done = self.wait_until_finished(self.service, task.id)
        messages = self.wait_for_events(task.id, 3)

        self.assertEqual('success', done.status)
        # The secret was really there, and kept where it belongs.
        self.assertEqual(sample_types.SECRET, done.input['password'])
        self.assertEqual({'atoms': 2, 'authenticated': True}, done.result)
        self.assertEqual(['task.create', 'task.processing', 'task.success'],
                         [m['event_type'] for m in messages])
        for message in messages:
            self.assertNotIn('input', message['payload'])
            self.assertNotIn(sample_types.SECRET, json.dumps(message))
        for row in self.db.rows('notification_outbox'):
            self.assertNotIn(sample_types.SECRET, json.dumps(row,
                                                             default=str))
        # Logging really was captured: the run left lines about this task.
        self.assertIn(task.id, logger.output)
        self.assertNotIn(sample_types.SECRET, logger.output)


class FailureTest(gt_fixtures.ServiceTestCase):

    def setUp(self):
        super().setUp()
        self.service = self.make_service()

    def run_to_end(self, task_type, task_input):
        task = self.service.create_task(self.context, task_type, task_input)
        done = self.wait_until_finished(self.service, task.id)
        messages = self.wait_for_events(task.id, 3)
        self.assertEqual(LIFE + ['task.failure'],
                         [m['event_type'] for m in messages])
        failure = messages[-1]['payload']
        self.assertEqual('failure', done.status)
        self.assertIsNone(done.result)
        self.assertIsNotNone(done.expires_at)
        # The consumers get the same words as the API.
        self.assertEqual(done.message, failure['message'])
        self.assertEqual('failure', failure['status'])
        self.assertIsNone(failure['result'])
        self.assertIsNotNone(failure['expires_at'])
        self.assertNotIn('Traceback', done.message)
        return done

    def test_clean_revert_keeps_the_original_message(self):
        done = self.run_to_end('noop', {'atoms': 3, 'fail_at': 1})
        self.assertEqual('noop atom 1 failed on purpose (fail_at=1)',
                         done.message)

    def test_failed_revert_says_both(self):
        done = self.run_to_end('revert_fails', {})
        self.assertEqual(
            '%s. Undoing the work already done also failed (%s), so some '
            'of it may remain.' % (sample_types.EXPLODE_MESSAGE,
                                   sample_types.REVERT_MESSAGE),
            done.message)

    def test_flow_that_cannot_be_built(self):
        done = self.run_to_end('broken_factory', {})
        self.assertEqual(
            "The flow of task type 'broken_factory' could not be built: "
            "%s" % sample_types.BUILD_MESSAGE, done.message)

    def test_flow_factory_missing_from_its_module(self):
        done = self.run_to_end('missing_factory', {})
        self.assertEqual(
            "The flow of task type 'missing_factory' could not be built: "
            "module '%s' has no attribute 'no_such_factory'"
            % sample_types.MODULE, done.message)

    def test_flow_factory_module_missing(self):
        done = self.run_to_end('missing_module', {})
        self.assertEqual(
            "The flow of task type 'missing_module' could not be built: "
            "No module named 'glance_tasks.tests.no_such_module'",
            done.message)

    def test_unexpected_error_gives_its_class_and_message(self):
        # Nothing failed to undo: the service could not save the result.
        done = self.run_to_end('unstorable_result', {})
        self.assertEqual('Unexpected error while running the task: '
                         'ValueError: Cannot convert <Unstorable> to '
                         'primitive', done.message)

    def test_a_failure_does_not_stop_the_next_task(self):
        self.run_to_end('broken_factory', {})
        task = self.service.create_task(self.context, 'noop', {'atoms': 1})
        self.assertEqual('success',
                         self.wait_until_finished(self.service,
                                                  task.id).status)


class RefusedAtCreateTest(gt_fixtures.ServiceTestCase):
    """Refused tasks leave no row behind: not a task, not a notification."""

    ENABLED = ('noop', 'secretive')

    def setUp(self):
        super().setUp()
        self.service = self.make_service()

    def assertNothingWritten(self):
        self.assertEqual([], self.db.rows('tasks'))
        self.assertEqual([], self.db.rows('task_info', order_by='task_id'))
        self.assertEqual([], self.db.rows('notification_outbox'))
        self.assertEqual([], self.notifications.messages)

    def test_unknown_type(self):
        exc = self.assertRaises(exception.UnknownTaskType,
                                self.service.create_task, self.context,
                                'teleport', {})
        self.assertEqual("Task type 'teleport' is not known; available "
                         "types: noop, secretive.", exc.message)
        self.assertEqual(400, exc.code)
        self.assertNothingWritten()

    def test_disabled_type(self):
        # Installed (the registry knows it) but not enabled.
        exc = self.assertRaises(exception.TaskTypeDisabled,
                                self.service.create_task, self.context,
                                'revert_fails', {})
        self.assertEqual("Task type 'revert_fails' is not enabled on this "
                         "service; available types: noop, secretive.",
                         exc.message)
        self.assertNothingWritten()

    scenarios_for_schema = [
        ({'atoms': 'three'}, "input.atoms: 'three' is not of type "
                             "'integer'"),
        ({'atoms': 0}, 'input.atoms: 0 is less than the minimum of 1'),
        ({}, "input: 'atoms' is a required property"),
        ({'atoms': 1, 'colour': 'red'},
         "input: Additional properties are not allowed ('colour' was "
         "unexpected)"),
        ({'atoms': 1, 'sleep': -1},
         'input.sleep: -1 is less than the minimum of 0'),
        (['atoms'], "input: ['atoms'] is not of type 'object'"),
    ]

    def test_schema_violations_name_the_field(self):
        for task_input, reason in self.scenarios_for_schema:
            exc = self.assertRaises(exception.InvalidTaskInput,
                                    self.service.create_task, self.context,
                                    'noop', task_input)
            self.assertEqual("Invalid input for task type 'noop': %s"
                             % reason, exc.message)
            self.assertEqual(400, exc.code)
        self.assertNothingWritten()


class RecoveryTest(gt_fixtures.ServiceTestCase):
    """What a new process does with tasks a previous one left behind."""

    def test_pending_task_left_by_a_dead_process_runs_at_start(self):
        # The previous process committed the task, then died before it
        # handed it to its executor.
        first = self.make_service(start=False)
        task = first.lifecycle.create(self.context, {
            'id': 'c0ffee00-0000-4000-8000-000000000001', 'type': 'noop',
            'input': {'atoms': 2}, 'owner': 'project-a'})
        first.stop()
        self.assertEqual('pending', task_db.get(self.context, task.id).status)

        second = self.make_service()
        done = self.wait_until_finished(second, task.id)
        self.assertEqual('success', done.status)
        self.assertEqual({'atoms': 2}, done.result)

    def test_processing_task_without_saved_progress_fails_at_start(self):
        first = self.make_service(start=False)
        task = first.lifecycle.create(self.context, {
            'id': 'c0ffee00-0000-4000-8000-000000000002', 'type': 'noop',
            'input': {'atoms': 2}, 'owner': 'project-a'})
        first.lifecycle.start(self.context, task)
        first.stop()

        second = self.make_service()
        done = self.wait_until_finished(second, task.id)
        self.assertEqual('failure', done.status)
        self.assertEqual('The engine running this task stopped before it '
                         'finished, and the task could not be resumed: its '
                         'progress was never saved.', done.message)
        messages = self.wait_for_events(task.id, 3)
        self.assertEqual(LIFE + ['task.failure'],
                         [m['event_type'] for m in messages])
        gt_fixtures.wait_for(
            lambda: outbox_db.unsent_count(self.context) == 0,
            what='the outbox to be marked sent')


class SharedDatabaseCheckpointTest(gt_fixtures.ServiceTestCase):
    """Checkpoints in the service's database go with the task's outcome."""

    def setUp(self):
        super().setUp()
        self.conf.clear_override('persistence_connection',
                                 group='task_executor')
        self.transactions = []
        engine = self.db.engine
        sa.event.listen(engine, 'begin', self._begin)
        sa.event.listen(engine, 'before_cursor_execute', self._statement)
        self.addCleanup(sa.event.remove, engine, 'begin', self._begin)
        self.addCleanup(sa.event.remove, engine, 'before_cursor_execute',
                        self._statement)
        self.service = self.make_service()

    def _begin(self, conn):
        self.transactions.append([])

    def _statement(self, conn, cursor, statement, *args):
        if self.transactions:
            self.transactions[-1].append(' '.join(statement.split()[:3]))

    def assertDroppedWith(self, outcome_statement):
        [transaction] = [t for t in self.transactions
                         if 'DELETE FROM glance_tasks_flow_checkpoints' in t]
        self.assertIn(outcome_statement, transaction)
        self.assertEqual([], self.db.rows(checkpoint.checkpoints.name,
                                          order_by='book_uuid'))

    def test_success_and_the_checkpoint_removal_are_one_transaction(self):
        task = self.service.create_task(self.context, 'noop', {'atoms': 2})
        self.assertEqual('success',
                         self.wait_until_finished(self.service,
                                                  task.id).status)
        self.assertDroppedWith('UPDATE tasks SET')

    def test_so_is_a_failure(self):
        task = self.service.create_task(self.context, 'noop',
                                        {'atoms': 2, 'fail_at': 1})
        self.assertEqual('failure',
                         self.wait_until_finished(self.service,
                                                  task.id).status)
        self.assertDroppedWith('UPDATE tasks SET')

    def test_the_first_checkpoint_commits_with_the_start(self):
        task = self.service.create_task(self.context, 'noop', {'atoms': 2})
        self.wait_until_finished(self.service, task.id)

        [start] = [t for t in self.transactions
                   if 'INSERT INTO glance_tasks_flow_checkpoints' in t]
        self.assertIn('UPDATE tasks SET', start)
        self.assertIn('INSERT INTO notification_outbox', start)

    def test_a_pending_task_with_a_checkpoint_left_behind_runs(self):
        # A jobboard's poster saved the flow, then the deployment moved
        # to the local executor: the row is replaced, the task runs.
        log = self.useFixture(fixtures.FakeLogger(
            name='glance_tasks.engine.runner', level=logging.INFO))
        service = self.make_service(start=False)
        task = service.create_task(self.context, 'noop', {'atoms': 2})
        jobboard.save_flow(service.backend, task,
                           service.registry.get('noop').flow_factory)
        service.start()

        done = self.wait_until_finished(service, task.id)

        self.assertIn('Task %s had a flow checkpoint already' % task.id,
                      log.output)
        self.assertEqual('success', done.status)
        self.assertEqual({'atoms': 2}, done.result)
        self.assertEqual([], self.db.rows(checkpoint.checkpoints.name,
                                          order_by='book_uuid'))

    def test_an_outcome_is_not_lost_to_its_checkpoint_removal(self):
        # The database refuses the removal (a trigger here; a lock wait
        # timeout in life): the success is committed alone.
        with self.db.engine.begin() as conn:
            conn.exec_driver_sql(
                'CREATE TRIGGER keep_checkpoints BEFORE DELETE ON '
                'glance_tasks_flow_checkpoints BEGIN '
                "SELECT RAISE(ABORT, 'checkpoints are kept'); END")
        task = self.service.create_task(self.context, 'noop', {'atoms': 2})

        done = self.wait_until_finished(self.service, task.id)

        self.assertEqual('success', done.status)
        self.assertEqual({'atoms': 2}, done.result)
        self.assertEqual([task.id], [row['book_uuid'] for row in self.db.rows(
            checkpoint.checkpoints.name, order_by='book_uuid')])


class WiringTest(gt_fixtures.ServiceTestCase):
    """The parts a service builds share one relay."""

    def test_image_changes_wake_the_service_relay(self):
        service = self.make_service(start=False)
        self.assertEqual(service.relay.wake, service.services.images.on_commit)
        # The atoms' copy of the services shares it.
        task = task_domain.Task(id='t', type='noop', status='pending')
        self.assertIs(service.services.images,
                      service.services.for_task(task).images)
