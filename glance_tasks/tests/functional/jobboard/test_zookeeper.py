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

"""The crash test on a real ZooKeeper jobboard.

Needs ZooKeeper on 127.0.0.1:2181. A claim is an ephemeral node: it
goes when the killed engine's session expires (``expiration_time``, at
least twice the server's ``tickTime``, 4 s with Debian's settings).
"""

from glance_tasks.tests.functional.jobboard import base as jb_base


class ZooKeeperCrashTest(jb_base.JobboardTestCase):

    BACKEND = 'zookeeper'
    EXPIRATION_TIME = 4

    def test_sigkill_engines_in_the_middle_of_flows(self):
        ids, statuses, engines = self.kill_engines_mid_flow(2)

        self.assertEqual({'success'}, {statuses[i][0] for i in ids})
        self.assertNotifiedInOrder({i: statuses[i] for i in ids})
        self.assertResumedAndCleared(engines)
