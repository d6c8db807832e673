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

"""One background loop: a daemon thread that calls ``work`` now and then.

Every loop of the service (the outbox relay, the jobboard sweeper, the
claim keeper, the executor lease and sweep, the purger, the scrubber) is
one :class:`Loop`, so starting, waking and stopping a thread is written
once. A failed pass is logged and the loop carries on: a database outage
must not end the thread.

``work`` returns a :class:`Pause` to choose the wait before the next
pass itself, :data:`DONE` to end the loop, or anything else (its result
is ignored) to wait ``interval`` seconds, jittered.
"""

import dataclasses
import random
import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

DONE = object()


@dataclasses.dataclass(frozen=True)
class Pause:
    """The wait before the next pass, as ``work`` chose it.

    ``wakeable``: whether :meth:`Loop.wake` cuts it short (a stop always
    does).
    """

    seconds: float
    wakeable: bool = True


def log_failure(what, exc, delay):
    """The default report of a failed pass: the traceback, then retry."""
    LOG.exception('%(what)s failed; retrying in %(delay).1f s.',
                  {'what': what, 'delay': delay})


class Loop:
    """Calls ``work`` from a daemon thread until :meth:`stop`.

    ``first_delay``: seconds before the first pass (one jittered
    ``interval`` when None; 0 runs it at once). ``jitter``: each wait
    is ``interval`` times a random factor within ``1 +/- jitter``, so
    processes started together spread out. ``drain``: a stop does not
    end the loop; the thread ends when ``work`` returns :data:`DONE`
    (final passes that flush what is left). ``on_failure(what, exc,
    delay)`` reports a pass that raised; ``on_exit`` runs in the
    thread after the last pass.
    """

    def __init__(self, name, work, interval, what=None, first_delay=None,
                 jitter=0.0, join_timeout=30.0, drain=False,
                 on_failure=log_failure, on_exit=None):
        self.name = name
        self.interval = interval
        self._work = work
        self._what = what or name
        self._first_delay = first_delay
        self._jitter = jitter
        self._join_timeout = join_timeout
        self._drain = drain
        self._on_failure = on_failure
        self._on_exit = on_exit
        self._stopping = threading.Event()
        self._wakeup = threading.Event()
        self._thread = None

    @property
    def started(self):
        return self._thread is not None

    @property
    def stopping(self):
        """True once :meth:`stop` was called."""
        return self._stopping.is_set()

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=self.name)
        self._thread.start()

    def wake(self):
        """Cut the current wakeable wait short: run a pass now."""
        self._wakeup.set()

    def stop(self, timeout=None):
        """Stop the loop and wait for its thread; True if it has ended.

        ``timeout``: seconds to wait for the thread (the loop's
        ``join_timeout`` when None).
        """
        self._stopping.set()
        self._wakeup.set()
        if self._thread is None:
            return True
        self._thread.join(self._join_timeout if timeout is None
                          else timeout)
        return not self._thread.is_alive()

    def sleep(self, seconds):
        """Wait in a pass; only a stop cuts it short. True if stopping."""
        return self._stopping.wait(seconds)

    def next_interval(self):
        if not self._jitter:
            return self.interval
        return self.interval * random.uniform(1 - self._jitter,
                                              1 + self._jitter)

    def _run(self):
        try:
            self._loop()
        finally:
            if self._on_exit is not None:
                self._on_exit()

    def _loop(self):
        pause = Pause(self.next_interval() if self._first_delay is None
                      else self._first_delay)
        while True:
            if self._pause(pause) and not self._drain:
                return
            pause = self._pass()
            if pause is DONE:
                return

    def _pass(self):
        try:
            outcome = self._work()
        except Exception as exc:
            outcome = None
            self._on_failure(self._what, exc, self.interval)
        if outcome is DONE or isinstance(outcome, Pause):
            return outcome
        return Pause(self.next_interval())

    def _pause(self, pause):
        """Wait as ``pause`` says; True if the loop is stopping."""
        if pause.wakeable:
            self._wakeup.wait(pause.seconds)
        else:
            self._stopping.wait(pause.seconds)
        self._wakeup.clear()
        return self._stopping.is_set()
