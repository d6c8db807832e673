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

"""``glance-tasks-engine``: run task flows from the jobboard.

Run any number of these, on any number of hosts, with ``[task_executor]
backend = jobboard`` and the same ``[jobboard]`` and ``[database]``
settings as the API. Each runs a TaskFlow conductor that claims jobs,
runs their flows and records the tasks' outcome.

SIGTERM or SIGINT stops it gracefully: no new job is claimed, each
running flow stops after its current atom and its job goes back to the
board, where another engine resumes it at once. A second signal exits
immediately (the claims then expire after ``[jobboard] expiration_time``).
"""

import os
import signal
import sys

from oslo_config import cfg
from oslo_log import log as logging

from glance_tasks import conf as gt_conf
from glance_tasks.db import api as db_api
from glance_tasks.engine import worker
from glance_tasks.images import store

LOG = logging.getLogger(__name__)

# Exit status when the conductor stopped without being asked to.
CONDUCTOR_DIED = 1


def load_conf(argv):
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    gt_conf.load(argv, conf=conf)
    logging.setup(conf, 'glance-tasks-engine')
    return conf


class _Signals:
    """Signals received, noted without taking any lock.

    A handler runs in the main thread between two bytecodes, maybe while
    that thread holds a lock (an Event's, the logging module's): it must
    neither set an Event nor log, or the process can deadlock.
    """

    def __init__(self):
        self.received = []

    def install(self):
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame):
        if self.received:
            os._exit(128 + signum)
        self.received.append(signum)


def main(argv=None, registry=None):
    conf = load_conf(sys.argv[1:] if argv is None else argv)
    try:
        store.check_config(conf)
    except store.ConfigurationError as error:
        LOG.error('%s', error)
        print('glance-tasks-engine: %s' % error, file=sys.stderr,
              flush=True)
        return 2
    if conf.task_executor.backend != 'jobboard':
        LOG.warning('[task_executor] backend is %s: the API runs tasks '
                    'itself and posts no job for this engine.',
                    conf.task_executor.backend)
    os.makedirs(conf.state_path, exist_ok=True)
    db_api.configure(conf)
    signals = _Signals()
    signals.install()
    service = worker.EngineService(conf, registry=registry)
    service.start()
    print('glance-tasks-engine %s started' % service.name, flush=True)
    while not signals.received and not service.wait(0.2):
        pass
    if signals.received:
        LOG.info('Signal %d received: stopping gracefully (send it again '
                 'to exit at once).', signals.received[0])
    service.stop()
    if not signals.received:
        LOG.error('The conductor stopped on its own; exiting.')
        return CONDUCTOR_DIED
    return 0


if __name__ == '__main__':
    sys.exit(main())
