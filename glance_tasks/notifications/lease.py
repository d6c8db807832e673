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

"""This process's hold on the outbox relay lease.

Only the holder relays, so a notification leaves once and the events of
one task leave in commit order even with many API and engine processes
on many hosts. The hold is judged locally on the monotonic clock and
ends at half the database lease, so a holder stops sending before any
other process (whose clock may be a little ahead) can take over.
"""

import os
import socket
import time

from oslo_utils import uuidutils

from glance_tasks.db import leases

NAME = 'notification-relay'


def holder_name():
    """Unique per start: a restarted process never mistakes an old hold."""
    return '%s:%d:%s' % (socket.gethostname(), os.getpid(),
                         uuidutils.generate_uuid()[:8])


class RelayLease:
    """Takes, renews and releases the relay lease for this process."""

    def __init__(self, context, duration, holder=None):
        self.holder = holder or holder_name()
        self._context = context
        self._duration = duration
        self._valid_until = 0.0
        self._renewed_at = 0.0
        self._closed = False

    def held(self):
        """True while this process may still send, without asking the DB."""
        return time.monotonic() < self._valid_until

    def hold(self):
        """Take or renew the lease when due; True if this process holds it.

        Renewing is a database write, so a holder renews only once a
        quarter of the lease has passed since its last renewal.
        """
        if self._closed:
            return False
        now = time.monotonic()
        if self.held() and now - self._renewed_at < self._duration / 4:
            return True
        if not self.held() and self._taken_elsewhere():
            return False
        if leases.acquire(self._context, NAME, self.holder,
                          self._duration):
            self._renewed_at = now
            self._valid_until = now + self._duration / 2
            return True
        self._valid_until = 0.0
        return False

    def _taken_elsewhere(self):
        # A read first: a process waiting for the lease must not take a
        # write lock every poll (SQLite) or lock the row (MySQL).
        current = leases.current(self._context, NAME)
        return (current is not None and current[0] != self.holder
                and current[1] > leases.utcnow())

    def close(self):
        """Stop sending and never take the lease again (this start)."""
        self._closed = True
        self._valid_until = 0.0

    def release(self):
        """Close, and hand the duty over at once (on a clean stop)."""
        self.close()
        leases.release(self._context, NAME, self.holder)
