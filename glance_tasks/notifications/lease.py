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

    def held(self):
        """True while this process may still send, without asking the DB."""
        return time.monotonic() < self._valid_until

    def hold(self):
        """Take or renew the lease when due; True if this process holds it.

        Renewing is a database write, so a holder renews only once a
        quarter of the lease has passed since its last renewal.
        """
        now = time.monotonic()
        if self.held() and now - self._renewed_at < self._duration / 4:
            return True
        if leases.acquire(self._context, NAME, self.holder,
                          self._duration):
            self._renewed_at = now
            self._valid_until = now + self._duration / 2
            return True
        self._valid_until = 0.0
        return False

    def release(self):
        """Hand the duty over at once (on a clean stop)."""
        if self.held():
            self._valid_until = 0.0
            leases.release(self._context, NAME, self.holder)
