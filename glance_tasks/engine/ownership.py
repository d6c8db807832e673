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

"""This process's lease as a task executor: who owns a running task.

Every local executor process holds a lease of its own in the ``leases``
table, named after the process and renewed from a thread; each task it
runs names that lease in its ``executor`` column. Another process takes
a task over only once that lease has lapsed (:mod:`.sweep_local`), so
while its owner lives a task runs in one place.

The hold is judged locally on the monotonic clock and ends at half the
database lease, as the relay's does: an owner that cannot renew in time
(the database is unreachable, the process stalled) stops working on its
tasks well before any other process may take them over. A lost lease is
never renewed again: the process carries on under a new name, and its
old tasks are taken over, by whichever process sweeps first, once the
old lease has lapsed in the database.
"""

import hashlib
import os
import socket
import threading
import time

from oslo_db import exception as db_exc
from oslo_log import log as logging
from oslo_utils import uuidutils

from glance_tasks.db import leases

LOG = logging.getLogger(__name__)

# Every executor lease's name starts so; the sweep purges old ones.
PREFIX = 'executor/'
# Fits ``leases.name`` and ``tasks.executor`` (64 characters).
_HOST_LENGTH = 32


def tag(name):
    """A short, file-name-safe tag of the lease ``name`` (None: random).

    The same name always gives the same tag, so what a holder of the
    lease named after it (an upload's or a stage's own file) is found
    again by the sweep that clears up after the lease lapsed; a lapsed
    lease is never held again (its process takes a new name).
    """
    if name is None:
        return uuidutils.generate_uuid(dashed=False)[:16]
    return hashlib.sha256(name.encode('utf-8')).hexdigest()[:16]


def new_name():
    """A lease name no other start of any process shares."""
    return '%s%s:%d:%s' % (PREFIX, socket.gethostname()[:_HOST_LENGTH],
                           os.getpid(), uuidutils.generate_uuid()[:8])


class ExecutorLease:
    """Takes and renews this process's executor lease.

    ``on_lost(name)`` is called once when the hold under ``name`` ends
    without a release; :attr:`name` is then a new one, not yet held.
    """

    def __init__(self, context, duration, on_lost=None):
        self._context = context
        self.duration = duration
        self._on_lost = on_lost or (lambda name: None)
        self._lock = threading.Lock()
        self.name = new_name()
        self._valid_until = 0.0
        self._renewed_at = None
        self._closed = False

    @property
    def renew_interval(self):
        """Seconds between renewals: a quarter of the local hold."""
        return self.duration / 8.0

    def holds(self, name):
        """True while this process may work on the tasks of ``name``."""
        self._check_lapse()
        with self._lock:
            return name == self.name and self._renewed_at is not None

    def held(self):
        """True while the current name is held."""
        return self.holds(self.name)

    def keep(self):
        """Take or renew the lease; True if held after the call.

        A hold that lapsed locally is lost for good (see the module's
        docstring); the next call takes the lease under the new name.
        """
        self._check_lapse()
        with self._lock:
            if self._closed:
                return False
            name = self.name
        started = time.monotonic()
        taken = leases.acquire(self._context, name, name, self.duration)
        with self._lock:
            if not taken or name != self.name or self._closed:
                return False
            if self._renewed_at is None:
                LOG.debug('Executor lease %s taken; this process owns the '
                          'tasks that name it.', name)
            self._renewed_at = started
            self._valid_until = started + self.duration / 2.0
        return True

    def _check_lapse(self):
        with self._lock:
            if (self._renewed_at is None or
                    time.monotonic() < self._valid_until):
                return
            lost = self.name
            self.name = new_name()
            self._renewed_at = None
            self._valid_until = 0.0
        LOG.warning('Executor lease %(lost)s could not be renewed within '
                    '%(hold).1f s; this process stops working on its '
                    'tasks, which another process (or this one, as '
                    '%(new)s) takes over once the lease has lapsed.',
                    {'lost': lost, 'hold': self.duration / 2.0,
                     'new': self.name})
        self._on_lost(lost)

    def release(self):
        """Stop holding, and free the lease at once (a clean stop)."""
        with self._lock:
            self._closed = True
            name, held = self.name, self._renewed_at is not None
            self._renewed_at = None
            self._valid_until = 0.0
        if held:
            leases.release(self._context, name, name)


def log_failure(what, exc, delay):
    """Report a failed renewal or sweep; it is retried at the next tick.

    A database outage is expected now and then: no traceback for it.
    """
    LOG.warning('%(what)s failed (%(error)s); retrying in %(delay).1f s.',
                {'what': what, 'error': exc, 'delay': delay},
                exc_info=not _is_db_outage(exc))


def _is_db_outage(exc):
    """True for a lost or refused database connection: no traceback."""
    return isinstance(exc, db_exc.DBConnectionError)
