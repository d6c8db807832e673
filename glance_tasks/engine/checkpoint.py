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
flow in memory and writes it durably, as one JSON row, only at those
points:

* before an atom starts (to run or to revert), if the row does not exist
  yet or an outcome since the last write is not in it: every atom that
  starts finds the outcomes of those before it saved. The runner of the
  local executor inserts the first row in the transaction that moves the
  task to ``processing``, so that a flow started is always resumable;
* when an atom reaches an outcome (success, failure, reverted, ...) while
  another atom of its flow is still running (a parallel flow): the
  outcome is saved at once rather than when the running one ends;
* when the flow ends other than in success (failure, reverted,
  suspended), with everything it holds. A flow that succeeded is not
  written: the task's success is committed with the removal of the row,
  and should the process die before that commit, a resume runs again
  only the last atom, whose outcome was not saved yet (as it would run
  any atom interrupted before its outcome was saved).

A process that does not hold a logbook in memory (a restarted process, or
another engine) reads it from that row. The guarantee is unchanged: atoms
whose outcome was saved are not re-run; the running atom, or one that
ended in the instant before its outcome was saved, is.

The logbooks in memory are plain objects in dictionaries, merged as
TaskFlow's memory backend merges them, without its fake filesystem,
which converted every object to a dictionary and back on each save (the
largest CPU cost of a run with it).
"""

import threading

from oslo_db import exception as db_exc
from oslo_serialization import jsonutils
from oslo_utils import timeutils
import sqlalchemy as sa
from taskflow import exceptions as tf_exc
from taskflow.persistence import base as tf_base
from taskflow.persistence import models
from taskflow import states

from glance_tasks.db import api as db_api
from glance_tasks.db import checkpoints as checkpoint_db
from glance_tasks import exception

DURABLE_ATOM_STATES = frozenset({
    states.SUCCESS, states.FAILURE, states.REVERTED,
    states.REVERT_FAILURE, states.IGNORE})
# An atom in these states is about to run its code (or runs it).
ACTIVE_ATOM_STATES = frozenset({states.RUNNING, states.REVERTING})
# Flow states written as they happen; the others live in memory only.
DURABLE_FLOW_STATES = frozenset({
    states.FAILURE, states.REVERTED, states.SUSPENDED})
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


def _copy_flow(flow):
    copied = flow.copy(retain_contents=False)
    for atom in flow:
        copied.add(atom.copy())
    return copied


class CheckpointBackend(tf_base.Backend):
    """Memory for running flows, a database row per logbook for resumes."""

    def __init__(self, engine, keep_finished=False, in_service_db=False):
        super().__init__({})
        self.engine = engine
        # The engine is the service database's: checkpoint rows may be
        # written and deleted in the service's own transactions.
        self.in_service_db = in_service_db
        # Logbooks kept after their task ended ([task_executor]
        # keep_logbooks) also record the flow's success, for debugging.
        self.durable_flow_states = DURABLE_FLOW_STATES | (
            {states.SUCCESS} if keep_finished else set())
        self.write_locks = [threading.Lock() for _ in range(STRIPES)]
        # The logbooks in memory: our own objects, merged into on save.
        self.books = {}  # logbook uuid -> LogBook
        self.flows = {}  # flow detail uuid -> FlowDetail
        self.atoms = {}  # atom detail uuid -> AtomDetail
        self.book_of = {}  # flow or atom uuid -> logbook uuid
        # atom or flow uuid -> state last written, so metadata-only
        # updates (progress, intention) write nothing.
        self.saved_state = {}
        # flow uuid -> its state last seen (written or not).
        self.flow_seen = {}
        # logbook uuid -> uuids of its atoms running or reverting.
        self.running = {}
        # Logbooks with an atom outcome not written yet.
        self.dirty = set()
        # Logbooks whose flow this process no longer owns (a conductor
        # lost its claim): their checkpoints are not written any more.
        self.fenced = set()
        # Logbooks this process read from the database: their row exists
        # until the task ends, so a missing row means another process
        # ended the task and removed it; it is not written again.
        self.loaded = set()
        # Logbooks whose row this process wrote: updated, not inserted.
        self.stored = set()
        self.index_lock = threading.RLock()  # guards all of the above
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


class CheckpointConnection(tf_base.Connection):
    """Logbooks in memory, checkpointed to the database."""

    def __init__(self, owner):
        self._owner = owner
        self.upgrade()

    @property
    def backend(self):
        return self._owner

    def close(self):
        """Nothing to close: the connection is shared."""

    def validate(self):
        """Nothing to validate: the table was checked at connection."""

    def upgrade(self):
        """Check the table is there; the migrations create it, not this.

        ``glance-tasks-manage db sync`` creates it in the service
        database and in a separate ``persistence_connection`` database.
        """
        if not checkpoint_db.has_table(self.backend.engine):
            raise exception.SchemaNotSynced(table=checkpoints.name)

    # The memory: merges as TaskFlow's memory backend does them.

    def _merge_atom(self, atom, ignore_missing):
        stored = self.backend.atoms.get(atom.uuid)
        if stored is None:
            if not ignore_missing:
                raise tf_exc.NotFound('No atom details found with uuid %s'
                                      % atom.uuid)
            stored = self.backend.atoms[atom.uuid] = atom.copy()
        else:
            stored.merge(atom)
        return stored

    def _merge_flow(self, flow, book_uuid, ignore_missing):
        backend = self.backend
        stored = backend.flows.get(flow.uuid)
        if stored is None:
            if not ignore_missing:
                raise tf_exc.NotFound('No flow details found with uuid %s'
                                      % flow.uuid)
            stored = backend.flows[flow.uuid] = flow.copy(
                retain_contents=False)
        else:
            stored.merge(flow)
        if book_uuid is not None:
            backend.book_of[flow.uuid] = book_uuid
        book_uuid = backend.book_of.get(flow.uuid)
        for atom in flow:
            stored.add(self._merge_atom(atom, ignore_missing=True))
            backend.book_of[atom.uuid] = book_uuid
        return stored

    def _remember(self, book):
        backend = self.backend
        stored = backend.books.get(book.uuid)
        if stored is None:
            stored = backend.books[book.uuid] = book.copy(
                retain_contents=False)
        else:
            stored.merge(book)
        for flow in book:
            stored.add(self._merge_flow(flow, book.uuid,
                                        ignore_missing=True))
        return stored

    def save_logbook(self, book):
        with self.backend.index_lock:
            self._remember(book)
        return book

    def update_flow_details(self, flow_detail, ignore_missing=False):
        backend = self.backend
        with backend.index_lock:
            self._merge_flow(flow_detail, None, ignore_missing)
            book_uuid = backend.book_of.get(flow_detail.uuid)
            state = flow_detail.state
            previous = backend.flow_seen.get(flow_detail.uuid)
            backend.flow_seen[flow_detail.uuid] = state
            # A new or resumed flow is prepared (RESUMING, then
            # SUSPENDED) before it runs: nothing ran, nothing to write.
            write = (state in backend.durable_flow_states and
                     backend.saved_state.get(flow_detail.uuid) != state and
                     not (state == states.SUSPENDED and
                          previous == states.RESUMING))
        if write:
            self._checkpoint(book_uuid)
            backend.saved_state[flow_detail.uuid] = state
        return flow_detail

    def update_atom_details(self, atom_detail, ignore_missing=False):
        backend = self.backend
        state = atom_detail.state
        with backend.index_lock:
            merged = self._merge_atom(atom_detail, ignore_missing).copy()
            book_uuid = backend.book_of.get(atom_detail.uuid)
            running = backend.running.setdefault(book_uuid, set())
            if state in ACTIVE_ATOM_STATES:
                running.add(atom_detail.uuid)
                # Whatever ended before this atom starts is saved first.
                write = book_uuid in backend.dirty or not (
                    book_uuid in backend.stored or
                    book_uuid in backend.loaded)
            else:
                running.discard(atom_detail.uuid)
                write = False
                if (state in DURABLE_ATOM_STATES and
                        backend.saved_state.get(atom_detail.uuid) != state):
                    backend.saved_state[atom_detail.uuid] = state
                    backend.dirty.add(book_uuid)
                    # Another atom still runs: save this one's outcome
                    # now, not when that one ends.
                    write = bool(running)
        if write:
            self._checkpoint(book_uuid)
        return merged

    def get_logbook(self, book_uuid, lazy=False):
        with self.backend.index_lock:
            stored = self.backend.books.get(book_uuid)
        if stored is None:
            # Read outside the lock: other flows go on meanwhile.
            self._load(book_uuid)
        with self.backend.index_lock:
            stored = self.backend.books.get(book_uuid)
            if stored is None:
                raise tf_exc.NotFound('No logbook %s' % book_uuid)
            book = stored.copy(retain_contents=False)
            if not lazy:
                for flow in stored:
                    book.add(_copy_flow(flow))
            return book

    def get_logbooks(self, lazy=False):
        with self.backend.index_lock:
            uuids = list(self.backend.books)
        for book_uuid in uuids:
            yield self.get_logbook(book_uuid, lazy=lazy)

    def get_flows_for_book(self, book_uuid, lazy=False):
        return iter(self.get_logbook(book_uuid, lazy=lazy))

    def get_flow_details(self, fd_uuid, lazy=False):
        with self.backend.index_lock:
            stored = self.backend.flows.get(fd_uuid)
            if stored is None:
                raise tf_exc.NotFound('No flow details found with uuid %s'
                                      % fd_uuid)
            if lazy:
                return stored.copy(retain_contents=False)
            return _copy_flow(stored)

    def get_atom_details(self, ad_uuid):
        with self.backend.index_lock:
            stored = self.backend.atoms.get(ad_uuid)
            if stored is None:
                raise tf_exc.NotFound('No atom details found with uuid %s'
                                      % ad_uuid)
            return stored.copy()

    def get_atoms_for_flow(self, fd_uuid):
        return iter(self.get_flow_details(fd_uuid))

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
            self._update(book.uuid, values)
        self.backend.stored.discard(book.uuid)

    def insert_in(self, session, book_uuid):
        """Insert the first row of a logbook in ``session``'s transaction.

        The runner moves a task to ``processing`` in that transaction, so
        that a flow started always has its row. Call :meth:`inserted`
        once it has committed.
        """
        with self.backend.index_lock:
            book = self.backend.books[book_uuid]
            values = self._row(book)
        session.execute(checkpoint_db.INSERT,
                        dict(values, book_uuid=book_uuid))

    def store_in(self, session, book):
        """Write ``book``'s first row in ``session``'s transaction.

        Like :meth:`store_logbook`, for a task's flow saved with the
        task itself (a jobboard's poster); no copy is kept in memory.
        """
        session.execute(checkpoint_db.INSERT,
                        dict(self._row(book), book_uuid=book.uuid))

    def load_in(self, session, book_uuid):
        """Read a logbook's row in ``session``'s transaction, into memory.

        For a process that reads the task in that transaction and is
        about to run its flow: the read rides with it instead of taking
        a transaction of its own. No row: nothing is loaded (the later
        look-up finds none either).
        """
        data = session.execute(checkpoint_db.READ,
                               {'uuid': book_uuid}).scalar()
        if data is not None:
            self._loaded(data)

    def inserted(self, book_uuid):
        """The transaction of :meth:`insert_in` has committed."""
        with self.backend.index_lock:
            self.backend.stored.add(book_uuid)
            self.backend.dirty.discard(book_uuid)

    def fence(self, book_uuid):
        """Stop writing checkpoints of a logbook until it is evicted.

        A conductor that lost its claim on a job calls it, so that its
        engine, still finishing an atom, cannot overwrite the progress
        saved by the engine that took the job over.
        """
        self.backend.fenced.add(book_uuid)

    def evict(self, book_uuid):
        """Drop a logbook from memory; its checkpoint row stays."""
        backend = self.backend
        with backend.index_lock:
            book = backend.books.pop(book_uuid, None)
            for flow in (book or ()):
                backend.flows.pop(flow.uuid, None)
                for atom in flow:
                    backend.atoms.pop(atom.uuid, None)
            backend.fenced.discard(book_uuid)
            backend.loaded.discard(book_uuid)
            backend.stored.discard(book_uuid)
            backend.dirty.discard(book_uuid)
            backend.running.pop(book_uuid, None)
            for uuid in [u for u, b in backend.book_of.items()
                         if b == book_uuid]:
                del backend.book_of[uuid]
                backend.saved_state.pop(uuid, None)
                backend.flow_seen.pop(uuid, None)

    def clear_all(self):
        backend = self.backend
        with backend.index_lock:
            for index in (backend.books, backend.flows, backend.atoms,
                          backend.book_of, backend.saved_state,
                          backend.flow_seen, backend.running):
                index.clear()
            for marks in (backend.dirty, backend.fenced, backend.loaded,
                          backend.stored):
                marks.clear()
        with backend.engine.begin() as conn:
            conn.execute(checkpoint_db.DELETE_ALL)

    def _checkpoint(self, book_uuid):
        if book_uuid is None or book_uuid in self.backend.fenced:
            return
        stripe = hash(book_uuid) % STRIPES
        with self.backend.write_locks[stripe]:
            with self.backend.index_lock:
                book = self.backend.books.get(book_uuid)
                if book is None:
                    return  # evicted meanwhile: the task has ended
                self.backend.dirty.discard(book_uuid)
                values = self._row(book)
            try:
                self._write(book_uuid, values)
            except Exception:
                with self.backend.index_lock:
                    self.backend.dirty.add(book_uuid)
                raise

    @staticmethod
    def _row(book):
        return {'data': jsonutils.dumps(_serialize_book(book)),
                'updated_at': timeutils.utcnow()}

    @db_api.retry_on_deadlock
    def _write(self, book_uuid, values):
        known = book_uuid in self.backend.loaded or \
            book_uuid in self.backend.stored
        if not known and self._insert(book_uuid, values):
            return
        self._update(book_uuid, values)

    def _update(self, book_uuid, values):
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
        self._loaded(data)

    def _loaded(self, data):
        book = _deserialize_book(jsonutils.loads(data))
        with self.backend.index_lock:
            self._remember(book)
            self.backend.loaded.add(book.uuid)
