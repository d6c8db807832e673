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

"""Tasks on a real Redis jobboard, run by real glance-tasks-engine processes.

Needs Redis on 127.0.0.1:6379 (and ``redis-server`` installed, for the
restart test, which runs a private one). Skipped when absent unless
GLANCE_TASKS_REQUIRE_SERVICES is set, which makes that a failure.
"""

import os
import shutil
import signal

from glance_tasks.engine import sweep
from glance_tasks.tests import base
from glance_tasks.tests.functional.jobboard import base as jb_base
from glance_tasks.tests.functional.jobboard import fixtures as jb_fixtures


def read_trace(path):
    """``[(event, atom, pid)]`` of a ``trace`` task, in order."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [(event, atom, int(pid)) for event, atom, pid in
                (line.split() for line in f)]


class ThreeEnginesTest(jb_base.JobboardTestCase):

    def test_300_tasks_each_run_once_spread_over_the_engines(self):
        engines = self.engines.start(3)
        service = self.poster()

        ids = self.create(service, 300)

        statuses = self.wait_all_ended(ids, 150)
        self.assertEqual({'success'}, {statuses[i][0] for i in ids})
        self.assertNotifiedInOrder({i: statuses[i] for i in ids})
        # Four processes relay, yet each notification reached the bus once.
        self.assertDelivered(exactly_once=True)
        finished = [engine.finished_tasks() for engine in engines]
        # Each task's job was run to its end exactly once, by some engine.
        self.assertEqual(sorted(ids), sorted(sum(finished, [])))
        for engine, tasks in zip(engines, finished):
            self.assertGreater(len(tasks), 0,
                               'engine %d ran no task' % engine.index)
        jb_fixtures.wait_until(lambda: self.job_count() == 0, 10,
                               'every job to be consumed')
        self.assertNothingLeft()


class CrashTest(jb_base.JobboardTestCase):

    def test_sigkill_engines_in_the_middle_of_flows(self):
        ids, statuses, engines = self.kill_engines_mid_flow(3)

        # The killed engines' tasks were resumed by others and finished.
        self.assertEqual({'success'}, {statuses[i][0] for i in ids})
        self.assertNotifiedInOrder({i: statuses[i] for i in ids})
        # A killed relay may have sent rows it never marked sent: those
        # leave again, after, never before, what it sent.
        self.assertDelivered(exactly_once=False)
        self.assertResumedAndCleared(engines)

    def test_resume_runs_again_only_the_atom_that_was_running(self):
        first, = self.engines.start(1)
        trace = os.path.join(self.state_path, 'trace.log')
        [task_id] = self.create(self.poster(), 1, task_type='trace',
                                atoms=5, sleep=0.3, trace=trace)
        jb_fixtures.wait_until(
            lambda: ('start', 'trace-2', first.pid) in read_trace(trace),
            30, 'atom 2 to start')
        first.signal(signal.SIGKILL)
        first.wait()
        before = read_trace(trace)

        second, = self.engines.start(1)

        statuses = self.wait_all_ended([task_id], 60)
        self.assertEqual(('success', None), statuses[task_id])
        self.assertEqual(
            [('start', 'trace-0'), ('done', 'trace-0'),
             ('start', 'trace-1'), ('done', 'trace-1'),
             ('start', 'trace-2')],
            [(event, atom) for event, atom, _pid in before])
        after = read_trace(trace)[len(before):]
        self.assertEqual({second.pid}, {pid for _e, _a, pid in after})
        self.assertEqual([(event, 'trace-%d' % index)
                          for index in range(2, 5)
                          for event in ('start', 'done')],
                         [(event, atom) for event, atom, _pid in after])
        self.assertNotifiedInOrder(statuses)
        self.assertNothingLeft()


class GracefulStopTest(jb_base.JobboardTestCase):

    # Far longer than the test: a takeover comes from the abandonment.
    EXPIRATION_TIME = 120

    def test_sigterm_hands_the_job_to_another_engine_at_once(self):
        first, = self.engines.start(1)
        trace = os.path.join(self.state_path, 'trace.log')
        [task_id] = self.create(self.poster(), 1, task_type='trace',
                                atoms=4, sleep=1.0, trace=trace)
        jb_fixtures.wait_until(
            lambda: ('start', 'trace-1', first.pid) in read_trace(trace),
            30, 'atom 1 to start')

        first.signal(signal.SIGTERM)
        self.assertEqual(0, first.wait(30))
        second, = self.engines.start(1)
        statuses = self.wait_all_ended([task_id], 30)

        self.assertEqual(('success', None), statuses[task_id])
        # The first engine finished its atom, then stopped; the second
        # went on from the next atom.
        self.assertEqual(
            [('done', 'trace-%d' % i, first.pid) for i in (0, 1)] +
            [('done', 'trace-%d' % i, second.pid) for i in (2, 3)],
            [line for line in read_trace(trace) if line[0] == 'done'])
        self.assertIn('abandoned by %s' % first.name, first.log_text())
        self.assertNotifiedInOrder(statuses)
        self.assertNothingLeft()


class RedisRestartTest(jb_base.JobboardTestCase):

    SWEEP_INTERVAL = 1

    def require_board(self):
        if shutil.which('redis-server') is None:
            if base.services_required():
                self.fail('redis-server is not installed')
            self.skipTest('redis-server is not installed')

    def board_port(self):
        self.redis = self.useFixture(jb_fixtures.RedisServer(
            self.state_path))
        return self.redis.port

    def test_restart_loses_the_board_yet_every_task_ends(self):
        self.engines.start(2)
        service = self.poster()
        ids = self.create(service, 60, sleep=0.1)
        jb_fixtures.wait_until(
            lambda: 'success' in {s for s, _m in self.statuses().values()},
            30, 'a first task to succeed')

        # No persistence: every job, running or waiting, is gone.
        self.redis.restart()
        unfinished = [task_id for task_id, (status, _m) in
                      self.statuses().items() if status in
                      ('pending', 'processing')]
        ids += self.create(service, 10)

        statuses = self.wait_all_ended(ids, 90)
        for task_id in ids:
            status, message = statuses[task_id]
            if status == 'failure':
                self.assertEqual(sweep.LOST_MESSAGE, message)
        self.assertIn('success', {statuses[i][0] for i in ids})
        self.assertNotifiedInOrder({i: statuses[i] for i in ids})
        # The restart hit a run in progress, and the sweep saw to it.
        self.assertGreater(len(unfinished), 0)
        swept = sum(engine.log_text().count('Jobboard sweep:')
                    for engine in self.engines.all)
        self.assertGreater(swept, 0)
