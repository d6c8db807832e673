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

"""The outbox: written with the change, relayed after it, never lost.

The message bus is the process edge: :class:`FlakySender` stands in for a
bus that refuses the first deliveries, then passes the rest to the real
sender (oslo.messaging's ``test`` driver).
"""

import dataclasses
import threading
import time

from oslo_utils import fixture as utils_fixture
from oslo_utils import uuidutils

from glance_tasks.db import api as db_api
from glance_tasks.db import outbox as outbox_db
from glance_tasks.db import tasks as task_db
from glance_tasks import exception
from glance_tasks.lifecycle import tasks as lifecycle_mod
from glance_tasks.notifications import events
from glance_tasks.notifications import relay as relay_mod
from glance_tasks.notifications import sender as sender_mod
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures


class FlakySender:
    """A bus that is down for the first ``failures`` deliveries."""

    def __init__(self, failures, deliver_to=None):
        self.failures = failures
        self.deliver_to = deliver_to
        self.attempts = []   # (row id, message_id) of every attempt
        self.delivered = []  # rows that got through, in order
        self._lock = threading.Lock()

    def send(self, row):
        with self._lock:
            self.attempts.append((row['id'], row['message_id']))
            if self.failures:
                self.failures -= 1
                raise sender_mod.DeliveryFailed(
                    'ConnectionRefusedError: [Errno 111] Connection refused')
            self.delivered.append(row)
        if self.deliver_to is not None:
            self.deliver_to.send(row)


class OutboxTestCase(gt_fixtures.ServiceTestCase):

    def setUp(self):
        super().setUp()
        self.lifecycle = lifecycle_mod.TaskLifecycle(self.conf)

    def new_task(self, atoms=1):
        return self.lifecycle.create(self.context, {
            'id': uuidutils.generate_uuid(), 'type': 'noop',
            'input': {'atoms': atoms}, 'owner': 'project-a',
            'user_id': 'user-a', 'request_id': self.context.request_id})

    def outbox(self):
        return self.db.rows('notification_outbox', order_by='id')

    def walk(self, task):
        """pending → processing → success: three committed events."""
        task = self.lifecycle.start(self.context, task)
        return self.lifecycle.succeed(self.context, task, {'atoms': 1})


class TransactionTest(OutboxTestCase):
    """A notification exists exactly when its change was committed."""

    def test_each_transition_writes_its_row(self):
        task = self.new_task()
        self.walk(task)
        rows = self.outbox()
        self.assertEqual(['task.create', 'task.processing', 'task.success'],
                         [row['event_type'] for row in rows])
        self.assertEqual([None, None, None],
                         [row['sent_at'] for row in rows])
        self.assertEqual(3, len({row['message_id'] for row in rows}))

    def test_rolled_back_transaction_leaves_no_row(self):
        task = self.new_task()
        before = self.outbox()

        class Boom(Exception):
            pass

        def change_then_fail():
            with db_api.context_manager.writer.using(self.context):
                task_db.delete(self.context, task.id)
                events.enqueue(self.conf, self.context, events.TASK_DELETE,
                               {'id': task.id})
                raise Boom()

        self.assertRaises(Boom, change_then_fail)
        self.assertEqual(before, self.outbox())
        self.assertFalse(task_db.get(self.context, task.id).deleted)

    def test_lost_compare_and_swap_announces_nothing(self):
        task = self.new_task()
        before = self.outbox()
        # A stale copy says processing; the row is pending: no swap.
        stale = dataclasses.replace(task, status='processing')
        self.assertRaises(exception.TaskStatusConflict,
                          self.lifecycle.succeed, self.context, stale,
                          {'atoms': 1})
        self.assertEqual(before, self.outbox())
        self.assertEqual('pending', task_db.get(self.context, task.id).status)

    def test_refused_transition_announces_nothing(self):
        task = self.walk(self.new_task())
        before = self.outbox()
        self.assertRaises(exception.InvalidTaskStatusTransition,
                          self.lifecycle.fail, self.context, task,
                          'too late')
        self.assertEqual(before, self.outbox())

    def test_commit_wakes_the_relay(self):
        woken = []
        lifecycle = lifecycle_mod.TaskLifecycle(
            self.conf, on_commit=lambda: woken.append(
                outbox_db.unsent_count(self.context)))
        task = lifecycle.create(self.context, {
            'id': uuidutils.generate_uuid(), 'type': 'noop',
            'input': {'atoms': 1}})
        lifecycle.start(self.context, task)
        # Called after each commit: the row was already visible.
        self.assertEqual([1, 2], woken)


