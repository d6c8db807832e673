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

"""TaskFlow persistence that writes only what a resume needs.

TaskFlow saves every state change of every atom and flow (pending,
running, success, ...) as its own database transaction, each a read and a
write. A resume needs much less: the flow's factory and the outcome of
each finished atom, since an atom found RUNNING or PENDING after a crash
is run again either way. This backend keeps the whole logbook of a running
flow in memory (TaskFlow's memory backend) and writes it durably, as one
JSON row, only at those points:

* when the flow starts running (its factory and atoms are known by then;
  a crash before that leaves no checkpoint, and the task is failed as
  never started) and when it ends other than in success (a flow that
  succeeded has every atom's success saved already: a resume of it runs
  nothing and succeeds);
* when an atom reaches an outcome (success, failure, reverted, ...),
  before the engine schedules the next atom.

A process that does not hold a logbook in memory (a restarted process, or
another engine) reads it from that row. The guarantee is unchanged: atoms
already done are not re-run; the running atom is.
"""

import threading

from oslo_db import exception as db_exc
from oslo_serialization import jsonutils
from oslo_utils import timeutils
import sqlalchemy as sa
from taskflow import exceptions as tf_exc
from taskflow.persistence.backends import impl_memory
from taskflow.persistence import models
from taskflow import states

from glance_tasks.db import api as db_api
from glance_tasks.db import checkpoints as checkpoint_db
from glance_tasks import exception

DURABLE_ATOM_STATES = frozenset({
    states.SUCCESS, states.FAILURE, states.REVERTED,
    states.REVERT_FAILURE, states.IGNORE})
# Flow states written as they happen; the others live in memory only.
DURABLE_FLOW_STATES = frozenset({
    states.RUNNING, states.FAILURE, states.REVERTED, states.SUSPENDED})
# Lock stripes: one logbook's checkpoints are serialised and written one
# at a time (a parallel engine ends atoms concurrently), so the last
# write holds every outcome saved before it.
STRIPES = 64

# The table and its statements live with the database code.
checkpoints = checkpoint_db.TABLE
delete_row = checkpoint_db.delete_row


def _serialize_book(book):
    return {
        'book': book.to_dict(marshal_time=True),
        'flows': [{
            'flow': flow.to_dict(),
            'atoms': [{'type': models.atom_detail_type(atom),
                       'atom': atom.to_dict()} for atom in flow],
        } for flow in book],
    }


def _deserialize_book(data):
    book = models.LogBook.from_dict(data['book'], unmarshal_time=True)
    for flow_data in data['flows']:
        flow = models.FlowDetail.from_dict(flow_data['flow'])
        for atom_data in flow_data['atoms']:
            atom_class = models.atom_detail_class(atom_data['type'])
            flow.add(atom_class.from_dict(atom_data['atom']))
        book.add(flow)
    return book


class CheckpointBackend(impl_memory.MemoryBackend):
    """Memory for running flows, a database row per logbook for resumes."""

    def __init__(self, engine, keep_finished=False, in_service_db=False):
        # TaskFlow's storage clones what it saves and merges what it gets
        # back, so the memory need not deep-copy again (the largest CPU
        # cost of a run otherwise).
        super().__init__({'deep_copy': False})
        self.engine = engine
        # The engine is the service database's: checkpoint rows may be
        # deleted in the service's own transactions.
        self.in_service_db = in_service_db
        # Logbooks kept after their task ended ([task_executor]
        # keep_logbooks) also record the flow's success, for debugging.
        self.durable_flow_states = DURABLE_FLOW_STATES | (
            {states.SUCCESS} if keep_finished else set())
        self.write_locks = [threading.Lock() for _ in range(STRIPES)]
        self.book_of = {}  # flow or atom uuid -> logbook uuid
        # atom or flow uuid -> state last written, so metadata-only
        # updates (progress, intention) write nothing.
        self.saved_state = {}
        # Logbooks whose flow this process no longer owns (a conductor
        # lost its claim): their checkpoints are not written any more.
        self.fenced = set()
        # Logbooks this process read from the database: their row exists
        # until the task ends, so a missing row means another process
        # ended the task and removed it; it is not written again.
        self.loaded = set()
        # Logbooks whose row this process wrote: updated, not inserted.
        self.stored = set()
        self.index_lock = threading.Lock()
        self._connection = None
        self._connection_lock = threading.Lock()

    def get_connection(self):
        # One connection serves all: it holds no per-caller state.
        with self._connection_lock:
            if self._connection is None:
                self._connection = CheckpointConnection(self)
            return self._connection

    def close(self):
        """The engine belongs to the caller, who disposes of it."""


