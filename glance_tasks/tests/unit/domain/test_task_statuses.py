"""Every ordered pair of task statuses, against DESIGN.md §1's table.

The expected table is written out here by hand from the design document,
not read from :mod:`glance_tasks.domain.task`, so a change to the code's
table that the design does not make fails one named test per pair.
"""

import datetime
import itertools

import testscenarios

from glance_tasks.domain import task as task_domain
from glance_tasks import exception
from glance_tasks.tests import base

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


class TestEveryTaskStatusPair(base.TestCase):
    """One test per ordered (from, to) pair: 4 x 4 = 16 tests."""

    scenarios = [
        ('%s_to_%s' % (from_status, to_status),
         {'from_status': from_status, 'to_status': to_status,
          'allowed': to_status in ALLOWED[from_status]})
        for from_status, to_status in itertools.product(STATUSES, STATUSES)
    ]

    def test_transition(self):
        before = _task(self.from_status)
        if self.allowed:
            after = task_domain.transition(
                before, self.to_status, ttl_hours=TTL_HOURS, now=NOW,
                result={'image_id': 'abc'}, message='disk full')
            self.assertEqual(self.to_status, after.status)
            self.assertEqual(NOW, after.updated_at)
        else:
            exc = self.assertRaises(
                exception.InvalidTaskStatusTransition,
                task_domain.transition, before, self.to_status,
                ttl_hours=TTL_HOURS, now=NOW,
                result={'image_id': 'abc'}, message='disk full')
            self.assertIn(self.from_status, str(exc))
            self.assertIn(self.to_status, str(exc))
        # The object handed in never changes, allowed move or not.
        self.assertEqual(_task(self.from_status), before)

    def test_table_agrees(self):
        self.assertEqual(
            self.allowed,
            task_domain.TABLE.is_allowed(self.from_status, self.to_status))


class TestTaskTableShape(base.TestCase):

    def test_exactly_these_statuses(self):
        self.assertEqual(set(STATUSES), set(task_domain.TABLE.statuses))

    def test_terminal_statuses(self):
        self.assertEqual({'success', 'failure'}, task_domain.TABLE.terminal)

    def test_initial_status(self):
        self.assertEqual('pending', task_domain.TABLE.initial)


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
