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

"""Concurrent requests done together, in batches, as a database commits.

The task creates of concurrent API requests share a transaction, and
their jobs one round trip to the jobboard.
"""

import threading


class _Pending:
    """One item waiting for its batch."""

    def __init__(self, context, item):
        self.context = context
        self.item = item
        self.wake = threading.Event()
        self.finished = False
        self.lead = False
        self.result = None
        self.error = None

    def finish(self, result=None, error=None):
        if isinstance(result, Exception):
            result, error = None, result
        self.result, self.error, self.finished = result, error, True
        self.wake.set()


class GroupCommit:
    """Concurrent items done together in batches, as a database commits.

    The first item to arrive is done at once, alone; those that arrive
    while it is done wait and go together in the next batch, led by the
    oldest of them. For task creates: one transaction, one commit (one
    fsync, one hold of SQLite's write lock) for a burst of API requests
    instead of one each; for job posts, one round trip. None waits
    longer than the batch before its own. Should a batch fail, each of
    its items is tried alone, so that each request gets its own outcome;
    ``commit`` may also give an exception as an item's result (the item
    alone failed, the others are done), which that item's caller raises.
    """

    # Items in one batch at most.
    MAX_BATCH = 32

    def __init__(self, commit):
        # (context of the first, [item]) -> [result], one an item
        self._commit = commit
        self._lock = threading.Lock()
        self._waiting = []
        self._busy = False

    def submit(self, context, item):
        """Do ``item`` in the next batch; what ``commit`` made of it."""
        pending = _Pending(context, item)
        with self._lock:
            self._waiting.append(pending)
            pending.lead = not self._busy
            self._busy = True
        while not pending.finished:
            if pending.lead:
                pending.lead = False
                self._lead()
            else:
                pending.wake.wait()
                pending.wake.clear()
        if pending.error is not None:
            raise pending.error
        return pending.result

    def _lead(self):
        with self._lock:
            batch = self._waiting[:self.MAX_BATCH]
            del self._waiting[:self.MAX_BATCH]
        try:
            self._commit_batch(batch)
        finally:
            with self._lock:
                if self._waiting:
                    following = self._waiting[0]
                    following.lead = True
                    following.wake.set()
                else:
                    self._busy = False

    def _commit_batch(self, batch):
        try:
            results = self._commit(batch[0].context,
                                   [pending.item for pending in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].finish(error=exc)
                return
            for pending in batch:
                self._commit_alone(pending)
            return
        except BaseException as exc:
            for pending in batch:
                pending.finish(error=exc)
            raise
        for pending, result in zip(batch, results):
            pending.finish(result=result)

    def _commit_alone(self, pending):
        try:
            [result] = self._commit(pending.context, [pending.item])
        except Exception as exc:
            pending.finish(error=exc)
        else:
            pending.finish(result=result)
