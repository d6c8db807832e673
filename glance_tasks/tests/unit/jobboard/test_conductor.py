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

"""What an engine does with a claimed job, and its conductor's loop.

Real database files, real TaskFlow engines and persistence; only the
jobboard (a server, so a process edge) is the in-memory one of
:mod:`fakes`.
"""

import contextlib
import threading
import time

import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.db import tasks as task_db
from glance_tasks.engine import claims
from glance_tasks.engine import conductor
from glance_tasks.engine import jobboard
from glance_tasks.engine import persistence
from glance_tasks.engine import runner as runner_mod
from glance_tasks.lifecycle import tasks as lifecycle_mod
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures
from glance_tasks.tests.unit.jobboard import fakes

ME = 'engine-me'
OTHER = 'engine-other'


class JobTestCase(gt_fixtures.ServiceTestCase):

    # The checkpoints in the service's own database (the default), not
    # in a separate persistence_connection one.
    SHARED_DATABASE = False

    def setUp(self):
        super().setUp()
        if self.SHARED_DATABASE:
            self.conf.clear_override('persistence_connection',
                                     group='task_executor')
        self.lifecycle = lifecycle_mod.TaskLifecycle(self.conf)
        self.backend = persistence.create_backend(self.conf)
        self.addCleanup(self.backend.engine.dispose)
        self.runner = runner_mod.FlowRunner(
            self.conf, self.registry(), self.lifecycle, self.backend)
        self.board = fakes.Board()
        self.jobs = conductor.TaskJobs(self.runner, self.backend,
                                       self.board, ME)

    def create(self, task_type='noop', task_input=None):
        return self.lifecycle.create(self.context, {
            'id': self.getUniqueString('task-')[:36], 'type': task_type,
            'input': task_input or {'atoms': 3}, 'owner': 'project-a'})

    def post(self, task, claim_for=ME):
        job = jobboard.post_task(self.board, self.backend, self.registry(),
                                 task)
        if claim_for:
            self.board.claim(job, claim_for)
        return job

    def control(self, job, stopping=False):
        claim = claims.Claim(self.board, job, ME, 30)
        return conductor.JobControl(claim, lambda: stopping)

    def task(self, task_id):
        return task_db.get(self.context, task_id, include_expired=True)

    def events(self, task_id):
        return [row['event_type'] for row in self.db.rows(
            'notification_outbox', order_by='id')
            if '"%s"' % task_id in row['payload']]

    def checkpoints(self):
        """Ids of the tasks whose flow progress is saved."""
        with self.backend.engine.connect() as conn:
            return [row[0] for row in conn.execute(sa.text(
                'SELECT book_uuid FROM glance_tasks_flow_checkpoints '
                'ORDER BY book_uuid'))]


