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

"""Deliver one notification through oslo.messaging, or raise.

oslo.messaging's ``Notifier`` and its ``messaging`` driver catch and log
every delivery error (with the payload). An outbox must know whether a
message left, so the message-bus drivers are driven here through the
transport's notification call, which raises on failure; other drivers
(``log``, ``test``, ``noop``, ``routing``) are loaded as oslo.messaging
loads them.
"""

import oslo_messaging
from oslo_utils import timeutils
from stevedore import named

from glance_tasks.common import internals

# Driver name -> message envelope version, as oslo.messaging sends them.
_BUS_DRIVERS = {'messaging': '1.0', 'messagingv2': '2.0'}


class DeliveryFailed(Exception):
    """The bus did not take a notification; it stays in the outbox."""


class Sender:
    """Sends stored notifications to every configured driver."""

    def __init__(self, conf, transport=None, retry=1):
        group = conf.oslo_messaging_notifications
        self._topics = list(group.topics)
        self._retry = retry
        self._transport = transport or \
            oslo_messaging.get_notification_transport(conf)
        names = list(group.driver)
        self._bus_versions = [_BUS_DRIVERS[name] for name in names
                              if name in _BUS_DRIVERS]
        self._others = named.NamedExtensionManager(
            'oslo.messaging.notify.drivers',
            names=[name for name in names if name not in _BUS_DRIVERS],
            invoke_on_load=True, invoke_args=[conf],
            invoke_kwds={'topics': self._topics,
                         'transport': self._transport})

    def send(self, row):
        """Deliver the outbox ``row``; raise :class:`DeliveryFailed`."""
        message = {
            'message_id': row['message_id'],
            'publisher_id': row['publisher_id'],
            'event_type': row['event_type'],
            'priority': row['priority'],
            'payload': row['payload'],
            'timestamp': str(row['created_at'] or timeutils.utcnow()),
        }
        context = row['context']
        for version in self._bus_versions:
            self._send_to_bus(context, message, version)
        for extension in self._others.extensions:
            extension.obj.notify(context, message, row['priority'],
                                 self._retry)

    def _send_to_bus(self, context, message, version):
        priority = message['priority'].lower()
        for topic in self._topics:
            target = oslo_messaging.Target(topic='%s.%s' % (topic, priority))
            try:
                internals.send_notification(
                    self._transport, target, context, message,
                    version=version, retry=self._retry)
            except Exception as exc:
                raise DeliveryFailed('%s: %s' % (type(exc).__name__,
                                                 exc)) from exc

    def close(self):
        self._transport.cleanup()
