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

"""Crash and resume, for real: the process running a task dies.

A child process (:mod:`..service_child`) runs a ``trace`` task and dies in the
middle of its flow, by ``os._exit`` inside an atom or by SIGKILL from the
test. A second child starts the service on the same databases. The task
must end: resumed from TaskFlow's saved progress (the atoms already done
are not run again), or, when that progress is gone, failed with a message
saying the engine stopped. Never left in ``processing``.
"""

import json
import os
import signal
import sqlite3
import subprocess
import time

from testtools import content

from glance_tasks.engine import checkpoint
from glance_tasks.tests import base
from glance_tasks.tests.functional.engine import crash_types
from glance_tasks.tests.functional import service
from glance_tasks.tests.functional import service_child

CHILD_TIMEOUT = service_child.CHILD_TIMEOUT
ATOMS = 5
STOPPED = ('The engine running this task stopped before it finished, and '
           'the task could not be resumed: its progress was never saved.')


class CrashTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.state_path
        self.config = service_child.child_config(
            self.dir, ('noop', 'trace')).write()
        self.trace = os.path.join(self.dir, 'trace.log')
        self.input = json.dumps([{'atoms': ATOMS, 'sleep': 0.3,
                                  'trace': self.trace}])
        self.addOnException(self._attach_files)

    def _attach_files(self, exc_info):
        for name in ('child.log', 'trace.log'):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                self.addDetail(name, content.text_content(open(path).read()))

    def run_child(self, *args, crash_at=None):
        env = dict(os.environ)
        env.pop(crash_types.CRASH_AT, None)
        if crash_at is not None:
            env[crash_types.CRASH_AT] = str(crash_at)
        proc = subprocess.run(service_child.command(self.config, *args),
                              env=env,
                              cwd=self.dir, capture_output=True, text=True,
                              timeout=CHILD_TIMEOUT)
        self.addDetail('child %s stdout' % args[0],
                       content.text_content(proc.stdout))
        self.addDetail('child %s stderr' % args[0],
                       content.text_content(proc.stderr[-20000:]))
        return proc

    def create_and_crash(self, crash_at=2):
        """Create the task in a child that kills itself at an atom."""
        proc = self.run_child('create', 'trace', self.input,
                              crash_at=crash_at)
        self.assertEqual(crash_types.CRASH_EXIT_CODE, proc.returncode)
        return json.loads(proc.stdout.splitlines()[0])['ids'][0], None

    def create_and_kill(self):
        """Create the task in a child, SIGKILL it while atom 2 runs."""
        proc = self.useFixture(service.ChildProcess(
            service_child.command(self.config, 'create', 'trace',
                                  self.input), cwd=self.dir))
        task_id = json.loads(proc.read_line())['ids'][0]
        deadline = time.monotonic() + CHILD_TIMEOUT
        while 'start trace-2' not in self.read_trace_text():
            self.assertIsNone(proc.poll(), 'the child ended on its own')
            self.assertLess(time.monotonic(), deadline, 'atom 2 never ran')
            time.sleep(0.01)
        self.assertEqual(-signal.SIGKILL, proc.kill(CHILD_TIMEOUT))
        return task_id, proc.pid

    def resume(self, task_id):
        proc = self.run_child('resume', task_id)
        self.assertEqual(0, proc.returncode, 'the task did not end')
        return json.loads(proc.stdout.splitlines()[-1])

    def read_trace_text(self):
        if not os.path.exists(self.trace):
            return ''
        with open(self.trace) as f:
            return f.read()

    def read_trace(self):
        """``[(event, atom, pid)]`` in the order they happened."""
        return [(event, atom, int(pid)) for event, atom, pid in
                (line.split() for line in self.read_trace_text().splitlines())]

    def query(self, name, sql, *params):
        with sqlite3.connect(os.path.join(self.dir, name)) as conn:
            return conn.execute(sql, params).fetchall()

    def task_status(self, task_id):
        [(status,)] = self.query('gt.sqlite',
                                 'SELECT status FROM tasks WHERE id = ?',
                                 task_id)
        return status

    def notifications(self, task_id):
        """(event type, sent?) of the task's outbox rows, in order."""
        rows = self.query('gt.sqlite', 'SELECT event_type, payload, sent_at '
                          'FROM notification_outbox ORDER BY id')
        return [(event, sent is not None) for event, payload, sent in rows
                if json.loads(payload)['id'] == task_id]

    def assertResumed(self, task_id, first_pid):
        self.assertEqual('processing', self.task_status(task_id))
        first = self.read_trace()
        done_first = [atom for event, atom, pid in first if event == 'done']
        # The first process finished atoms 0 and 1, then died in atom 2.
        self.assertEqual(['trace-0', 'trace-1'], done_first)
        if first_pid is None:
            first_pid = first[0][2]

        task = self.resume(task_id)

        self.assertEqual('success', task['status'])
        self.assertEqual({'atoms': ATOMS}, task['result'])
        self.assertIsNone(task['message'])
        trace = self.read_trace()
        second = [(event, atom) for event, atom, pid in trace[len(first):]]
        second_pids = {pid for event, atom, pid in trace[len(first):]}
        self.assertEqual(1, len(second_pids))
        self.assertNotIn(first_pid, second_pids)
        # The second process ran only what was left, each atom once.
        self.assertEqual([(event, 'trace-%d' % index)
                          for index in range(2, ATOMS)
                          for event in ('start', 'done')], second)
        done = [atom for event, atom, pid in trace if event == 'done']
        self.assertEqual(['trace-%d' % i for i in range(ATOMS)], done)
        self.assertEqual([], [line for line in trace if line[0] == 'revert'])
        # Every transition was announced, in order, and delivered.
        self.assertEqual([('task.create', True), ('task.processing', True),
                          ('task.success', True)],
                         self.notifications(task_id))
        # The finished task's flow progress is not kept.
        table = checkpoint.checkpoints
        self.assertEqual([], self.query(
            'taskflow.sqlite', 'SELECT %s FROM %s WHERE %s = ?' % (
                table.c.book_uuid.name, table.name, table.c.book_uuid.name),
            task_id))

    def test_exit_inside_an_atom_then_resume(self):
        task_id, pid = self.create_and_crash()
        self.assertResumed(task_id, pid)

    def test_sigkill_while_processing_then_resume(self):
        task_id, pid = self.create_and_kill()
        self.assertResumed(task_id, pid)

    def test_lost_flow_progress_fails_the_task(self):
        task_id, _pid = self.create_and_crash()
        self.assertEqual('processing', self.task_status(task_id))
        ran_before = self.read_trace()
        for suffix in ('', '-wal', '-shm'):
            path = os.path.join(self.dir, 'taskflow.sqlite' + suffix)
            if os.path.exists(path):
                os.unlink(path)

        task = self.resume(task_id)

        self.assertEqual('failure', task['status'])
        self.assertEqual(STOPPED, task['message'])
        self.assertIsNone(task['result'])
        self.assertEqual('failure', self.task_status(task_id))
        # Nothing ran again: there was nothing to resume from.
        self.assertEqual(ran_before, self.read_trace())
        self.assertEqual([('task.create', True), ('task.processing', True),
                          ('task.failure', True)],
                         self.notifications(task_id))
