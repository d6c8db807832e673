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

"""Every private name of a library this service relies on, in one place.

TaskFlow's conductors, jobboards and listeners, SQLAlchemy's pools, and
the option lists of oslo.messaging and glance_store give no public way to
do a few things the service needs (see each function for what and why).
Those uses are wrapped here, in small functions and mixins with public
names, and nowhere else: a hacking check (GT105) refuses ``x._name`` of
another object anywhere but here, and the canary tests in
``glance_tasks/tests/unit/common/test_internals.py`` check that each name
listed in :data:`PRIVATE_NAMES` still exists in the installed release.
When a library upgrade breaks one, that test names it.
"""

from glance_store import backend as store_backend
from oslo_messaging.notify import notifier as messaging_notifier
from taskflow.jobs.backends import impl_redis
from taskflow.listeners import base as listeners_base

# The private names used below, by library object. The canary tests look
# each one up; a test also checks this module uses no other.
PRIVATE_NAMES = {
    'taskflow ExecutorConductor': (
        '_run_until_dead', '_name', '_jobboard', '_wait_timeout',
        '_dispatched', '_can_claim_more_jobs', '_try_finish_job',
        '_max_simultaneous_jobs'),
    'taskflow Listener': (
        '_flow_receiver', '_task_receiver', '_retry_receiver'),
    'taskflow impl_redis': ('_translate_failures',),
    'taskflow RedisJobBoard': (
        '_client', '_loads', '_dumps', '_persistence'),
    'taskflow ZookeeperJobBoard': ('_client', '_fetch_jobs'),
    'sqlalchemy Pool': ('_pre_ping', '_creator', '_dispatch'),
    'oslo.messaging notifier': ('_notifier_opts',),
    'oslo.messaging Transport': ('_send_notification',),
    'glance_store backend': ('_list_opts',),
}


# -- TaskFlow's executor conductors ------------------------------------

class ExecutorConductorHooks:
    """Mixin in front of TaskFlow's executor conductors.

    A subclass writes its own run loop, :meth:`run_until_stopped`, which
    TaskFlow's ``run`` calls in place of its own loop, and reaches the
    conductor's state through the public names below.
    """

    def _run_until_dead(self, executor, max_dispatches=None):
        # TaskFlow's run() calls this inside its executor's lifetime.
        self.run_until_stopped(executor)

    def run_until_stopped(self, executor):
        raise NotImplementedError()

    @property
    def name(self):
        return self._name

    @property
    def board(self):
        return self._jobboard

    @property
    def wait_timeout(self):
        """The idle wait (``wait_timeout`` given to the constructor)."""
        return self._wait_timeout

    def can_claim_more_jobs(self, job):
        return self._can_claim_more_jobs(job)

    def free_slots(self):
        """How many more jobs the conductor may run at once now."""
        if self._max_simultaneous_jobs <= 0:
            return self.UNLIMITED_SLOTS
        return self._max_simultaneous_jobs - len(self._dispatched)

    # What free_slots() says of a conductor without a limit: a batch.
    UNLIMITED_SLOTS = 8

    def track_dispatch(self, future):
        """Count a dispatched job's future, as TaskFlow's wait() expects."""
        self._dispatched.add(future)

    def dispatched_jobs(self):
        """The jobs of the futures tracked (each future's ``job``)."""
        return [future.job for future in list(self._dispatched)
                if hasattr(future, 'job')]

    def untrack_dispatch(self, future):
        self._dispatched.discard(future)

    def finish_job(self, job, consume):
        """Consume ``job`` (``consume``) or abandon it; claim released."""
        self._try_finish_job(job, consume)


# -- TaskFlow's listeners ----------------------------------------------

class TransitionListener(listeners_base.Listener):
    """A listener told of every flow, task and retry state transition."""

    def on_transition(self, state, details):
        raise NotImplementedError()

    # TaskFlow calls these three for the flow's, tasks' and retries' moves.
    def _flow_receiver(self, state, details):
        self.on_transition(state, details)

    _task_receiver = _retry_receiver = _flow_receiver


# -- TaskFlow's jobboards -------------------------------------------------

def redis_failures():
    """Context manager: Redis client errors become ``JobFailure``."""
    return impl_redis._translate_failures()


def board_client(board):
    """The Redis or kazoo client of a TaskFlow jobboard."""
    return board._client


def decode_redis_posting(board, raw_posting):
    """A Redis job posting as a dict; ``JobFailure`` if unreadable."""
    return board._loads(raw_posting)


def encode_redis_posting(board, posting):
    """A job posting as the Redis board stores it (its own encoding)."""
    return board._dumps(posting)


def board_persistence(board):
    """The persistence backend a Redis jobboard gives its jobs."""
    return board._persistence


def zookeeper_jobs(board, ensure_fresh=False):
    """The ZooKeeper board's cached jobs, oldest first, without states."""
    return board._fetch_jobs(ensure_fresh=ensure_fresh)


# -- SQLAlchemy's pools ---------------------------------------------------

def disable_pre_ping(pool):
    """Turn off the pre-ping of an existing pool (no public switch)."""
    pool._pre_ping = False


def replacement_pool(old, pool_class, **kwargs):
    """A ``pool_class`` pool making connections as ``old`` does.

    It keeps the old pool's connection factory and event dispatch, so
    the connect listeners registered on the engine still apply.
    """
    return pool_class(old._creator, _dispatch=old.dispatch, **kwargs)


# -- oslo.messaging and glance_store --------------------------------------

def send_notification(transport, target, context, message, version, retry):
    """Hand ``message`` to the bus through ``transport``; raise on failure.

    oslo.messaging's Notifier logs and swallows delivery errors; the
    outbox must know whether a message left.
    """
    transport._send_notification(target, context, message, version=version,
                                 retry=retry)


def notifier_opts():
    """The very list of ``[oslo_messaging_notifications]`` options.

    oslo.messaging registers this list when a transport is made and lists
    copies of it for the sample; a default must be set on the list itself
    to reach both.
    """
    return messaging_notifier._notifier_opts


def glance_store_opts():
    """glance_store's ``[(group, [opts])]``, its option objects proper."""
    return store_backend._list_opts()