class TaskJobsTest(JobTestCase):

    def test_a_pending_task_runs_to_success(self):
        task = self.create()
        job = self.post(task)
        # The job names the task, and only the task.
        self.assertEqual({'task_id': task.id}, job.details)

        decision = self.jobs.run(job, self.control(job))

        self.assertEqual(conductor.CONSUME, decision)
        done = self.task(task.id)
        self.assertEqual('success', done.status)
        self.assertEqual({'atoms': 3}, done.result)
        self.assertEqual(['task.create', 'task.processing', 'task.success'],
                         self.events(task.id))
        self.assertEqual([], self.checkpoints())

    def test_a_failing_flow_fails_the_task(self):
        task = self.create(task_input={'atoms': 3, 'fail_at': 1})
        job = self.post(task)

        self.assertEqual(conductor.CONSUME,
                         self.jobs.run(job, self.control(job)))

        done = self.task(task.id)
        self.assertEqual('failure', done.status)
        self.assertEqual('noop atom 1 failed on purpose (fail_at=1)',
                         done.message)
        self.assertEqual(['task.create', 'task.processing', 'task.failure'],
                         self.events(task.id))

    def test_a_task_left_processing_is_resumed_without_a_second_start(self):
        task = self.create()
        job = self.post(task)
        self.lifecycle.start(self.context, task)

        self.assertEqual(conductor.CONSUME,
                         self.jobs.run(job, self.control(job)))

        self.assertEqual('success', self.task(task.id).status)
        self.assertEqual(['task.create', 'task.processing', 'task.success'],
                         self.events(task.id))

    def test_an_ended_or_missing_task_only_consumes_the_job(self):
        task = self.create()
        job = self.post(task)
        # An engine ended it, then died before its clean-up.
        self.lifecycle.fail(self.context, task, 'stopped by hand')
        orphan = self.board.post('noop-gone', details={'task_id': 'gone'})
        self.board.claim(orphan, ME)

        self.assertEqual(conductor.CONSUME,
                         self.jobs.run(job, self.control(job)))
        self.assertEqual(conductor.CONSUME,
                         self.jobs.run(orphan, self.control(orphan)))

        self.assertEqual('stopped by hand', self.task(task.id).message)
        self.assertEqual([], self.checkpoints())

    def test_a_duplicate_job_of_a_task_run_elsewhere_is_dropped(self):
        task = self.create()
        self.post(task, claim_for=OTHER)
        task = self.lifecycle.start(self.context, task)
        duplicate = self.post(task)

        self.assertEqual(conductor.CONSUME,
                         self.jobs.run(duplicate, self.control(duplicate)))

        # The engine holding the other job still owns the task.
        self.assertEqual('processing', self.task(task.id).status)
        self.assertEqual([task.id], self.checkpoints())

    def test_without_the_claim_nothing_is_recorded(self):
        task = self.create()
        job = self.post(task)
        self.board.expire(job)
        self.board.claim(job, OTHER)

        decision = self.jobs.run(job, self.control(job))

        self.assertEqual(conductor.ABANDON, decision)
        self.assertEqual('processing', self.task(task.id).status)
        # The progress stays for the engine that holds the job now.
        self.assertEqual([task.id], self.checkpoints())

    def test_a_stopping_conductor_suspends_the_flow_for_another(self):
        task = self.create(task_input={'atoms': 3})
        job = self.post(task)

        decision = self.jobs.run(job, self.control(job, stopping=True))

        self.assertEqual(conductor.ABANDON, decision)
        self.assertEqual('processing', self.task(task.id).status)
        self.assertEqual([task.id], self.checkpoints())
        # Another engine (here, the same after a restart) finishes it.
        self.assertEqual(conductor.CONSUME,
                         self.jobs.run(job, self.control(job)))
        self.assertEqual('success', self.task(task.id).status)
        self.assertEqual(['task.create', 'task.processing', 'task.success'],
                         self.events(task.id))


class OneRunPerTaskTest(JobTestCase):

    def test_a_second_job_of_a_running_task_waits_for_the_first(self):
        # As after a board wiped mid-run: the sweep reposts the task
        # while this engine still runs it under its first job.
        task = self.create(task_input={'atoms': 3, 'sleep': 0.3})
        first = self.post(task)
        decisions = {}

        def run(name, job):
            decisions[name] = self.jobs.run(job, self.control(job))
            decisions[name + ' ended'] = time.monotonic()

        running = threading.Thread(target=run, args=('first', first))
        running.start()
        deadline = time.monotonic() + 10
        while (self.task(task.id).status != 'processing' and
               time.monotonic() < deadline):
            time.sleep(0.01)
        second = self.post(task)
        run('second', second)
        running.join(10)

        self.assertEqual(conductor.CONSUME, decisions['first'])
        self.assertEqual(conductor.CONSUME, decisions['second'])
        self.assertLessEqual(decisions['first ended'],
                             decisions['second ended'])
        done = self.task(task.id)
        self.assertEqual(('success', {'atoms': 3}),
                         (done.status, done.result))
        self.assertEqual(['task.create', 'task.processing', 'task.success'],
                         self.events(task.id))

    def test_runs_of_other_tasks_do_not_wait(self):
        runs = conductor.OneRunPerTask()
        with runs.hold('task-a'):
            entered = threading.Event()

            def other():
                with runs.hold('task-b'):
                    entered.set()

            thread = threading.Thread(target=other)
            thread.start()
            self.assertTrue(entered.wait(5))
            thread.join(5)


def checkpoint_reads(transactions):
    """The transactions that read a flow checkpoint."""
    return [statements for statements in transactions
            if any(s.startswith('SELECT glance_tasks_flow_checkpoints')
                   for s in statements)]


