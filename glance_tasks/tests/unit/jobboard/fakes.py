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

"""An in-memory jobboard, standing in for Redis or ZooKeeper in unit tests.

The board is a process edge. This one keeps TaskFlow's semantics: one
owner per job, consume and abandon by the owner only.
"""

import itertools
import threading

from oslo_utils import uuidutils
from taskflow import exceptions as tf_exc


class Job:

    def __init__(self, name, details, sequence, book=None):
        self.name = name
        self.uuid = uuidutils.generate_uuid()
        self.details = details
        self.sequence = sequence
        self.book = book

    def __repr__(self):
        return '<Job %s %s>' % (self.uuid, self.details)


class Board:
    """Jobs in a list, owners in a dict; ``fail`` makes it unreachable."""

    def __init__(self):
        self.jobs = []
        self.owners = {}
        self.extended = []
        self.consumed = []
        self.abandoned = []
        self.connected = False
        self.fail = False
        self._sequence = itertools.count(1)
        self._lock = threading.Lock()

    def _check(self):
        if self.fail:
            raise tf_exc.JobFailure('board unreachable')

    def connect(self):
        self._check()
        self.connected = True

    def close(self):
        self.connected = False

    def register_entity(self, entity):
        pass

    def post(self, name, book=None, details=None):
        self._check()
        job = Job(name, details or {}, next(self._sequence), book)
        with self._lock:
            self.jobs.append(job)
        return job

    def iterjobs(self, only_unclaimed=False, ensure_fresh=False):
        self._check()
        with self._lock:
            return iter([job for job in self.jobs if not (
                only_unclaimed and job.uuid in self.owners)])

    def unclaimed_jobs(self, limit, running=frozenset()):
        return [job for job in self.iterjobs(only_unclaimed=True)
                if job.uuid not in running][:limit]

    def _find(self, job):
        if job not in self.jobs:
            raise tf_exc.NotFound('no job %s' % job.uuid)

    def claim(self, job, who):
        self._check()
        with self._lock:
            self._find(job)
            if job.uuid in self.owners:
                raise tf_exc.UnclaimableJob('claimed by %s'
                                            % self.owners[job.uuid])
            self.owners[job.uuid] = who

    def find_owner(self, job):
        self._check()
        return self.owners.get(job.uuid)

    def renew_claim(self, job):
        self._check()
        owner = self.owners.get(job.uuid)
        if owner is not None:
            self.extended.append(job.uuid)
        return owner

    def _release(self, job, who):
        self._find(job)
        if self.owners.get(job.uuid) != who:
            raise tf_exc.JobFailure('not owned by %s' % who)
        del self.owners[job.uuid]

    def consume(self, job, who):
        self._check()
        with self._lock:
            self._release(job, who)
            self.jobs.remove(job)
            self.consumed.append(job)

    def abandon(self, job, who):
        self._check()
        with self._lock:
            self._release(job, who)
            self.abandoned.append(job)

    def trash(self, job, who):
        self.consume(job, who)

    def expire(self, job):
        """The claim's time ran out."""
        with self._lock:
            self.owners.pop(job.uuid, None)

    def wipe(self):
        """The board lost its data."""
        with self._lock:
            self.jobs.clear()
            self.owners.clear()

    def jobs_of(self, task_id):
        return [job for job in self.jobs
                if job.details.get('task_id') == task_id]
