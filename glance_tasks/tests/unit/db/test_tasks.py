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

"""Task database functions on a real database (SQLite here).

The tests live in mixins (:class:`TaskDbTests`, :class:`TaskSortTests`)
so that ``tests/functional/db/test_backends.py`` reruns them unchanged on
MySQL/MariaDB and PostgreSQL by combining them with another ``FIXTURE``.
"""

import datetime

from oslo_utils import timeutils
from oslo_utils import uuidutils
import testscenarios

from glance_tasks.db import requesters as requester_db
from glance_tasks.db.sqlalchemy import models
from glance_tasks.db import tasks as task_db
from glance_tasks import exception
from glance_tasks.tests import base
from glance_tasks.tests.unit.db import helpers
from glance_tasks.tests.unit.db import listing

load_tests = testscenarios.load_tests_apply_scenarios

T0 = helpers.T0
OWNER = 'project-a'
OTHER_OWNER = 'project-b'
TTL = 48
_minutes = helpers.minutes


class TaskDbMixin(helpers.DbHelpers):
    """Task helpers shared by the task test mixins."""

    def create_task(self, **values):
        values.setdefault('id', uuidutils.generate_uuid())
        values.setdefault('type', 'import')
        values.setdefault('owner', OWNER)
        values.setdefault('input', {'import_from': 'http://x/cirros.img'})
        return task_db.create(self.context, values)

    def move(self, task_id, *statuses, ttl_hours=TTL, **kwargs):
        """Walk a task through ``statuses`` (from its current one)."""
        task = task_db.get(self.context, task_id, include_expired=True)
        for status in statuses:
            task = task_db.update_status(self.context, task_id, task.status,
                                         status, ttl_hours=ttl_hours,
                                         **kwargs)
        return task

    def list_ids(self, **kwargs):
        return [t.id for t in task_db.list_tasks(self.context, **kwargs)]

    def raw_task(self, task_id):
        """The task's row and its task_info row, read past our functions."""
        [task] = self.select_rows(models.Task, id=task_id) or [None]
        [info] = self.select_rows(models.TaskInfo, task_id=task_id) or [None]
        return task, info