class RelayTest(OutboxTestCase):

    def test_delivered_rows_are_marked_sent(self):
        task = self.new_task()
        self.walk(task)
        sender = FlakySender(0)
        relay = relay_mod.OutboxRelay(sender)

        self.assertTrue(relay.relay_once())

        rows = self.outbox()
        self.assertEqual([row['id'] for row in rows],
                         [row['id'] for row in sender.delivered])
        self.assertNotIn(None, [row['sent_at'] for row in rows])
        self.assertEqual(0, outbox_db.unsent_count(self.context))
        # Sent rows are not sent again.
        self.assertTrue(relay.relay_once())
        self.assertEqual(3, len(sender.attempts))

    def test_rows_stay_while_the_bus_is_down_and_keep_their_order(self):
        tasks = [self.new_task() for _ in range(2)]
        for task in tasks:
            self.walk(task)
        rows = self.outbox()
        sender = FlakySender(3)
        relay = relay_mod.OutboxRelay(sender)

        # Down: the head row is tried and stays; nothing overtakes it.
        for _ in range(3):
            self.assertFalse(relay.relay_once())
        self.assertEqual([], sender.delivered)
        self.assertEqual([(rows[0]['id'], rows[0]['message_id'])] * 3,
                         sender.attempts)
        after = self.outbox()
        self.assertEqual(6, outbox_db.unsent_count(self.context))
        self.assertEqual([3, 0, 0, 0, 0, 0],
                         [row['attempts'] for row in after])

        # Up again: everything leaves, in commit order, same message ids.
        self.assertTrue(relay.relay_once())
        self.assertEqual([(row['id'], row['message_id']) for row in rows],
                         [(row['id'], row['message_id'])
                          for row in sender.delivered])
        self.assertEqual(0, outbox_db.unsent_count(self.context))

    def test_failure_mid_batch_keeps_what_was_delivered(self):
        task = self.new_task()
        self.walk(task)
        rows = self.outbox()

        class DownAfterOne(FlakySender):
            def send(self, row):
                if self.delivered:
                    self.failures = 1
                super().send(row)

        sender = DownAfterOne(0)
        relay = relay_mod.OutboxRelay(sender)
        self.assertFalse(relay.relay_once())

        after = self.outbox()
        self.assertIsNotNone(after[0]['sent_at'])
        self.assertEqual([None, None], [row['sent_at'] for row in after[1:]])
        self.assertEqual(1, after[1]['attempts'])
        self.assertEqual(rows[0]['message_id'],
                         sender.delivered[0]['message_id'])

    def test_relay_thread_retries_until_delivered(self):
        task = self.new_task()
        self.walk(task)
        sender = FlakySender(4)
        relay = relay_mod.OutboxRelay(sender, poll_interval=0.01,
                                      max_backoff=0.05)
        relay.start()
        self.addCleanup(relay.stop)

        gt_fixtures.wait_for(
            lambda: outbox_db.unsent_count(self.context) == 0,
            what='the outbox to drain')
        self.assertEqual(['task.create', 'task.processing', 'task.success'],
                         [row['event_type'] for row in sender.delivered])
        self.assertEqual(4 + 3, len(sender.attempts))

    def test_stop_sends_what_was_committed_before(self):
        # The worst moment to stop: a pass has just found the outbox
        # empty, then a row commits and stop() is called before the relay
        # thread looks at its stop flag. That row must still leave.
        committed = threading.Event()
        test = self

        class Interleaved(relay_mod.OutboxRelay):
            interleave = True

            def relay_once(self):
                drained = super().relay_once()
                if self.interleave:
                    self.interleave = False
                    test.new_task()
                    committed.set()
                    time.sleep(0.3)  # stop() is called meanwhile
                return drained

        sender = FlakySender(0)
        relay = Interleaved(sender, poll_interval=0.01)
        relay.start()
        self.assertTrue(committed.wait(10))
        relay.stop()

        self.assertEqual(0, outbox_db.unsent_count(self.context))
        self.assertEqual(['task.create'],
                         [row['event_type'] for row in sender.delivered])

    def test_outbox_survives_the_relay(self):
        # A relay that stops while the bus is down leaves the rows for the
        # next one (a restarted process): nothing is lost.
        task = self.new_task()
        self.walk(task)
        down = relay_mod.OutboxRelay(FlakySender(10**6), poll_interval=0.01)
        down.start()
        gt_fixtures.wait_for(lambda: self.outbox()[0]['attempts'] >= 2,
                             what='delivery attempts')
        down.stop()
        self.assertEqual(3, outbox_db.unsent_count(self.context))

        sender = FlakySender(0)
        self.assertTrue(relay_mod.OutboxRelay(sender).relay_once())
        self.assertEqual([row['message_id'] for row in self.outbox()],
                         [row['message_id'] for row in sender.delivered])