class CheckpointConnection(impl_memory.Connection):
    """TaskFlow's memory connection, checkpointed to the database."""

    def upgrade(self):
        """Check the table is there; the migrations create it, not this.

        ``glance-tasks-manage db sync`` creates it in the service
        database and in a separate ``persistence_connection`` database.
        """
        super().upgrade()
        if not checkpoint_db.has_table(self.backend.engine):
            raise exception.SchemaNotSynced(table=checkpoints.name)

    def save_logbook(self, book):
        saved = super().save_logbook(book)
        self._index(book.uuid, book)
        return saved

    def update_flow_details(self, flow_detail, ignore_missing=False):
        saved = super().update_flow_details(flow_detail, ignore_missing)
        book_uuid = self._index_flow(flow_detail)
        if (flow_detail.state in self.backend.durable_flow_states and
                self.backend.saved_state.get(flow_detail.uuid)
                != flow_detail.state):
            self._checkpoint(book_uuid)
            self.backend.saved_state[flow_detail.uuid] = flow_detail.state
        return saved

    def update_atom_details(self, atom_detail, ignore_missing=False):
        saved = super().update_atom_details(atom_detail, ignore_missing)
        state = atom_detail.state
        if (state in DURABLE_ATOM_STATES and
                self.backend.saved_state.get(atom_detail.uuid) != state):
            self._checkpoint(self.backend.book_of.get(atom_detail.uuid))
            self.backend.saved_state[atom_detail.uuid] = state
        return saved

    def get_logbook(self, book_uuid, lazy=False):
        try:
            return super().get_logbook(book_uuid, lazy=lazy)
        except tf_exc.NotFound:
            self._load(book_uuid)
            return super().get_logbook(book_uuid, lazy=lazy)

    def destroy_logbook(self, book_uuid):
        self.evict(book_uuid)
        with self.backend.engine.begin() as conn:
            deleted = delete_row(conn, book_uuid)
        if not deleted:
            raise tf_exc.NotFound('No logbook %s' % book_uuid)

    def store_logbook(self, book):
        """Write ``book`` to its checkpoint row; keep no copy in memory.

        For a process that saves a flow for another process to run; the
        row is usually new, so it is inserted first.
        """
        values = self._row(book)
        if not self._insert(book.uuid, values):
            self._write(book)
        self.backend.stored.discard(book.uuid)

    def fence(self, book_uuid):
        """Stop writing checkpoints of a logbook until it is evicted.

        A conductor that lost its claim on a job calls it, so that its
        engine, still finishing an atom, cannot overwrite the progress
        saved by the engine that took the job over.
        """
        self.backend.fenced.add(book_uuid)

    def evict(self, book_uuid):
        """Drop a logbook from memory; its checkpoint row stays."""
        try:
            super().destroy_logbook(book_uuid)
        except tf_exc.NotFound:
            pass
        self.backend.fenced.discard(book_uuid)
        self.backend.loaded.discard(book_uuid)
        self.backend.stored.discard(book_uuid)
        with self.backend.index_lock:
            for uuid in [u for u, b in self.backend.book_of.items()
                         if b == book_uuid]:
                del self.backend.book_of[uuid]
                self.backend.saved_state.pop(uuid, None)

    def clear_all(self):
        super().clear_all()
        with self.backend.engine.begin() as conn:
            conn.execute(checkpoint_db.DELETE_ALL)

    def _index(self, book_uuid, book):
        with self.backend.index_lock:
            for flow in book:
                self.backend.book_of[flow.uuid] = book_uuid
                for atom in flow:
                    self.backend.book_of[atom.uuid] = book_uuid

    def _index_flow(self, flow_detail):
        with self.backend.index_lock:
            book_uuid = self.backend.book_of.get(flow_detail.uuid)
            for atom in flow_detail:
                self.backend.book_of[atom.uuid] = book_uuid
        return book_uuid

    def _checkpoint(self, book_uuid):
        if book_uuid is None or book_uuid in self.backend.fenced:
            return
        stripe = hash(book_uuid) % STRIPES
        with self.backend.write_locks[stripe]:
            self._write(super().get_logbook(book_uuid))

    @staticmethod
    def _row(book):
        return {'data': jsonutils.dumps(_serialize_book(book)),
                'updated_at': timeutils.utcnow()}

    @db_api.retry_on_deadlock
    def _write(self, book):
        book_uuid = book.uuid
        values = self._row(book)
        known = book_uuid in self.backend.loaded or \
            book_uuid in self.backend.stored
        if not known and self._insert(book_uuid, values):
            return
        with self.backend.engine.begin() as conn:
            updated = conn.execute(checkpoint_db.UPDATE,
                                   dict(values, uuid=book_uuid))
        if updated.rowcount:
            self.backend.stored.add(book_uuid)

    @db_api.retry_on_deadlock
    def _insert(self, book_uuid, values):
        # A flow this process starts has no row yet: one INSERT instead of
        # an UPDATE that finds nothing and then an INSERT.
        try:
            with self.backend.engine.begin() as conn:
                conn.execute(checkpoint_db.INSERT,
                             dict(values, book_uuid=book_uuid))
        except (sa.exc.IntegrityError, db_exc.DBDuplicateEntry):
            return False
        self.backend.stored.add(book_uuid)
        return True

    def _load(self, book_uuid):
        with self.backend.engine.connect() as conn:
            data = conn.execute(checkpoint_db.READ,
                                {'uuid': book_uuid}).scalar()
        if data is None:
            raise tf_exc.NotFound('No logbook %s' % book_uuid)
        book = _deserialize_book(jsonutils.loads(data))
        super().save_logbook(book)
        self._index(book_uuid, book)
        self.backend.loaded.add(book_uuid)
