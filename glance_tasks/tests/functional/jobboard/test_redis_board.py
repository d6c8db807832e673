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

"""The Redis board's own look-ups, on a real Redis: what conductors ask.

Two boards on one namespace stand for two engines. Needs Redis on
127.0.0.1:6379; skipped when absent unless GLANCE_TASKS_REQUIRE_SERVICES
is set, which makes that a failure.
"""

import fixtures
from oslo_utils import uuidutils
from taskflow import exceptions as tf_exc

from glance_tasks.common import internals
from glance_tasks.engine import jobboard
from glance_tasks.tests import base
from glance_tasks.tests.functional.jobboard import fixtures as jb_fixtures


class RedisBoardTest(base.TestCase):

    EXPIRY = 30

    def setUp(self):
        super().setUp()
        if not jb_fixtures.redis_reachable():
            message = 'redis is not running on %s' % jb_fixtures.HOST
            if base.services_required():
                self.fail(message)
            self.skipTest(message)
        namespace = 'gt-test-%s' % uuidutils.generate_uuid()[:12]
        self.addCleanup(jb_fixtures.remove_board, 'redis', namespace)
        for name, value in (('backend', 'redis'),
                            ('hosts', [jb_fixtures.HOST]),
                            ('port', jb_fixtures.REDIS_PORT),
                            ('namespace', namespace),
                            ('expiration_time', self.EXPIRY)):
            self.conf.set_override(name, value, group='jobboard')
        self.mine = self.board('engine-a')
        self.other = self.board('engine-b')

    def board(self, name):
        board = jobboard.make_board(self.conf, None, name=name)
        board.connect()
        self.addCleanup(board.close)
        return board

    def post(self, count):
        return [self.other.post('job-%d' % index,
                                details={'task_id': 'task-%d' % index})
                for index in range(count)]

    def uuids(self, jobs):
        return [job.uuid for job in jobs]

    def test_the_oldest_unclaimed_jobs_up_to_the_limit(self):
        jobs = self.post(6)
        self.other.claim(jobs[0], 'engine-b')
        self.other.claim(jobs[2], 'engine-b')

        self.assertEqual(self.uuids([jobs[1], jobs[3]]),
                         self.uuids(self.mine.unclaimed_jobs(2)))
        self.assertEqual(self.uuids([jobs[1], jobs[3], jobs[4], jobs[5]]),
                         self.uuids(self.mine.unclaimed_jobs(10)))

    def test_jobs_posted_or_consumed_since_the_last_look_are_seen(self):
        jobs = self.post(2)
        self.assertEqual(self.uuids(jobs),
                         self.uuids(self.mine.unclaimed_jobs(2)))
        self.other.claim(jobs[0], 'engine-b')
        self.other.consume(jobs[0], 'engine-b')
        later = self.post(2)

        # The known job still unclaimed comes first, then the new ones.
        self.assertEqual(self.uuids([jobs[1]] + later),
                         self.uuids(self.mine.unclaimed_jobs(5)))
        for job in [jobs[1]] + later:
            self.other.claim(job, 'engine-b')
        self.assertEqual([], self.mine.unclaimed_jobs(5))

    def test_a_job_run_here_is_not_offered_here_again(self):
        job, = self.post(1)
        claimed, = self.mine.unclaimed_jobs(1)
        self.mine.claim(claimed, 'engine-a')
        # The claim expired (say the board was slow), the job still runs
        # here: this engine must not take it a second time; others may.
        internals.board_client(self.mine).delete(claimed.owner_key)

        self.assertEqual([], self.mine.unclaimed_jobs(
            1, running={claimed.uuid}))
        self.assertEqual([job.uuid], self.uuids(self.other.unclaimed_jobs(1)))
        # Once it no longer runs here, it is offered here again.
        self.assertEqual([job.uuid], self.uuids(self.mine.unclaimed_jobs(1)))

    def test_renewing_a_claim_extends_it_and_names_its_owner(self):
        claimed, unclaimed = self.post(2)
        self.other.claim(claimed, 'engine-b')
        client = internals.board_client(self.other)
        client.pexpire(claimed.owner_key, 1000)

        self.assertEqual('engine-b', self.mine.renew_claim(claimed))
        self.assertGreater(client.pttl(claimed.owner_key),
                           (self.EXPIRY - 5) * 1000)
        self.assertIsNone(self.mine.renew_claim(unclaimed))
        self.assertEqual(0, client.exists(unclaimed.owner_key))

    def test_a_job_claimed_by_two_engines_goes_to_one(self):
        job, = self.post(1)
        seen = [self.mine.unclaimed_jobs(1)[0],
                self.other.unclaimed_jobs(1)[0]]
        self.mine.claim(seen[0], 'engine-a')

        self.assertRaises(tf_exc.UnclaimableJob, self.other.claim, seen[1],
                          'engine-b')
        self.assertEqual([], self.other.unclaimed_jobs(1))
        self.assertEqual('engine-a', self.other.find_owner(job))

    def test_jobs_posted_together_keep_their_order_and_details(self):
        before = self.post(1)
        book = jobboard.persistence.new_logbook(uuidutils.generate_uuid())
        together = self.mine.post_many(
            [('job-a', book, {'task_id': 'task-a'}),
             ('job-b', None, {'task_id': 'task-b'}),
             ('job-c', None, {'task_id': 'task-c'})])
        after = self.post(1)

        self.assertEqual(['job-a', 'job-b', 'job-c'],
                         [job.name for job in together])
        sequences = [job.sequence for job in before + together + after]
        self.assertEqual(list(range(sequences[0], sequences[0] + 5)),
                         sequences)
        # Another board reads them from Redis as TaskFlow posted them.
        listed = {job.uuid: job for job in self.other.iterjobs()}
        self.assertEqual(self.uuids(before + together + after),
                         [job.uuid for job in sorted(
                             listed.values(), key=lambda job: job.sequence)])
        self.assertEqual({'task_id': 'task-b'},
                         listed[together[1].uuid].details)
        self.assertEqual(book.uuid, listed[together[0].uuid].book_uuid)
        self.other.claim(listed[together[2].uuid], 'engine-b')
        self.assertEqual('engine-b',
                         self.mine.find_owner(together[2]))

    def test_a_listed_uuid_fails_its_own_post_only(self):
        [job] = self.post(1)
        client = internals.board_client(self.mine)
        uuids = iter([job.uuid, uuidutils.generate_uuid()])
        self.useFixture(fixtures.MockPatch(
            'oslo_utils.uuidutils.generate_uuid', lambda: next(uuids)))
        dup, new = self.mine.post_many([('dup', None, {}),
                                        ('new', None, {})])
        self.assertIsInstance(dup, tf_exc.JobFailure)
        self.assertEqual('new', new.name)
        # The new one is posted; the listed one is left as it was.
        self.assertEqual(2, client.hlen(self.mine.listings_key))
        names = {listed.uuid: listed.name
                 for listed in self.other.iterjobs()}
        self.assertEqual('job-0', names[job.uuid])
