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
import threading

from oslo_config import cfg
from oslo_log import log as logging

from glance_tasks import conf as gt_conf
from glance_tasks.db import api as db_api
from glance_tasks.engine import worker

LOG = logging.getLogger(__name__)

# Exit status when the conductor stopped without being asked to.
CONDUCTOR_DIED = 1


def load_conf(argv):
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    gt_conf.load(argv, conf=conf)
    logging.setup(conf, 'glance-tasks-engine')
    return conf


def _install_signal_handlers(stop):
    def _handle(signum, frame):
        if stop.is_set():
            LOG.warning('Signal %d received again: exiting now.', signum)
            os._exit(128 + signum)
        LOG.info('Signal %d received: stopping gracefully.', signum)
        stop.set()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)


def main(argv=None, registry=None):
    conf = load_conf(sys.argv[1:] if argv is None else argv)
    if conf.task_executor.backend != 'jobboard':
        LOG.warning('[task_executor] backend is %s: the API runs tasks '
                    'itself and posts no job for this engine.',
                    conf.task_executor.backend)
    os.makedirs(conf.state_path, exist_ok=True)
    db_api.configure(conf)
    stop = threading.Event()
    _install_signal_handlers(stop)
    service = worker.EngineService(conf, registry=registry)
    service.start()
    print('glance-tasks-engine %s started' % service.name, flush=True)
    # Waiting with a timeout keeps the main thread responsive to signals.
    while not stop.wait(0.5):
        if service.wait(0):
            break
    died = not stop.is_set()
    service.stop()
    if died:
        LOG.error('The conductor stopped on its own; exiting.')
        return CONDUCTOR_DIED
    return 0


if __name__ == '__main__':
    sys.exit(main())