class SharedDatabaseJobTest(JobTestCase):
    """Checkpoints in the service's database: reads ride with the task's."""

    SHARED_DATABASE = True

    def transactions(self):
        """The statements of each transaction on the service's engines.

        The writer's and the reader's (one engine unless configured
        apart); a transaction ends with a commit or a rollback.
        """
        found = []
        current = {}

        def statement(conn, cursor, text, *args):
            if conn not in current:
                current[conn] = []
                found.append(current[conn])
            current[conn].append(' '.join(text.split()))

        def ended(conn):
            current.pop(conn, None)

        engines = {self.backend.engine,
                   db_api.context_manager.reader.get_engine()}
        for engine in engines:
            for event, listener in (('before_cursor_execute', statement),
                                    ('commit', ended), ('rollback', ended)):
                sa.event.listen(engine, event, listener)
                self.addCleanup(sa.event.remove, engine, event, listener)
        return found

    def test_a_pending_tasks_flow_is_read_with_the_task(self):
        self.assertTrue(self.backend.in_service_db)
        task = self.create()
        job = self.post(task)
        transactions = self.transactions()

        self.assertEqual(conductor.CONSUME,
                         self.jobs.run(job, self.control(job)))

        reads = checkpoint_reads(transactions)
        self.assertEqual(1, len(reads), transactions)
        self.assertTrue(any(' FROM tasks' in s for s in reads[0]), reads)
        self.assertEqual('success', self.task(task.id).status)
        self.assertEqual([], self.checkpoints())

    def test_a_task_taken_meanwhile_is_resumed_from_fresh_progress(self):
        task = self.create()
        job = self.post(task)
        # Another engine started it between this one's read and its
        # compare-and-swap: the primed copy must not be what it resumes.
        real_start = self.runner.start

        def start_elsewhere_first(context, pending, also=None):
            self.lifecycle.start(context, pending)
            return real_start(context, pending, also=also)

        self.runner.start = start_elsewhere_first
        transactions = self.transactions()

        self.assertEqual(conductor.CONSUME,
                         self.jobs.run(job, self.control(job)))

        reads = checkpoint_reads(transactions)
        self.assertEqual(2, len(reads), transactions)
        self.assertEqual('success', self.task(task.id).status)
        self.assertEqual(['task.create', 'task.processing', 'task.success'],
                         self.events(task.id))


class CheckpointTest(JobTestCase):

    def test_progress_of_a_task_ended_elsewhere_is_not_written_again(self):
        task = self.create()
        self.post(task)
        flow_detail = persistence.find_flow_detail(self.backend, task.id)
        # Another engine finished the task and removed its progress.
        other = persistence.create_backend(self.conf)
        self.addCleanup(other.engine.dispose)
        persistence.destroy_logbook(other, task.id)

        # This engine, late, saves a step of the flow.
        flow_detail.state = 'RUNNING'
        with contextlib.closing(self.backend.get_connection()) as conn:
            conn.update_flow_details(flow_detail)

        self.assertEqual([], self.checkpoints())


class ConductorTest(JobTestCase):

    def run_conductor(self, kind):
        self.conf.set_override('conductor', kind, group='jobboard')
        self.conf.set_override('poll_interval', 0.05, group='jobboard')
        keeper = claims.ClaimKeeper(self.board, 30)
        cond = conductor.make_conductor(self.conf, ME, self.board,
                                        self.jobs, keeper)
        thread = threading.Thread(target=cond.run)
        thread.start()
        self.addCleanup(thread.join, 30)
        self.addCleanup(cond.stop)
        return cond

    def wait_consumed(self, count):
        gt_fixtures.wait_for(lambda: len(self.board.consumed) >= count,
                             what='%d jobs consumed' % count)

    def test_nonblocking_conductor_runs_and_consumes_every_job(self):
        tasks = [self.create() for _ in range(5)]
        for task in tasks:
            self.post(task, claim_for=None)

        self.run_conductor('nonblocking')

        self.wait_consumed(5)
        self.assertEqual({'success'},
                         {self.task(task.id).status for task in tasks})
        self.assertEqual({}, self.board.owners)

    def test_blocking_conductor_takes_jobs_posted_while_it_runs(self):
        self.run_conductor('blocking')
        time.sleep(0.1)
        tasks = [self.create() for _ in range(3)]
        for task in tasks:
            self.post(task, claim_for=None)

        self.wait_consumed(3)
        self.assertEqual({'success'},
                         {self.task(task.id).status for task in tasks})

    def test_jobs_claimed_by_others_are_left_to_them(self):
        task = self.create()
        self.post(task, claim_for=OTHER)

        self.run_conductor('nonblocking')
        time.sleep(0.3)

        self.assertEqual('pending', self.task(task.id).status)
        self.assertEqual([], self.board.consumed)


class WakeableTimeoutTest(gt_fixtures.ServiceTestCase):

    def test_wake_cuts_the_wait_short_and_interrupt_stops(self):
        timeout = conductor.WakeableTimeout(30)
        threading.Timer(0.1, timeout.wake).start()
        start = time.monotonic()
        timeout.wait()
        self.assertLess(time.monotonic() - start, 10)
        self.assertFalse(timeout.is_stopped())
        timeout.interrupt()
        timeout.wait()
        self.assertTrue(timeout.is_stopped())
