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

"""An API process SIGKILLed mid-stage: the image is queued again.

As for an upload (:mod:`.test_upload_crash`): a real ``glance-tasks-api``
child receives ``PUT /v2/images/{id}/stage`` with half its body and is
killed while it waits for the rest. The image, left ``uploading``, names
the dead process's lease; a second process on the same database and
staging area requeues it once that lease has lapsed, with the partial
file gone from the staging area, and takes a new stage, which then
stays staged.
"""

import datetime
import os
import signal
import time

from glance_tasks.tests.functional.api import test_upload_crash

LEASE = test_upload_crash.LEASE
SWEEP = test_upload_crash.SWEEP
TIMEOUT = test_upload_crash.TIMEOUT


class TestStageCrash(test_upload_crash.ChildAPITestCase):

    def staged_files(self):
        return self.files_in(os.path.join(self.state, 'staging'))

    def test_stage_of_a_killed_process_is_requeued_by_another(self):
        first, port = self.start_api()
        image_id = self.create_image(port)
        self.half_put(port, '/v2/images/%s/stage' % image_id)
        self.wait_status(port, image_id, 'uploading')
        deadline = time.monotonic() + TIMEOUT
        while not self.staged_files() and time.monotonic() < deadline:
            time.sleep(0.05)
        # The stage's own part file, until the stage ends.
        [part] = self.staged_files()
        self.assertTrue(part.startswith(image_id + '.part-'), part)

        os.kill(first.pid, signal.SIGKILL)
        self.assertEqual(-signal.SIGKILL, first.wait(TIMEOUT))
        killed_at = datetime.datetime.now(datetime.timezone.utc)

        second, port = self.start_api()
        self.wait_status(port, image_id, 'queued',
                         timeout=LEASE + 4 * SWEEP + 20)
        image = self.image(port, image_id)
        # Not before the dead process's lease lapsed (renewed up to the
        # kill): read from the requeue's own time, whatever the time the
        # second process took to start on a busy machine.
        requeued_at = datetime.datetime.fromisoformat(
            image['updated_at'].replace('Z', '+00:00'))
        self.assertGreaterEqual((requeued_at - killed_at).total_seconds(),
                                LEASE / 2.0 - 1)
        self.assertIsNone(image['size'])
        self.assertEqual([], self.staged_files())

        status, body = self.call(
            port, 'PUT', '/v2/images/%s/stage' % image_id, b'\2' * 1000,
            {'Content-Type': 'application/octet-stream'})
        self.assertEqual(204, status, body)
        image = self.image(port, image_id)
        self.assertEqual('uploading', image['status'])
        self.assertEqual(1000, image['size'])
        self.assertEqual([image_id], self.staged_files())
        # No lease is left on it: a staged image waits for its import,
        # however many sweeps go by.
        time.sleep(LEASE + 2 * SWEEP)
        self.assertEqual('uploading', self.image(port, image_id)['status'])
        self.assertEqual([image_id], self.staged_files())
