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

"""The sender: one stored notification out through oslo.messaging.

The message-bus drivers are driven through the transport (so a failure
raises instead of being logged away); a real oslo.messaging notification
listener on the in-memory ``fake`` transport must understand what they
send. Other drivers are loaded as oslo.messaging loads them.
"""

import datetime
import threading

import oslo_messaging
from oslo_messaging.notify import _impl_test

from glance_tasks.notifications import sender as sender_mod
from glance_tasks.tests import base
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures

GROUP = 'oslo_messaging_notifications'

ROW = {
    'id': 7,
    'message_id': '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
    'event_type': 'task.success',
    'priority': 'INFO',
    'publisher_id': 'image.host-1',
    'payload': {'id': 'task-1', 'status': 'success',
                'result': {'atoms': 3}},
    'context': {'request_id': 'req-1', 'user_id': 'user-a',
                'project_id': 'project-a'},
    'created_at': datetime.datetime(2026, 11, 27, 7, 18, 17, 123456),
    'attempts': 0,
}


class Endpoint:
    """Collects what an oslo.messaging listener hands its endpoints."""

    def __init__(self):
        self.received = []
        self.arrived = threading.Event()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.received.append({'ctxt': ctxt, 'publisher_id': publisher_id,
                              'event_type': event_type, 'payload': payload,
                              'metadata': metadata})
        self.arrived.set()


class BrokenTransport:
    """A transport whose broker refuses everything (a process edge)."""

    def __init__(self):
        self.calls = 0

    def _send_notification(self, target, ctxt, message, version, retry):
        self.calls += 1
        raise ConnectionRefusedError(111, 'Connection refused')

    def cleanup(self):
        pass


class SenderTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('transport_url', 'fake:/', group=GROUP)

    def test_test_driver_gets_the_stored_envelope(self):
        self.useFixture(gt_fixtures.CapturedNotifications(self.conf))
        sender = sender_mod.Sender(self.conf)
        self.addCleanup(sender.close)

        sender.send(ROW)

        self.assertEqual(1, len(_impl_test.NOTIFICATIONS))
        ctxt, message, priority, retry = _impl_test.NOTIFICATIONS[0]
        self.assertEqual(ROW['context'], ctxt)
        self.assertEqual('INFO', priority)
        self.assertEqual({
            'message_id': ROW['message_id'],
            'publisher_id': 'image.host-1',
            'event_type': 'task.success',
            'priority': 'INFO',
            'payload': ROW['payload'],
            'timestamp': '2026-11-27 07:18:17.123456',
        }, message)

    def test_bus_driver_reaches_a_real_listener(self):
        self.conf.set_override('driver', ['messagingv2'], group=GROUP)
        self.conf.set_override('topics', ['notifications'], group=GROUP)
        transport = oslo_messaging.get_notification_transport(self.conf)
        endpoint = Endpoint()
        listener = oslo_messaging.get_notification_listener(
            transport, [oslo_messaging.Target(topic='notifications')],
            [endpoint], executor='threading')
        listener.start()
        self.addCleanup(listener.wait)
        self.addCleanup(listener.stop)
        sender = sender_mod.Sender(self.conf, transport=transport)

        sender.send(ROW)

        self.assertTrue(endpoint.arrived.wait(10))
        [got] = endpoint.received
        self.assertEqual('task.success', got['event_type'])
        self.assertEqual('image.host-1', got['publisher_id'])
        self.assertEqual(ROW['payload'], got['payload'])
        # Consumers drop duplicates by this id: it is the stored one.
        self.assertEqual(ROW['message_id'], got['metadata']['message_id'])
        self.assertEqual('2026-11-27 07:18:17.123456',
                         got['metadata']['timestamp'])
        self.assertEqual('req-1', got['ctxt']['request_id'])

    def test_bus_failure_raises_delivery_failed(self):
        self.conf.set_override('driver', ['messaging'], group=GROUP)
        transport = BrokenTransport()
        sender = sender_mod.Sender(self.conf, transport=transport)

        exc = self.assertRaises(sender_mod.DeliveryFailed, sender.send, ROW)

        self.assertEqual(1, transport.calls)
        self.assertIn('ConnectionRefusedError', str(exc))
        self.assertIn('Connection refused', str(exc))

    def test_every_configured_driver_gets_it(self):
        notes = self.useFixture(gt_fixtures.CapturedNotifications(self.conf))
        self.conf.set_override('driver', ['test', 'noop', 'test'],
                               group=GROUP)
        sender = sender_mod.Sender(self.conf)

        sender.send(ROW)

        # stevedore loads a named driver once, however often it is named.
        self.assertEqual([ROW['message_id']],
                         [m['message_id'] for m in notes.messages])
