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

"""The notifications reference cannot drift from what the service sends.

A real run produces one notification of every task event type; with its
ids and times replaced by fixed ones, each must equal the sample file the
reference page (``doc/source/reference/notifications.rst``) includes.
After a deliberate change of the notifications, write the samples again::

    GLANCE_TASKS_REGEN_SAMPLES=1 stestr run test_doc_samples
"""

import datetime
import json
import os
import re

import glance_tasks
from glance_tasks import context as gt_context
from glance_tasks.notifications import events
from glance_tasks.tests.unit.engine import fixtures as gt_fixtures

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(
    glance_tasks.__file__)), os.pardir, 'doc', 'source', 'reference')
PAGE = os.path.join(REFERENCE, 'notifications.rst')
SAMPLES = os.path.join(REFERENCE, 'samples')
REGENERATE = os.environ.get('GLANCE_TASKS_REGEN_SAMPLES', '') not in (
    '', '0')

TASK_EVENTS = sorted(value for name, value in vars(events).items()
                     if name.startswith('TASK_') and isinstance(value, str))

# Fixed values that replace the ones of the run.
T0 = datetime.datetime(2026, 11, 27, 7, 18, 17)
OWNER = '1c2d3e4f5a6b47c8a9d0e1f2a3b4c5d6'
USER = '8a9b0c1d2e3f44a5b6c7d8e9f0a1b2c3'
REQUEST_ID = 'req-5b0e37c2-4f1a-4c79-9a4d-0f3c9d1e2b6a'
TASK_IDS = {'success': '0e5f3a8c-7d2b-4c1e-9f6a-2b8d4e6c1a3f',
            'failure': 'a1c9e7b5-3d2f-4e8a-b6c4-d2e0f8a6c4b2'}
MESSAGE_IDS = {
    events.TASK_CREATE: '3d4c5b6a-7f8e-4d9c-8b1a-0f2e3d4c5b6a',
    events.TASK_PROCESSING: '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
    events.TASK_SUCCESS: 'c2b3a4d5-e6f7-4081-9a2b-3c4d5e6f7a8b',
    events.TASK_FAILURE: 'e9f8a7b6-c5d4-4e3f-8a2b-1c0d9e8f7a6b',
    events.TASK_DELETE: '5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f',
}
# Seconds after T0 at which each event of the sample run happens.
AT = {events.TASK_CREATE: 0, events.TASK_PROCESSING: 1,
      events.TASK_SUCCESS: 4, events.TASK_FAILURE: 4,
      events.TASK_DELETE: 600}
TTL_HOURS = 48


def _iso(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def normalise(message, task_id):
    """``message`` with fixed ids and times; the rest as it was sent."""
    event = message['event_type']
    at = T0 + datetime.timedelta(seconds=AT[event])
    ended = AT[events.TASK_SUCCESS]
    payload = dict(message['payload'])
    payload['id'] = task_id
    payload['request_id'] = REQUEST_ID
    payload['created_at'] = _iso(T0)
    if payload['updated_at'] is not None:
        payload['updated_at'] = _iso(at)
    if payload['expires_at'] is not None:
        payload['expires_at'] = _iso(
            T0 + datetime.timedelta(seconds=ended, hours=TTL_HOURS))
    if payload['deleted_at'] is not None:
        payload['deleted_at'] = _iso(at)
    if '.' in message['timestamp']:  # keep its precision, not its value
        at = at.replace(microsecond=123456)
    return dict(message, payload=payload, message_id=MESSAGE_IDS[event],
                timestamp=str(at))


def render(sample):
    return json.dumps(sample, indent=4, sort_keys=True) + '\n'


class DocSamplesTest(gt_fixtures.ServiceTestCase):

    def setUp(self):
        super().setUp()
        if not os.path.isdir(REFERENCE):
            self.skipTest('documentation sources not present')
        self.conf.set_override('task_time_to_live', TTL_HOURS, group='task')
        self.context = gt_context.RequestContext(project_id=OWNER,
                                                 user_id=USER)

    def produce_samples(self):
        """One real notification of every task event type, normalised."""
        service = self.make_service()
        ok = service.create_task(self.context, 'noop', {'atoms': 3})
        failed = service.create_task(self.context, 'noop',
                                     {'atoms': 3, 'fail_at': 1})
        for task in (ok, failed):
            self.wait_until_finished(service, task.id)
        service.lifecycle.delete(self.context, ok.id)
        self.wait_for_events(ok.id, 4)
        self.wait_for_events(failed.id, 3)
        samples = {}
        for task, fixed_id in ((ok, TASK_IDS['success']),
                               (failed, TASK_IDS['failure'])):
            for message in self.notifications.of_task(task.id):
                # The failed task's first events are like the other's.
                samples.setdefault(message['event_type'],
                                   normalise(message, fixed_id))
        return samples

    def sample_path(self, event):
        return os.path.join(SAMPLES, '%s.json' % event)

    def test_committed_samples_are_what_the_service_sends(self):
        samples = self.produce_samples()
        self.assertEqual(TASK_EVENTS, sorted(samples))
        if REGENERATE:
            os.makedirs(SAMPLES, exist_ok=True)
            for event, sample in samples.items():
                with open(self.sample_path(event), 'w') as f:
                    f.write(render(sample))
        for event, sample in samples.items():
            path = self.sample_path(event)
            self.assertTrue(os.path.exists(path), 'missing sample %s; '
                            'set GLANCE_TASKS_REGEN_SAMPLES=1' % path)
            with open(path) as f:
                self.assertEqual(render(sample), f.read(),
                                 'sample %s differs from what the service '
                                 'sends; regenerate it if that is meant'
                                 % path)

    def test_page_lists_and_includes_every_event_type(self):
        with open(PAGE) as f:
            page = f.read()
        included = re.findall(r'^\.\. literalinclude:: samples/(\S+)\.json$',
                              page, re.MULTILINE)
        self.assertEqual(TASK_EVENTS, sorted(included))
        for event in TASK_EVENTS:
            self.assertIn('``%s``' % event, page)
        self.assertEqual(sorted(os.listdir(SAMPLES)),
                         sorted('%s.json' % event for event in TASK_EVENTS))

    def test_page_lists_every_payload_field(self):
        with open(PAGE) as f:
            page = f.read()
        with open(self.sample_path(events.TASK_SUCCESS)) as f:
            fields = json.load(f)['payload']
        for field in fields:
            self.assertRegex(page, r'(?m)^``%s``$' % field)
