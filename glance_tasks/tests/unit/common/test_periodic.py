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

"""The background-loop helper, on real threads and real time."""

import threading
import time

import fixtures

from glance_tasks.common import periodic
from glance_tasks.tests import base


class Recorder:
    """A ``work`` that notes when it ran and can fail or block."""

    def __init__(self, outcomes=()):
        self.times = []
        self._outcomes = list(outcomes)
        self.ran = threading.Event()

    def __call__(self):
        self.times.append(time.monotonic())
        self.ran.set()
        if self._outcomes:
            outcome = self._outcomes.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        return None

    def wait_for(self, count, timeout=5.0):
        deadline = time.monotonic() + timeout
        while len(self.times) < count and time.monotonic() < deadline:
            time.sleep(0.005)
        return len(self.times)


class LoopTest(base.TestCase):

    def _loop(self, work, interval, **kwargs):
        loop = periodic.Loop('test-loop', work, interval, **kwargs)
        self.addCleanup(loop.stop, 1.0)
        return loop

    def test_passes_repeat_every_interval(self):
        work = Recorder()
        loop = self._loop(work, 0.05)
        started = time.monotonic()
        loop.start()
        self.assertEqual(3, work.wait_for(3))
        self.assertTrue(loop.stop())
        # The first pass waits one interval; each next one another.
        self.assertGreaterEqual(work.times[0] - started, 0.045)
        for before, after in zip(work.times, work.times[1:]):
            self.assertGreaterEqual(after - before, 0.045)

    def test_first_delay_zero_runs_a_pass_at_once(self):
        work = Recorder()
        loop = self._loop(work, 60, first_delay=0)
        loop.start()
        self.assertTrue(work.ran.wait(1.0))
        self.assertEqual(1, len(work.times))

    def test_first_delay_differs_from_the_interval(self):
        work = Recorder()
        loop = self._loop(work, 60, first_delay=0.05)
        loop.start()
        self.assertTrue(work.ran.wait(1.0))
        time.sleep(0.1)
        self.assertEqual(1, len(work.times))

    def test_a_failed_pass_is_logged_and_the_loop_goes_on(self):
        failures = []
        work = Recorder([RuntimeError('db gone'), None])
        loop = self._loop(work, 0.02, what='Testing',
                          on_failure=lambda *a: failures.append(a))
        loop.start()
        self.assertEqual(2, work.wait_for(2))
        self.assertEqual(1, len(failures))
        what, exc, delay = failures[0]
        self.assertEqual(('Testing', 'db gone', 0.02),
                         (what, str(exc), delay))

    def test_the_default_failure_report_logs_the_traceback(self):
        logs = self.useFixture(fixtures.FakeLogger(
            name='glance_tasks.common.periodic'))
        work = Recorder([RuntimeError('db gone')])
        loop = self._loop(work, 0.02, what='Testing')
        loop.start()
        self.assertEqual(2, work.wait_for(2))
        self.assertIn('Testing failed; retrying in 0.0 s.', logs.output)
        self.assertIn('RuntimeError: db gone', logs.output)

    def test_wake_cuts_the_wait_short(self):
        work = Recorder()
        loop = self._loop(work, 60, first_delay=0)
        loop.start()
        self.assertTrue(work.ran.wait(1.0))
        loop.wake()
        self.assertEqual(2, work.wait_for(2, timeout=1.0))

    def test_a_pause_that_is_not_wakeable_ignores_wake(self):
        work = Recorder([periodic.Pause(0.3, wakeable=False)])
        loop = self._loop(work, 60, first_delay=0)
        loop.start()
        self.assertTrue(work.ran.wait(1.0))
        loop.wake()
        time.sleep(0.1)
        self.assertEqual(1, len(work.times))
        self.assertEqual(2, work.wait_for(2, timeout=1.0))

    def test_stop_ends_the_wait_and_joins(self):
        work = Recorder()
        loop = self._loop(work, 60)
        loop.start()
        started = time.monotonic()
        self.assertTrue(loop.stop())
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertEqual([], work.times)

    def test_stop_gives_up_after_the_join_timeout(self):
        release = threading.Event()
        loop = self._loop(lambda: release.wait(5), 60, first_delay=0)
        self.addCleanup(release.set)
        loop.start()
        time.sleep(0.05)
        self.assertFalse(loop.stop(timeout=0.05))
        release.set()
        self.assertTrue(loop.stop(timeout=1.0))

    def test_stop_before_start_is_harmless(self):
        loop = self._loop(Recorder(), 60)
        self.assertFalse(loop.started)
        self.assertTrue(loop.stop())

    def test_drain_runs_passes_after_stop_until_done(self):
        passes = []

        def work():
            passes.append(loop.stopping)
            if loop.stopping and len(passes) >= 3:
                return periodic.DONE
            return periodic.Pause(0)

        exited = threading.Event()
        loop = self._loop(work, 60, first_delay=60, drain=True,
                          on_exit=exited.set)
        loop.start()
        self.assertTrue(loop.stop())
        self.assertTrue(exited.is_set())
        self.assertEqual([True, True, True], passes)

    def test_on_exit_runs_after_a_plain_stop(self):
        exited = threading.Event()
        loop = self._loop(Recorder(), 60, on_exit=exited.set)
        loop.start()
        loop.stop()
        self.assertTrue(exited.is_set())

    def test_jitter_spreads_the_interval(self):
        loop = periodic.Loop('test-loop', Recorder(), 10, jitter=0.25)
        waits = {loop.next_interval() for _ in range(50)}
        self.assertTrue(all(7.5 <= wait <= 12.5 for wait in waits))
        self.assertGreater(len(waits), 1)
        plain = periodic.Loop('test-loop', Recorder(), 10)
        self.assertEqual(10, plain.next_interval())