class LeaseTest(OutboxTestCase):
    """Many processes relay; the holder of the lease alone sends."""

    def relay(self, sender, lease=30, start=True):
        relay = relay_mod.OutboxRelay(sender, poll_interval=0.01,
                                      lease_duration=lease)
        if start:
            relay.start()
            self.addCleanup(relay.stop)
        return relay

    def test_only_the_holder_sends_each_row_once_in_order(self):
        senders = [FlakySender(0) for _ in range(3)]
        relays = [self.relay(sender) for sender in senders]
        for _ in range(20):
            self.walk(self.new_task())
            for relay in relays:
                relay.wake()

        gt_fixtures.wait_for(
            lambda: outbox_db.unsent_count(self.context) == 0,
            what='the outbox to drain')
        delivered = [[row['id'] for row in sender.delivered]
                     for sender in senders]
        [ids] = [ids for ids in delivered if ids]
        self.assertEqual([row['id'] for row in self.outbox()], ids)
        self.assertEqual(60, sum(len(ids) for ids in delivered))

    def test_a_clean_stop_hands_the_duty_over_at_once(self):
        first, second = FlakySender(0), FlakySender(0)
        holder = self.relay(first, start=False)
        self.assertTrue(holder.relay_once())
        self.relay(second)
        holder.stop()

        self.walk(self.new_task())
        # Far sooner than the 30 s lease: the holder released it.
        gt_fixtures.wait_for(lambda: len(second.delivered) == 3,
                             timeout=5, what='the second relay to send')
        self.assertEqual([], first.delivered)

    def test_a_running_relay_that_stops_hands_over_at_once(self):
        first, second = FlakySender(0), FlakySender(0)
        holder = self.relay(first)
        gt_fixtures.wait_for(holder.lease.held, what='the first to hold')
        waiting = self.relay(second)
        holder.stop()
        # Released from its own thread once its last pass ended; never
        # taken back.
        self.assertFalse(holder.lease.hold())

        self.walk(self.new_task())
        gt_fixtures.wait_for(lambda: len(second.delivered) == 3,
                             timeout=5, what='the second relay to send')
        self.assertTrue(waiting.lease.held())

    def test_a_relay_stuck_sending_at_stop_lets_its_lease_lapse(self):
        # Its send may still be in flight: releasing would let another
        # process send beside it, so it only stops taking the lease.
        entered, unblock = threading.Event(), threading.Event()

        class Stuck(FlakySender):
            def send(self, row):
                entered.set()
                unblock.wait(10)
                super().send(row)

        self.walk(self.new_task())
        stuck = self.relay(Stuck(0))
        self.addCleanup(unblock.set)
        self.assertTrue(entered.wait(10))
        stuck.stop(timeout=0.2)

        self.assertFalse(stuck.lease.held())
        self.assertFalse(stuck.lease.hold())
        other = self.relay(FlakySender(0), start=False)
        self.assertTrue(other.relay_once())
        self.assertFalse(other.lease.held())  # not released: still held
        unblock.set()

    def test_a_dead_holder_is_taken_over_once_its_lease_ends(self):
        clock = self.useFixture(utils_fixture.TimeFixture())
        dead, alive = FlakySender(0), FlakySender(0)
        # Takes the lease and is never heard of again (SIGKILL).
        self.assertTrue(self.relay(dead, start=False).relay_once())
        other = self.relay(alive, start=False)
        self.walk(self.new_task())

        self.assertTrue(other.relay_once())
        self.assertEqual([], alive.delivered)
        clock.advance_time_seconds(29)
        self.assertTrue(other.relay_once())
        self.assertEqual([], alive.delivered)
        clock.advance_time_seconds(2)
        self.assertTrue(other.relay_once())
        self.assertEqual(3, len(alive.delivered))

    def test_a_holder_stops_sending_once_its_hold_lapses(self):
        # The first send blocks past the local hold (half the lease);
        # meanwhile the lease ends and another relay takes it over. The
        # slow holder must not send the rest behind the new holder's back.
        self.walk(self.new_task())
        clock = self.useFixture(utils_fixture.TimeFixture())
        other_sender = FlakySender(0)
        other = self.relay(other_sender, lease=3, start=False)

        class Slow(FlakySender):
            def send(self, row):
                super().send(row)
                clock.advance_time_seconds(4)
                self.took_over = other.relay_once()
                time.sleep(1.6)

        slow_sender = Slow(0)
        slow = self.relay(slow_sender, lease=3, start=False)
        self.assertTrue(slow.relay_once())

        self.assertTrue(slow_sender.took_over)
        self.assertEqual(1, len(slow_sender.delivered))
        self.assertEqual(3, len(other_sender.delivered))
        self.assertFalse(slow.lease.held())
        self.assertEqual(0, outbox_db.unsent_count(self.context))


