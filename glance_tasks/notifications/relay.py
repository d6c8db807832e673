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

"""The outbox relay: a thread that sends committed notifications in order.

Every process runs one, but only the holder of the relay lease
(:mod:`lease`) sends, so with many processes each row still leaves once.
Rows leave in ``id`` order; the rows of one task were committed one
after another, so they leave in the order of its transitions. When
delivery fails the relay stops at that row and tries it again after a
back-off, so later events of the same task never overtake it. Delivery
is at least once: a crash between sending and marking a row sent sends
it again with the same ``message_id``, which consumers can use to drop
the duplicate.
"""

from oslo_log import log as logging

from glance_tasks.common import periodic
from glance_tasks import context as gt_context
from glance_tasks.db import outbox as outbox_db
from glance_tasks.notifications import lease as lease_mod
from glance_tasks.notifications import sender as sender_mod

LOG = logging.getLogger(__name__)

BATCH = 100


class OutboxRelay:
    """Relays the outbox from a daemon thread; :meth:`wake` after commits."""

    def __init__(self, sender, poll_interval=1.0, max_backoff=30.0,
                 batch_window=0.1, lease_duration=30, holder=None):
        self._sender = sender
        self._batch_window = batch_window
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._backoff = 0.0
        self._loop = periodic.Loop('outbox-relay', self._pass,
                                   poll_interval, first_delay=0,
                                   drain=True, on_exit=self._release)
        self._context = gt_context.get_admin_context()
        self.lease = lease_mod.RelayLease(self._context, lease_duration,
                                          holder)

    def start(self):
        self._loop.start()

    def wake(self):
        """Tell the relay new rows were committed."""
        self._loop.wake()

    def stop(self, timeout=10.0):
        """Send what can still be sent, then stop the thread."""
        if not self._loop.started:
            self._loop.stop()
            self._release()
            return
        if not self._loop.stop(timeout):
            # Still sending (a slow bus): stop it at its next row, but
            # leave the lease to lapse, so that no other process sends
            # beside a send of ours still in flight.
            self.lease.close()

    def _pass(self):
        # Read before the pass: a pass that began before stop() may
        # have missed rows committed just before it; one more runs.
        stopping = self._loop.stopping
        # Let a burst of commits gather, so one pass sends them all
        # with one read and one write instead of two per event.
        self._loop.sleep(self._batch_window)
        try:
            delivered_all = self.relay_once()
        except Exception:
            LOG.exception('Outbox relay failed; retrying.')
            delivered_all = False
        if stopping and (delivered_all or self._backoff):
            # After the last pass (on_exit): the lease is released, so
            # the next holder starts behind our sends.
            return periodic.DONE
        self._backoff = 0.0 if delivered_all else min(
            max(self._backoff * 2, self._poll_interval), self._max_backoff)
        # Another process relays when we do not hold the lease: our
        # commits are not ours to send, so a wake does not cut the wait;
        # we only check now and then whether its lease lapsed.
        return periodic.Pause(self._backoff or self._poll_interval,
                              wakeable=self.lease.held())

    def _release(self):
        try:
            self.lease.release()
        except Exception:
            LOG.warning('Could not release the relay lease; another '
                        'process takes it over when it expires.')

    def relay_once(self):
        """Send every pending row while this process holds the lease.

        True when nothing is left for this process to do: the outbox was
        drained, or another process holds the lease.
        """
        while self.lease.hold():
            rows = outbox_db.pending(self._context, BATCH)
            if not rows:
                return True
            sent = self._send_in_order(rows)
            outbox_db.mark_sent(self._context, sent)
            if len(sent) < len(rows) and self.lease.held():
                return False
            if len(rows) < BATCH:
                # Drained as of that read; later commits wake us again.
                return True
        return True

    def _send_in_order(self, rows):
        sent = []
        for row in rows:
            if not self.lease.held():
                # The hold lapsed while sending (a slow bus): stop before
                # another process could be sending the same rows.
                break
            try:
                self._sender.send(row)
            except sender_mod.DeliveryFailed as exc:
                LOG.warning('Notification %(event)s %(id)s not delivered '
                            '(%(error)s); it stays in the outbox.',
                            {'event': row['event_type'],
                             'id': row['message_id'], 'error': exc})
                outbox_db.count_attempt(self._context, row['id'])
                break
            sent.append(row['id'])
        return sent
