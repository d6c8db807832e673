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

"""One ``glance-tasks-engine`` process: a conductor on the jobboard.

It wires the same lifecycle, persistence and notification outbox as the
API's task service to a TaskFlow conductor, with the claim keeper that
renews its claims and the sweep that finds tasks whose job was lost.
"""

import contextlib
import os
import socket
import threading

import futurist
from oslo_log import log as logging
from oslo_utils import uuidutils
from taskflow import exceptions as tf_exc

from glance_tasks.engine import claims as claims_mod
from glance_tasks.engine import conductor as conductor_mod
from glance_tasks.engine import core
from glance_tasks.engine import jobboard
from glance_tasks.engine import runner as runner_mod
from glance_tasks.engine import sweep as sweep_mod

LOG = logging.getLogger(__name__)

# Longest pause between two attempts to reach the board at start.
MAX_CONNECT_BACKOFF = 10.0


def conductor_name():
    """A name no other start of any engine shares: host, pid, uuid."""
    return '%s-%d-%s' % (socket.gethostname(), os.getpid(),
                         uuidutils.generate_uuid()[:8])


class EngineService:
    """Claims jobs from the board and runs their tasks until stopped."""

    def __init__(self, conf, registry=None, sender=None):
        self.conf = conf
        self.name = conductor_name()
        parts = core.build(conf, registry, sender)
        self.registry = parts.registry
        self.relay = parts.relay
        self.lifecycle = parts.lifecycle
        self.backend = parts.backend
        self.board = jobboard.make_board(conf, self.backend, name=self.name)
        self._atom_pool = futurist.ThreadPoolExecutor(
            max_workers=conf.task_executor.max_workers)
        runner = runner_mod.FlowRunner(conf, self.registry, self.lifecycle,
                                       self.backend,
                                       executor=self._atom_pool,
                                       services=parts.services)
        self.keeper = claims_mod.ClaimKeeper(
            self.board, conf.jobboard.expiration_time,
            on_lost=self._fence)
        jobs = conductor_mod.TaskJobs(
            runner, self.backend, self.board, self.name,
            keep_logbooks=conf.task_executor.keep_logbooks)
        self.conductor = conductor_mod.make_conductor(
            conf, self.name, self.board, jobs, self.keeper)
        self.sweeper = sweep_mod.Sweeper(conf, self.board, self.backend,
                                         self.registry, self.lifecycle)
        self._stopping = threading.Event()
        self._thread = None

    def _fence(self, claim):
        task_id = jobboard.task_id_of(claim.job)
        if task_id is not None:
            with contextlib.closing(self.backend.get_connection()) as conn:
                conn.fence(task_id)

    def start(self):
        """Start relaying notifications and conducting jobs."""
        self.relay.start()
        self._thread = threading.Thread(target=self._run, name='conductor')
        self._thread.start()

    def _run(self):
        if not self._connect():
            return
        LOG.info('Conductor %(name)s (%(kind)s, up to %(jobs)d jobs) '
                 'claiming jobs from the %(backend)s jobboard.',
                 {'name': self.name, 'kind': self.conf.jobboard.conductor,
                  'jobs': (1 if self.conf.jobboard.conductor == 'blocking'
                           else self.conf.jobboard.max_simultaneous_jobs),
                  'backend': self.conf.jobboard.backend})
        self.keeper.start()
        self.sweeper.start()
        try:
            self.conductor.run()
        except Exception:
            LOG.exception('Conductor %s crashed.', self.name)
            raise
        finally:
            self._stopping.set()

    def _connect(self):
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                self.conductor.connect()
                return True
            except (tf_exc.JobFailure, tf_exc.IncompatibleVersion) as exc:
                LOG.warning('Jobboard unreachable (%(error)s); retrying in '
                            '%(delay).1f s.',
                            {'error': exc, 'delay': backoff})
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, MAX_CONNECT_BACKOFF)
        return False

    def wait(self, timeout=None):
        """Wait until the conductor has stopped; True if it has."""
        return self._stopping.wait(timeout)

    def stop(self):
        """Stop claiming; suspend running flows and abandon their jobs.

        A flow stops after its running atom; its job goes back to the
        board at once, for another engine to resume.
        """
        LOG.info('Conductor %s stopping.', self.name)
        self._stopping.set()
        self.conductor.stop()
        if self._thread is not None:
            self._thread.join()
        self.sweeper.stop()
        self.keeper.stop()
        try:
            self.conductor.close()
        except Exception:
            LOG.exception('Closing the jobboard failed.')
        self._atom_pool.shutdown(wait=True)
        self.relay.stop()
        self.backend.close()
        LOG.info('Conductor %s stopped.', self.name)