class TaskDbTests(TaskDbMixin, listing.ListInputTests):
    """Create, read, list, move, delete and purge tasks."""

    UNKNOWN_SORT_KEY = 'input'
    UNKNOWN_FILTER = 'input'
    UNKNOWN_STATUS = 'running'

    # -- create and get ---------------------------------------------------

    def test_create_is_pending_with_input(self):
        self.set_clock(T0)
        task = self.create_task(type='import', owner=OWNER,
                                input={'import_from': 'http://x/a.img',
                                       'import_from_format': 'qcow2'},
                                user_id='user-1', request_id='req-1')
        self.assertEqual('pending', task.status)
        self.assertEqual({'import_from': 'http://x/a.img',
                          'import_from_format': 'qcow2'}, task.input)
        self.assertEqual(T0, task.created_at)
        self.assertIsNone(task.expires_at)
        got = task_db.get(self.context, task.id)
        self.assertEqual(task, got)
        self.assertEqual('user-1', got.user_id)
        self.assertEqual('req-1', got.request_id)
        self.assertFalse(got.deleted)

    def test_create_duplicate_id_changes_nothing(self):
        task = self.create_task(input={'first': True})
        exc = self.assertRaises(exception.Duplicate, self.create_task,
                                id=task.id, type='noop',
                                input={'second': True})
        self.assertIn(task.id, str(exc))
        self.assertEqual(task, task_db.get(self.context, task.id))
        self.assertEqual(1, self.count_rows('tasks'))
        self.assertEqual(1, self.count_rows('task_info'))

    def test_create_many_inserts_each_task_with_its_input_in_order(self):
        self.set_clock(T0)
        values = [{'id': uuidutils.generate_uuid(), 'type': 'noop',
                   'owner': OWNER, 'input': {'n': n},
                   'request_id': 'req-%d' % n} for n in range(3)]
        values[1]['image_id'] = uuidutils.generate_uuid()

        tasks = task_db.create_many(self.context, values)

        self.assertEqual([v['id'] for v in values], [t.id for t in tasks])
        for given, task in zip(values, tasks):
            got = task_db.get(self.context, given['id'])
            self.assertEqual(task, got)
            self.assertEqual('pending', got.status)
            self.assertEqual(given['input'], got.input)
            self.assertEqual(given['request_id'], got.request_id)
            self.assertEqual(given.get('image_id'), got.image_id)
            self.assertEqual(T0, got.created_at)

    def test_create_many_with_a_duplicate_inserts_none(self):
        task = self.create_task(input={'first': True})
        values = [{'id': uuidutils.generate_uuid(), 'type': 'noop',
                   'owner': OWNER, 'input': {}},
                  {'id': task.id, 'type': 'noop', 'owner': OWNER,
                   'input': {'second': True}}]

        exc = self.assertRaises(exception.Duplicate, task_db.create_many,
                                self.context, values)

        self.assertIn(task.id, str(exc))
        self.assertEqual(task, task_db.get(self.context, task.id))
        self.assertEqual(1, self.count_rows('tasks'))
        self.assertEqual(1, self.count_rows('task_info'))

    def test_get_unknown_task(self):
        task_id = uuidutils.generate_uuid()
        exc = self.assertRaises(exception.TaskNotFound, task_db.get,
                                self.context, task_id)
        self.assertIn(task_id, str(exc))

    def test_get_scoped_by_owner(self):
        task = self.create_task(owner=OWNER)
        self.assertEqual(task.id,
                         task_db.get(self.context, task.id, owner=OWNER).id)
        self.assertRaises(exception.TaskNotFound, task_db.get,
                          self.context, task.id, owner=OTHER_OWNER)

    def test_get_hides_expired_unless_asked(self):
        self.set_clock(T0)
        task = self.create_task()
        self.move(task.id, 'processing', 'success', result={'image_id': 'x'})
        self.set_clock(T0 + datetime.timedelta(hours=TTL) - _minutes(1))
        self.assertEqual('success', task_db.get(self.context, task.id).status)
        self.set_clock(T0 + datetime.timedelta(hours=TTL))
        self.assertRaises(exception.TaskNotFound, task_db.get,
                          self.context, task.id)
        got = task_db.get(self.context, task.id, include_expired=True)
        self.assertEqual({'image_id': 'x'}, got.result)

    # -- list -------------------------------------------------------------

    def test_list_leaves_out_input_result_message(self):
        task = self.create_task(input={'a': 1})
        self.move(task.id, 'failure', message='The URL could not be read.')
        [listed] = task_db.list_tasks(self.context)
        self.assertEqual(task.id, listed.id)
        self.assertEqual('failure', listed.status)
        self.assertIsNone(listed.input)
        self.assertIsNone(listed.message)
        self.assertIsNone(listed.result)

    def test_list_filters(self):
        image_id = uuidutils.generate_uuid()
        a = self.create_task(type='import', owner=OWNER)
        b = self.create_task(type='noop', owner=OWNER)
        c = self.create_task(type='import', owner=OTHER_OWNER)
        self.move(b.id, 'processing')
        task_db.set_image(self.context, c.id, image_id)

        def ids(**filters):
            return {t.id for t in task_db.list_tasks(self.context,
                                                     filters=filters)}

        self.assertEqual({a.id, b.id, c.id}, ids())
        self.assertEqual({a.id, c.id}, ids(type='import'))
        self.assertEqual({b.id}, ids(type='noop'))
        self.assertEqual({b.id}, ids(status='processing'))
        self.assertEqual({a.id, c.id}, ids(status='pending'))
        self.assertEqual(set(), ids(status='success'))
        self.assertEqual({a.id, b.id}, ids(owner=OWNER))
        self.assertEqual({c.id}, ids(owner=OTHER_OWNER))
        self.assertEqual({c.id}, ids(image_id=image_id))
        self.assertEqual({a.id}, ids(type='import', owner=OWNER,
                                     status='pending'))

    def test_list_hides_expired_and_deleted(self):
        self.set_clock(T0)
        live = self.create_task()
        done = self.create_task()
        self.move(done.id, 'processing', 'success', result={})
        gone = self.create_task()
        task_db.delete(self.context, gone.id)
        failed = self.create_task()
        self.set_clock(T0 + _minutes(1))
        self.move(failed.id, 'failure', message='no space left')
        ids = {t.id for t in task_db.list_tasks(self.context)}
        self.assertEqual({live.id, done.id, failed.id}, ids)
        # done expires at T0+48h, failed one minute later.
        self.set_clock(T0 + datetime.timedelta(hours=TTL))
        ids = {t.id for t in task_db.list_tasks(self.context)}
        self.assertEqual({live.id, failed.id}, ids)
        self.set_clock(T0 + datetime.timedelta(hours=TTL, minutes=1))
        self.assertEqual([live.id],
                         [t.id for t in task_db.list_tasks(self.context)])

    def test_list_default_order_is_newest_first(self):
        ids = listing.a_minute_apart(self, self.create_task, 3)
        self.assertEqual(ids[::-1],
                         [t.id for t in task_db.list_tasks(self.context)])

    def test_paging_over_seven_tasks(self):
        expected = listing.a_minute_apart(self, self.create_task, 7)[::-1]
        self.assertEqual([expected[0:3], expected[3:6], expected[6:]],
                         listing.walk_pages(self.list_ids, 3))
        # The same pages again: paging is stable.
        self.assertEqual(expected[3:6], [t.id for t in task_db.list_tasks(
            self.context, limit=3, marker=expected[2])])

    def test_paging_with_filter(self):
        wanted = []
        for minute in range(6):
            self.set_clock(T0 + _minutes(minute))
            task = self.create_task(type='noop' if minute % 2 else 'import')
            if minute % 2:
                wanted.append(task.id)
        page1 = task_db.list_tasks(self.context, filters={'type': 'noop'},
                                   sort_dir='asc', limit=2)
        page2 = task_db.list_tasks(self.context, filters={'type': 'noop'},
                                   sort_dir='asc', limit=2,
                                   marker=page1[-1].id)
        self.assertEqual(wanted, [t.id for t in page1 + page2])

    def test_limit_zero_and_none(self):
        for _ in range(2):
            self.create_task()
        self.assertEqual([], task_db.list_tasks(self.context, limit=0))
        self.assertEqual(2, len(task_db.list_tasks(self.context, limit=None)))

    # -- bad list input ---------------------------------------------------

    def test_marker_not_a_uuid(self):
        self.assertRaises(exception.InvalidMarker, task_db.list_tasks,
                          self.context, marker='not-a-uuid')

    def test_marker_not_found(self):
        self.create_task()
        marker = uuidutils.generate_uuid()
        exc = self.assertRaises(exception.MarkerNotFound,
                                task_db.list_tasks, self.context,
                                marker=marker)
        self.assertIn(marker, str(exc))

    def test_marker_of_deleted_task_not_found(self):
        task = self.create_task()
        task_db.delete(self.context, task.id)
        self.assertRaises(exception.MarkerNotFound, task_db.list_tasks,
                          self.context, marker=task.id)

    def test_corrupt_status_in_database(self):
        task = self.create_task()
        self.assertEqual(1, self.execute_sql(
            "UPDATE tasks SET status = 'running' WHERE id = :id",
            id=task.id))
        exc = self.assertRaises(exception.CorruptStatus, task_db.get,
                                self.context, task.id)
        self.assertIn('running', str(exc))
        self.assertIn(task.id, str(exc))
        self.assertRaises(exception.CorruptStatus, task_db.list_tasks,
                          self.context)
        self.assertRaises(exception.UnknownStatus, task_db.update_status,
                          self.context, task.id, 'running', 'failure',
                          ttl_hours=TTL, message='x')
        row, info = self.raw_task(task.id)
        self.assertEqual('running', row['status'])
        self.assertIsNone(info['message'])

    # -- update_status ----------------------------------------------------

    def test_good_path_to_success(self):
        self.set_clock(T0)
        task = self.create_task()
        self.set_clock(T0 + _minutes(1))
        task = task_db.update_status(self.context, task.id, 'pending',
                                     'processing', ttl_hours=TTL)
        self.assertEqual('processing', task.status)
        self.assertEqual(T0 + _minutes(1), task.updated_at)
        self.assertIsNone(task.expires_at)
        self.set_clock(T0 + _minutes(2))
        task = task_db.update_status(self.context, task.id, 'processing',
                                     'success', ttl_hours=TTL,
                                     result={'image_id': 'img-1'})
        self.assertEqual('success', task.status)
        self.assertEqual({'image_id': 'img-1'}, task.result)
        self.assertIsNone(task.message)
        self.assertEqual(T0 + _minutes(2), task.updated_at)
        self.assertEqual(T0 + _minutes(2) + datetime.timedelta(hours=TTL),
                         task.expires_at)
        self.assertEqual(task, task_db.get(self.context, task.id))
        self.assertEqual({'import_from': 'http://x/cirros.img'}, task.input)

    def test_expiry_uses_real_clock_and_ttl(self):
        task = self.create_task()
        before = timeutils.utcnow()
        task = self.move(task.id, 'failure', ttl_hours=3, message='m')
        self.assertAbout(before + datetime.timedelta(hours=3),
                         task.expires_at)

    def test_good_path_to_failure(self):
        for path in (('failure',), ('processing', 'failure')):
            task = self.create_task()
            task = self.move(task.id, *path,
                             message='Image data is not a qcow2 file.')
            got = task_db.get(self.context, task.id)
            self.assertEqual('failure', got.status)
            self.assertEqual('Image data is not a qcow2 file.', got.message)
            self.assertIsNone(got.result)
            self.assertIsNotNone(got.expires_at)

    def test_conflict_on_wrong_from_status(self):
        self.set_clock(T0)
        task = self.create_task()
        before = self.raw_task(task.id)
        self.set_clock(T0 + _minutes(5))
        exc = self.assertRaises(exception.TaskStatusConflict,
                                task_db.update_status, self.context,
                                task.id, 'processing', 'success',
                                ttl_hours=TTL, result={'image_id': 'x'})
        self.assertIn(task.id, str(exc))
        self.assertEqual(before, self.raw_task(task.id))
        self.assertEqual('pending', task_db.get(self.context, task.id).status)

    def test_conflict_after_someone_else_moved_it(self):
        task = self.create_task()
        self.move(task.id, 'processing', 'success', result={'n': 1})
        before = self.raw_task(task.id)
        self.assertRaises(exception.TaskStatusConflict,
                          task_db.update_status, self.context, task.id,
                          'processing', 'failure', ttl_hours=TTL,
                          message='late')
        self.assertEqual(before, self.raw_task(task.id))

    def test_update_status_unknown_task(self):
        task_id = uuidutils.generate_uuid()
        self.assertRaises(exception.TaskNotFound, task_db.update_status,
                          self.context, task_id, 'pending', 'processing',
                          ttl_hours=TTL)
        self.assertEqual(0, self.count_rows('tasks'))

    def test_update_status_deleted_task(self):
        task = self.create_task()
        task_db.delete(self.context, task.id)
        before = self.raw_task(task.id)
        self.assertRaises(exception.TaskNotFound, task_db.update_status,
                          self.context, task.id, 'pending', 'processing',
                          ttl_hours=TTL)
        self.assertEqual(before, self.raw_task(task.id))

    def test_refused_transition_writes_nothing(self):
        task = self.create_task()
        before = self.raw_task(task.id)
        self.assertRaises(exception.InvalidTaskStatusTransition,
                          task_db.update_status, self.context, task.id,
                          'pending', 'success', ttl_hours=TTL,
                          result={'image_id': 'x'})
        self.assertEqual(before, self.raw_task(task.id))
        done = self.move(task.id, 'failure', message='first words')
        before = self.raw_task(task.id)
        for to_status in ('success', 'failure', 'processing', 'pending'):
            self.assertRaises(exception.InvalidTaskStatusTransition,
                              task_db.update_status, self.context, done.id,
                              'failure', to_status, ttl_hours=TTL,
                              result={'r': 1}, message='last words')
        self.assertEqual(before, self.raw_task(task.id))
        self.assertEqual('first words', before[1]['message'])

    def test_unknown_target_status_writes_nothing(self):
        task = self.create_task()
        before = self.raw_task(task.id)
        self.assertRaises(exception.UnknownStatus, task_db.update_status,
                          self.context, task.id, 'pending', 'done',
                          ttl_hours=TTL)
        self.assertEqual(before, self.raw_task(task.id))

    # -- advance: the same swap, without a read-back ------------------------

    def test_advance_returns_what_is_stored(self):
        # Real clock: the returned copy must match the row on every backend.
        task = task_db.get(self.context, self.create_task().id)
        processing = task_db.advance(self.context, task, 'processing',
                                     ttl_hours=TTL)
        self.assertEqual('processing', processing.status)
        self.assertEqual(task_db.get(self.context, task.id), processing)
        done = task_db.advance(self.context, processing, 'success',
                               ttl_hours=TTL, result={'image_id': 'i'})
        self.assertEqual({'image_id': 'i'}, done.result)
        self.assertAbout(done.updated_at + datetime.timedelta(hours=TTL),
                         done.expires_at)
        self.assertEqual(task_db.get(self.context, task.id), done)

    def test_advance_stale_copy_conflicts_and_writes_nothing(self):
        stale = task_db.get(self.context, self.create_task().id)
        self.move(stale.id, 'processing')
        before = self.raw_task(stale.id)
        self.assertRaises(exception.TaskStatusConflict, task_db.advance,
                          self.context, stale, 'failure', ttl_hours=TTL,
                          message='too late')
        self.assertEqual(before, self.raw_task(stale.id))

    def test_advance_refused_move_writes_nothing(self):
        task = task_db.get(self.context, self.create_task().id)
        before = self.raw_task(task.id)
        self.assertRaises(exception.InvalidTaskStatusTransition,
                          task_db.advance, self.context, task, 'success',
                          ttl_hours=TTL, result={'a': 1})
        self.assertEqual(before, self.raw_task(task.id))

    def test_advance_deleted_task(self):
        task = task_db.get(self.context, self.create_task().id)
        task_db.delete(self.context, task.id)
        self.assertRaises(exception.TaskNotFound, task_db.advance,
                          self.context, task, 'processing', ttl_hours=TTL)

    # -- set_image, delete, purge -----------------------------------------

    def test_set_image(self):
        self.set_clock(T0)
        task = self.create_task()
        image_id = uuidutils.generate_uuid()
        self.set_clock(T0 + _minutes(3))
        self.assertIsNone(task_db.set_image(self.context, task.id, image_id))
        got = task_db.get(self.context, task.id)
        self.assertEqual(image_id, got.image_id)
        self.assertEqual(T0 + _minutes(3), got.updated_at)
        self.assertEqual('pending', got.status)

    def test_set_image_unknown_task(self):
        self.assertRaises(exception.TaskNotFound, task_db.set_image,
                          self.context, uuidutils.generate_uuid(),
                          uuidutils.generate_uuid())

    def test_delete_soft_deletes(self):
        self.set_clock(T0)
        task = self.create_task()
        other = self.create_task()
        self.set_clock(T0 + _minutes(1))
        task_db.delete(self.context, task.id)
        self.assertRaises(exception.TaskNotFound, task_db.get,
                          self.context, task.id, include_expired=True)
        self.assertEqual([other.id],
                         [t.id for t in task_db.list_tasks(self.context)])
        row, info = self.raw_task(task.id)
        self.assertTrue(row['deleted'])
        self.assertEqual(T0 + _minutes(1), row['deleted_at'])
        self.assertIsNotNone(info)
        self.assertRaises(exception.TaskNotFound, task_db.delete,
                          self.context, task.id)
        self.assertRaises(exception.TaskNotFound, task_db.delete,
                          self.context, uuidutils.generate_uuid())

    def test_purge(self):
        self.set_clock(T0)
        live = self.create_task()
        expired = self.create_task()
        self.move(expired.id, 'processing', 'success', result={'a': 1})
        not_yet = self.create_task()
        old_deleted = self.create_task()
        task_db.delete(self.context, old_deleted.id)
        self.set_clock(T0 + datetime.timedelta(days=1))
        self.move(not_yet.id, 'failure', message='later')
        new_deleted = self.create_task()
        task_db.delete(self.context, new_deleted.id)
        self.set_clock(T0 + datetime.timedelta(hours=TTL + 1))

        removed = task_db.purge(
            self.context, deleted_before=T0 + datetime.timedelta(hours=1))

        self.assertEqual(2, removed)
        for gone in (expired, old_deleted):
            self.assertEqual((None, None), self.raw_task(gone.id))
        for kept in (live, not_yet, new_deleted):
            row, info = self.raw_task(kept.id)
            self.assertIsNotNone(row)
            self.assertIsNotNone(info)
        self.assertEqual(3, self.count_rows('tasks'))
        self.assertEqual(3, self.count_rows('task_info'))
        self.assertEqual(0, task_db.purge(
            self.context, deleted_before=T0 + datetime.timedelta(hours=1)))

    def test_purge_removes_the_requesters_of_its_tasks(self):
        self.set_clock(T0)
        kept = self.create_task()
        old = self.create_task()
        for task in (kept, old):
            requester_db.record(self.context, task.id, 'u', ['member'],
                                auth_token='secret')
        task_db.delete(self.context, old.id)

        self.assertEqual(1, task_db.purge(
            self.context, deleted_before=T0 + _minutes(1)))

        self.assertIsNone(requester_db.get(self.context, old.id))
        self.assertEqual(['member'],
                         requester_db.get(self.context, kept.id).roles)
        self.assertEqual(1, self.count_rows('task_requesters'))

    def test_purge_without_deleted_before_keeps_deleted(self):
        self.set_clock(T0)
        task = self.create_task()
        task_db.delete(self.context, task.id)
        self.assertEqual(0, task_db.purge(self.context))
        self.assertEqual(1, self.count_rows('tasks'))
        self.assertEqual(1, task_db.purge(
            self.context, deleted_before=T0 + _minutes(1)))
        self.assertEqual(0, self.count_rows('task_info'))


