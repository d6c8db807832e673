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

"""Every ordered pair of task statuses, against DESIGN.md §1's table.

The expected table is written out here by hand from the design document,
not read from :mod:`glance_tasks.domain.task`, so a change to the code's
table that the design does not make fails one named test per pair.
"""

import datetime

import testscenarios

from glance_tasks.domain import task as task_domain
from glance_tasks import exception
from glance_tasks.tests import base
from glance_tasks.tests.unit.domain import status_tables

load_tests = testscenarios.load_tests_apply_scenarios

# DESIGN.md §1, "Task statuses — exactly these, no others".
STATUSES = ('pending', 'processing', 'success', 'failure')
ALLOWED = {
    'pending': {'processing', 'failure'},
    'processing': {'success', 'failure'},
    'success': set(),
    'failure': set(),
}

NOW = datetime.datetime(2026, 11, 27, 12, 0, 0)
CREATED = datetime.datetime(2026, 11, 27, 11, 0, 0)
TTL_HOURS = 5


def _task(status, **extra):
    values = dict(id='3f2a2d0e-8d6c-4a3b-9a49-7f0f3c2b1a00', type='import',
                  status=status, owner='project-a', input={'x': 1},
                  created_at=CREATED, updated_at=CREATED)
    values.update(extra)
    return task_domain.Task(**values)


class TestEveryTaskStatusPair(status_tables.StatusPairTests, base.TestCase):
    """One test per ordered (from, to) pair: 4 x 4 = 16 tests."""

    scenarios = status_tables.pair_scenarios(STATUSES, ALLOWED)
    TABLE = task_domain.TABLE
    REFUSED = exception.InvalidTaskStatusTransition
    NOW = NOW

    def make(self, status):
        return _task(status)

    def move(self, before, to_status):
        return task_domain.transition(
            before, to_status, ttl_hours=TTL_HOURS, now=NOW,
            result={'image_id': 'abc'}, message='disk full')


class TestTaskTableShape(status_tables.StatusTableShapeTests, base.TestCase):
    TABLE = task_domain.TABLE
    STATUSES = STATUSES
    ALLOWED = ALLOWED
    TERMINAL = ('success', 'failure')
    INITIAL = 'pending'


class TestTaskTransitionEffects(base.TestCase):

    def test_success_sets_result_and_expiry(self):
        after = task_domain.transition(
            _task('processing'), 'success', ttl_hours=TTL_HOURS, now=NOW,
            result={'image_id': 'abc'})
        self.assertEqual({'image_id': 'abc'}, after.result)
        self.assertIsNone(after.message)
        self.assertEqual(NOW + datetime.timedelta(hours=TTL_HOURS),
                         after.expires_at)

    def test_failure_sets_message_and_expiry(self):
        for from_status in ('pending', 'processing'):
            after = task_domain.transition(
                _task(from_status), 'failure', ttl_hours=48, now=NOW,
                message='The image data could not be read.')
            self.assertEqual('The image data could not be read.',
                             after.message)
            self.assertIsNone(after.result)
            self.assertEqual(datetime.datetime(2026, 11, 29, 12, 0, 0),
                             after.expires_at)

    def test_processing_sets_no_expiry(self):
        after = task_domain.transition(
            _task('pending'), 'processing', ttl_hours=TTL_HOURS, now=NOW)
        self.assertIsNone(after.expires_at)
        self.assertEqual({'status': 'processing'},
                         task_domain.status_changes(
                             'pending', 'processing', ttl_hours=TTL_HOURS,
                             now=NOW))

    def test_refused_move_leaves_result_and_message(self):
        # Glance set result/message before checking the move; we must not.
        before = _task('success', result={'image_id': 'old'},
                       expires_at=NOW)
        self.assertRaises(exception.InvalidTaskStatusTransition,
                          task_domain.transition, before, 'failure',
                          ttl_hours=TTL_HOURS, now=NOW,
                          message='overwritten?')
        self.assertEqual({'image_id': 'old'}, before.result)
        self.assertIsNone(before.message)
        self.assertEqual(NOW, before.expires_at)
        self.assertEqual('success', before.status)

    def test_refused_status_changes_returns_nothing(self):
        self.assertRaises(exception.InvalidTaskStatusTransition,
                          task_domain.status_changes, 'failure', 'success',
                          ttl_hours=TTL_HOURS, now=NOW, result={'a': 1})

    def test_task_is_frozen(self):
        task = _task('pending')
        self.assertRaises(AttributeError, setattr, task, 'status',
                          'success')


class TestUnknownTaskStatus(base.TestCase):

    def test_unknown_target(self):
        exc = self.assertRaises(exception.UnknownStatus,
                                task_domain.transition, _task('pending'),
                                'queued', ttl_hours=TTL_HOURS, now=NOW)
        self.assertIn("'queued' is not a task status", str(exc))

    def test_unknown_source(self):
        self.assertRaises(exception.UnknownStatus,
                          task_domain.status_changes, 'running',
                          'success', ttl_hours=TTL_HOURS, now=NOW)

    def test_validate(self):
        self.assertEqual('pending', task_domain.TABLE.validate('pending'))
        self.assertRaises(exception.UnknownStatus,
                          task_domain.TABLE.validate, 'PENDING')
        self.assertRaises(exception.UnknownStatus,
                          task_domain.TABLE.validate, None)
