"""The crash test on a real ZooKeeper jobboard.

Needs ZooKeeper on 127.0.0.1:2181. A claim is an ephemeral node: it
goes when the killed engine's session expires (``expiration_time``, at
least twice the server's ``tickTime``, 4 s with Debian's settings).
"""

import signal
import time

from glance_tasks.tests.functional.jobboard import base as jb_base
from glance_tasks.tests.functional.jobboard import fixtures as jb_fixtures


class ZooKeeperCrashTest(jb_base.JobboardTestCase):

    BACKEND = 'zookeeper'
    EXPIRATION_TIME = 4

    def test_sigkill_engines_in_the_middle_of_flows(self):
        engines = self.engines.start(3)
        service = self.poster()
        # Atoms long enough that a killed engine surely holds running
        # flows, whose jobs another engine must then resume.
        ids = self.create(service, 90, sleep=0.3)

        for victim in engines[:2]:
            jb_fixtures.wait_until(
                lambda: 'finished by' in victim.log_text(), 30,
                'engine %d to run a task' % victim.index)
            time.sleep(0.3)
            victim.signal(signal.SIGKILL)
            self.assertEqual(-signal.SIGKILL, victim.wait())
            engines += self.engines.start(1)

        statuses = self.wait_all_ended(ids, 120)
        self.assertEqual({'success'}, {statuses[i][0] for i in ids})
        self.assertNotifiedInOrder({i: statuses[i] for i in ids})
        resumed = sum(engine.log_text().count('resuming task')
                      for engine in engines)
        self.assertGreater(resumed, 0)
        jb_fixtures.wait_until(lambda: self.job_count() == 0, 10,
                               'every job to be consumed')
        self.assertNothingLeft()
