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

"""Claims: renewed while held, taken again after expiry, lost for good."""

import threading
import time

from glance_tasks.engine import claims
from glance_tasks.tests import base
from glance_tasks.tests.unit.jobboard import fakes


class ClaimTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.board = fakes.Board()
        self.job = self.board.post('job', details={'task_id': 'task-1'})
        self.board.claim(self.job, 'me')
        self.lost = []
        self.claim = claims.Claim(self.board, self.job, 'me', 2.0,
                                  on_lost=self.lost.append)

    def test_renewing_a_held_claim_extends_it(self):
        self.assertTrue(self.claim.renew())
        self.assertTrue(self.claim.verify())
        self.assertEqual([self.job.uuid] * 2, self.board.extended)
        self.assertFalse(self.claim.lost)

    def test_an_expired_claim_nobody_took_is_taken_again(self):
        self.board.expire(self.job)

        self.assertTrue(self.claim.renew())

        self.assertEqual('me', self.board.find_owner(self.job))
        self.assertFalse(self.claim.lost)

    def test_a_claim_taken_by_another_engine_is_lost(self):
        self.board.expire(self.job)
        self.board.claim(self.job, 'other')

        self.assertFalse(self.claim.renew())

        self.assertTrue(self.claim.lost)
        self.assertEqual([self.claim], self.lost)
        # Lost is final: the job is not taken back when it frees up.
        self.board.expire(self.job)
        self.assertFalse(self.claim.verify())
        self.assertIsNone(self.board.find_owner(self.job))

    def test_a_claim_on_a_job_gone_from_the_board_is_lost(self):
        self.board.wipe()

        self.assertFalse(self.claim.verify())
        self.assertTrue(self.claim.lost)

    def test_an_unreachable_board_leaves_the_claim_held_until_expiry(self):
        self.board.fail = True

        self.assertTrue(self.claim.renew())
        self.assertFalse(self.claim.lost)

        self.claim.expiration_time = 0.2
        self.assertFalse(self.claim.verify(retry_interval=0.05))
        self.assertTrue(self.claim.lost)

    def test_verify_waits_for_an_unreachable_board_to_come_back(self):
        self.board.fail = True
        start = time.monotonic()

        def back():
            time.sleep(0.3)
            self.board.fail = False
        threading.Thread(target=back).start()

        self.assertTrue(self.claim.verify(retry_interval=0.05))
        self.assertGreaterEqual(time.monotonic() - start, 0.25)


class ClaimKeeperTest(base.TestCase):

    def test_renews_the_claims_held_and_forgets_them_after(self):
        board = fakes.Board()
        job = board.post('job')
        board.claim(job, 'me')
        keeper = claims.ClaimKeeper(board, 0.4)
        keeper.start()
        self.addCleanup(keeper.stop)

        with keeper.holding(job, 'me') as claim:
            deadline = time.monotonic() + 5
            while len(board.extended) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertGreaterEqual(len(board.extended), 2)
            self.assertFalse(claim.lost)
        renewed = len(board.extended)
        time.sleep(0.3)
        self.assertEqual(renewed, len(board.extended))