# The seven tasks of the sort tests: (type, created minute, moves as
# (minute, status)). Ties on every key so ``id`` must break them, and
# NULLs in updated_at and expires_at.
SORT_TASKS = (
    ('import', 0, ()),
    ('import', 1, ((10, 'processing'),)),
    ('noop', 1, ((10, 'processing'), (20, 'success'))),
    ('copy', 2, ((20, 'failure'),)),
    ('noop', 3, ()),
    ('copy', 3, ((25, 'processing'), (30, 'success'))),
    ('import', 5, ((10, 'processing'),)),
)
# DESIGN/API: the keys a task list may be sorted by.
TASK_SORT_KEYS = ('created_at', 'updated_at', 'id', 'type', 'status',
                  'expires_at')


class TaskSortTests(TaskDbMixin, listing.SortedPagesTests):
    """Each sort key and direction, whole and in pages of three."""

    scenarios = [('%s_%s' % (key, direction),
                  {'sort_key': key, 'sort_dir': direction})
                 for key in TASK_SORT_KEYS for direction in ('asc', 'desc')]

    def setUp(self):
        super().setUp()
        ids = []
        for task_type, minute, moves in SORT_TASKS:
            self.set_clock(T0 + _minutes(minute))
            ids.append(self.create_task(type=task_type,
                                        created_at=T0 + _minutes(minute)).id)
        for (_type, _minute, moves), task_id in zip(SORT_TASKS, ids):
            for minute, status in moves:
                self.set_clock(T0 + _minutes(minute))
                self.move(task_id, status, result={}, message='m')
        self.set_clock(T0 + _minutes(40))
        self.tasks = [task_db.get(self.context, task_id) for task_id in ids]
        self.expected = helpers.expected_order(
            self.tasks, self.sort_key, self.sort_dir)


class TestTaskDb(TaskDbTests, base.DbTestCase):
    pass


class TestTaskSort(TaskSortTests, base.DbTestCase):
    pass