class ServiceDeliveryTest(gt_fixtures.ServiceTestCase):
    """The whole service while the bus is down, then back."""

    def test_tasks_finish_while_the_bus_is_down(self):
        sender = FlakySender(2, deliver_to=sender_mod.Sender(self.conf))
        service = self.make_service(sender=sender)
        tasks = [service.create_task(self.context, 'noop',
                                     {'atoms': 2, 'fail_at': fail_at})
                 for fail_at in (5, 1, 5)]
        for task in tasks:
            self.wait_until_finished(service, task.id)
        gt_fixtures.wait_for(
            lambda: outbox_db.unsent_count(self.context) == 0,
            timeout=30, what='the outbox to drain')

        # Every row went out once, in commit order, with the message id
        # of its first (failed) attempt.
        rows = self.db.rows('notification_outbox', order_by='id')
        self.assertEqual([row['id'] for row in rows],
                         [row['id'] for row in sender.delivered])
        first_try = {}
        for row_id, message_id in sender.attempts:
            first_try.setdefault(row_id, message_id)
        self.assertEqual({row['id']: row['message_id'] for row in rows},
                         first_try)
        self.assertEqual(2, rows[0]['attempts'])
        for task, last in zip(tasks, ('task.success', 'task.failure',
                                      'task.success')):
            self.assertEqual(['task.create', 'task.processing', last],
                             self.notifications.event_types(task.id))
