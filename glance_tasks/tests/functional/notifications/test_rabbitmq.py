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

"""Notifications over a real RabbitMQ, received by a real listener.

Needs RabbitMQ on localhost:5672 (guest/guest), as ``tools/start-services.sh``
starts it. Skipped when it is absent, unless GLANCE_TASKS_REQUIRE_SERVICES is
set, which turns the skip into a failure.
"""

import os
import shutil
import socket
import subprocess
import threading

import oslo_messaging
from oslo_utils import uuidutils

from glance_tasks.db import outbox as outbox_db
from glance_tasks.tests import base
from glance_tasks.tests.unit.engine import fixtures as engine_fixtures

RABBIT_URL = os.environ.get('GLANCE_TASKS_TEST_RABBIT_URL',
                            'rabbit://guest:guest@127.0.0.1:5672/')
EVENTS = ['task.create', 'task.processing', 'task.success']


def rabbit_reachable(host='127.0.0.1', port=5672):
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


class Recorder:
    """A notification endpoint that keeps what it receives, in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        with self.lock:
            self.received.append((payload['id'], event_type,
                                  metadata['message_id']))
        return oslo_messaging.NotificationResult.HANDLED

    def events_of(self, task_id):
        with self.lock:
            return [event for tid, event, _mid in self.received
                    if tid == task_id]

    def message_ids(self):
        with self.lock:
            return [mid for _tid, _event, mid in self.received]


class RabbitTestCase(engine_fixtures.ServiceTestCase):
    """A task service publishing to RabbitMQ, and a listener on its topic."""

    def setUp(self):
        super().setUp()
        if not rabbit_reachable():
            message = 'RabbitMQ is not running on 127.0.0.1:5672'
            if base.services_required():
                self.fail(message)
            self.skipTest(message)
        self.topic = 'gt_test_%s' % uuidutils.generate_uuid(dashed=False)
        group = 'oslo_messaging_notifications'
        self.conf.set_override('driver', ['messagingv2'], group=group)
        self.conf.set_override('transport_url', RABBIT_URL, group=group)
        self.conf.set_override('topics', [self.topic], group=group)
        self.conf.set_override('max_workers', 4, group='task_executor')
        self.recorder = Recorder()
        self._start_listener()

    def _start_listener(self):
        transport = oslo_messaging.get_notification_transport(
            self.conf, url=RABBIT_URL)
        listener = oslo_messaging.get_notification_listener(
            transport, [oslo_messaging.Target(topic=self.topic)],
            [self.recorder], executor='threading')
        listener.start()
        self.addCleanup(transport.cleanup)
        self.addCleanup(listener.wait)
        self.addCleanup(listener.stop)

    def create_noop(self, service, count, **task_input):
        task_input.setdefault('atoms', 1)
        return [service.create_task(self.context, 'noop', dict(task_input)).id
                for _ in range(count)]

    def wait_all_events(self, task_ids, timeout=120):
        engine_fixtures.wait_for(
            lambda: all(len(self.recorder.events_of(t)) >= len(EVENTS)
                        for t in task_ids),
            timeout=timeout, what='every notification of every task')

    def assert_in_order(self, task_ids):
        for task_id in task_ids:
            self.assertEqual(EVENTS, self.recorder.events_of(task_id),
                             'events of task %s' % task_id)


class TestRabbitDelivery(RabbitTestCase):

    def test_listener_gets_every_event_of_100_tasks_in_order(self):
        service = self.make_service()
        task_ids = self.create_noop(service, 100)
        self.wait_all_events(task_ids)
        self.assert_in_order(task_ids)
        self.assertEqual(0, outbox_db.unsent_count(self.context))


class TestRabbitOutage(RabbitTestCase):
    """Stop RabbitMQ while tasks run; every notification still arrives."""

    def setUp(self):
        super().setUp()
        if shutil.which('rabbitmqctl') is None:
            self.fail('rabbitmqctl is needed to stop and start RabbitMQ')

    def _rabbitmqctl(self, *args):
        subprocess.run(['rabbitmqctl', '-q'] + list(args), check=True,
                       timeout=120, stdout=subprocess.DEVNULL)

    def test_notifications_survive_a_broker_outage(self):
        service = self.make_service()
        before = self.create_noop(service, 5)
        self.wait_all_events(before)
        self._rabbitmqctl('stop_app')
        self.addCleanup(self._rabbitmqctl, 'start_app')
        during = self.create_noop(service, 20)
        engine_fixtures.wait_for(
            lambda: all(service.get_task(self.context, t).status == 'success'
                        for t in during),
            timeout=120, what='tasks to finish during the outage')
        self.assertGreater(outbox_db.unsent_count(self.context), 0)
        self._rabbitmqctl('start_app')
        self.wait_all_events(before + during, timeout=180)
        self.assert_in_order(before + during)
        engine_fixtures.wait_for(
            lambda: outbox_db.unsent_count(self.context) == 0,
            what='the outbox to drain')
