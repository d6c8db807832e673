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

"""Claims on jobs: renewed while the job runs, and noticed when lost.

An engine renews each claim it holds from a timer (every quarter of
``expiration_time``, so that an atom running for minutes keeps its job)
and on the flow's state transitions. A claim found to belong to someone
else, or to a job gone from the board, is lost: the engine stops its flow
at the next transition, writes neither the task's status nor the flow's
progress any more, and leaves the job to its new owner.
"""

import contextlib
import threading
import time

from oslo_log import log as logging
from taskflow import exceptions as tf_exc

from glance_tasks.common import internals
from glance_tasks.common import periodic

LOG = logging.getLogger(__name__)

# Errors of an unreachable board: the claim's fate is unknown, not lost.
BOARD_ERRORS = (tf_exc.JobFailure,)

# What a renewal found.
HELD, LOST, UNKNOWN = 'held', 'lost', 'unknown'


class Claim:
    """One job claimed by this engine."""

    def __init__(self, board, job, owner, expiration_time, on_lost=None):
        self.board = board
        self.job = job
        self.owner = owner
        self.expiration_time = expiration_time
        self._renewed_at = time.monotonic()
        self._lost = threading.Event()
        self._lock = threading.Lock()
        self._on_lost = on_lost or (lambda claim: None)

    @property
    def lost(self):
        return self._lost.is_set()

    def due(self, fraction):
        """True if the last renewal is older than ``fraction`` of expiry."""
        age = time.monotonic() - self._renewed_at
        return age >= self.expiration_time * fraction

    def renew(self):
        """Renew the claim now; False once it is known lost."""
        return self._renew() is not LOST

    def verify(self, retry_interval=0.5):
        """Check, right now, that the claim is still ours.

        While the board is unreachable, try again until the claim would
        have expired (then it counts as lost).
        """
        while True:
            state = self._renew()
            if state is not UNKNOWN:
                return state is HELD
            time.sleep(retry_interval)

    def _renew(self):
        with self._lock:
            if self.lost:
                return LOST
            try:
                held = self._hold()
            except BOARD_ERRORS as exc:
                if not self.due(1.0):
                    LOG.warning('Job %(job)s: could not renew the claim '
                                '(%(error)s); retrying.',
                                {'job': self.job.uuid, 'error': exc})
                    return UNKNOWN
                self._lose('the jobboard was unreachable for longer '
                           'than the claim lasts (%s)' % exc)
                return LOST
            if not held:
                return LOST
            self._renewed_at = time.monotonic()
            return HELD

    def _hold(self):
        owner = self.board.renew_claim(self.job)
        if owner == self.owner:
            return True
        if owner is None:
            # Our claim expired and nobody took the job: nobody else ran
            # it, so taking it again is safe.
            try:
                self.board.claim(self.job, self.owner)
            except (tf_exc.UnclaimableJob, tf_exc.NotFound) as exc:
                self._lose('the job was gone or taken (%s)' % exc)
                return False
            LOG.warning('Job %s: the claim had expired; claimed it again.',
                        self.job.uuid)
            return True
        self._lose('it is now owned by %s' % owner)
        return False

    def _lose(self, why):
        LOG.warning('Job %(job)s: claim lost, %(why)s; this engine stops '
                    'working on it.', {'job': self.job.uuid, 'why': why})
        self._lost.set()
        self._on_lost(self)


class ClaimKeeper:
    """Renews every claim this engine holds, from a timer thread."""

    def __init__(self, board, expiration_time, on_lost=None):
        self._board = board
        self._expiration_time = expiration_time
        self._on_lost = on_lost
        self._claims = {}
        self._guard = threading.Lock()
        self._loop = periodic.Loop('claim-keeper', self.renew_all,
                                   self.interval, what='Renewing claims',
                                   join_timeout=self.interval + 5)

    @property
    def interval(self):
        return self._expiration_time / 4.0

    def start(self):
        self._loop.start()

    def stop(self):
        self._loop.stop()

    @contextlib.contextmanager
    def holding(self, job, owner):
        """Keep the claim on ``job`` renewed while in this block."""
        claim = Claim(self._board, job, owner, self._expiration_time,
                      on_lost=self._on_lost)
        with self._guard:
            self._claims[job.uuid] = claim
        try:
            yield claim
        finally:
            with self._guard:
                self._claims.pop(job.uuid, None)

    def renew_all(self):
        with self._guard:
            claims = list(self._claims.values())
        for claim in claims:
            if claim.due(0.2):
                claim.renew()


class ClaimListener(internals.TransitionListener):
    """Renews the claim on the flow's and atoms' state transitions.

    A renewal costs a round trip to the board, so one is made only when
    an eighth of the claim's lifetime has passed since the last one.
    TaskFlow's notifier swallows errors, which suits a renewal: the timer
    retries it.
    """

    def __init__(self, engine, claim):
        super().__init__(engine)
        self._claim = claim

    def on_transition(self, state, details):
        if self._claim.due(0.125):
            self._claim.renew()
