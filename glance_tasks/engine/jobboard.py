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

"""TaskFlow jobboards: the board of ``[jobboard]``, and posting tasks on it.

A task becomes a job whose logbook is the task's (uuid = task id), holding
one flow detail with the factory of the task type's flow saved in it, so
that any conductor rebuilds the flow. The job's details carry the task id
only; the input stays in the database.

Claims expire. On Redis, where TaskFlow's claims last forever unless
given an expiry, every claim gets ``expiration_time`` and the conductor
holding it extends it; on ZooKeeper a claim is an ephemeral node, gone
when the engine's session (``expiration_time`` long) expires.
"""

import contextlib
import itertools
import socket
import threading

from kazoo import client as kazoo_client
from kazoo import exceptions as k_exceptions
from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils
from taskflow import engines
from taskflow import exceptions as tf_exc
from taskflow.jobs.backends import impl_redis
from taskflow.jobs.backends import impl_zookeeper
from taskflow.jobs import base as jobs_base
from taskflow.persistence import models
from taskflow.utils import kazoo_utils
from taskflow.utils import misc

from glance_tasks.common import grouping
from glance_tasks.common import internals
from glance_tasks.conf import jobboard as jobboard_conf
from glance_tasks.engine import persistence

LOG = logging.getLogger(__name__)

JOB_DETAIL_TASK_ID = 'task_id'


class RedisBoard(impl_redis.RedisJobBoard):
    """TaskFlow's Redis board with expiring claims, oldest jobs first."""

    # Jobs whose claim is looked up in one round trip, at most.
    CLAIM_CHECK_BATCH = 32
    # Jobs looked at beyond those a conductor asks for: the head of the
    # queue holds the jobs engines are running, claimed.
    CLAIM_CHECK_MARGIN = 8

    def __init__(self, name, conf, claim_expiry, persistence=None):
        super().__init__(name, conf, persistence=persistence)
        self.claim_expiry = claim_expiry
        self._known = {}  # listing key -> job decoded from its posting
        self._known_lock = threading.Lock()

    def claim(self, job, who, expiry=None):
        return super().claim(job, who, expiry=expiry or self.claim_expiry)

    def post_many(self, postings):
        """Post ``[(name, book, details)]``; their jobs, in that order.

        What TaskFlow's ``post`` does for one job in two round trips
        (take the next sequence number, then add the posting unless its
        uuid is listed), for a batch in two: one ``INCRBY`` takes a run
        of sequence numbers, so the jobs keep the order they were posted
        in, and one pipeline adds every posting. A posting that could not
        be added (its uuid listed already) is a ``JobFailure`` in the
        list, in the place of its job: the others are posted, and are
        not to be posted again.
        """
        created_on = timeutils.utcnow()
        client = internals.board_client(self)
        with internals.redis_failures():
            last = client.incrby(self.sequence_key, len(postings))
        jobs = [self._new_job(name, book, details, sequence, created_on)
                for sequence, (name, book, details)
                in enumerate(postings, last - len(postings) + 1)]
        with internals.redis_failures():
            pipe = client.pipeline(transaction=False)
            for job, raw_posting in jobs:
                pipe.hsetnx(self.listings_key, job.key, raw_posting)
            added = pipe.execute()
        return [job if was_added else self._not_posted(job)
                for (job, _raw), was_added in zip(jobs, added)]

    def _not_posted(self, job):
        return tf_exc.JobFailure('New job %s could not be posted at %s'
                                 % (job.uuid, self.listings_key))

    def _new_job(self, name, book, details, sequence, created_on):
        job_uuid = uuidutils.generate_uuid()
        posting = jobs_base.format_posting(
            job_uuid, name, created_on=created_on, book=book,
            details=details)
        posting['sequence'] = sequence
        job = self._job_of(job_uuid.encode('latin-1'), posting, book=book)
        return job, internals.encode_redis_posting(self, posting)

    def find_owner(self, job):
        try:
            return super().find_owner(job)
        except TypeError:  # how TaskFlow says nobody owns the job
            return None

    def renew_claim(self, job):
        """Push the claim on ``job`` back to its full length; its owner.

        The look-up of the owner and the extension go in one round trip.
        The caller keeps working only if the owner is itself; a claim
        that expired and was taken by another engine just before is
        extended once, which is harmless. An unclaimed job (None) stays
        unclaimed.
        """
        with internals.redis_failures():
            pipe = internals.board_client(self).pipeline(transaction=False)
            pipe.get(job.owner_key)
            pipe.pexpire(job.owner_key, int(self.claim_expiry * 1000))
            raw_owner, _extended = pipe.execute()
        return misc.binary_decode(raw_owner) if raw_owner else None

    def iterjobs(self, only_unclaimed=False, ensure_fresh=False):
        """The jobs on the board, oldest first.

        TaskFlow's Redis board decodes every posting on each listing,
        sorts them newest first, then asks for each job's state one by
        one (two round trips a job). This one decodes a posting once, and
        asks whether jobs are claimed a batch at a time, as the caller
        goes through them.
        """
        jobs = self._listed_jobs()
        if not only_unclaimed:
            return iter(jobs)
        return (job for job, owned in self._states(jobs) if not owned)

    def unclaimed_jobs(self, limit, running=frozenset()):
        """Up to ``limit`` unclaimed jobs, oldest first, none of ``running``.

        What a conductor with ``limit`` free slots asks for. The jobs
        this board already knows of are looked at first, each with
        whether it is still listed and claimed, a batch a round trip,
        from the oldest; the whole listing is read again only when they
        hold too few: any job posted since is newer than all of them.
        The jobs the caller runs (uuids in ``running``) are skipped
        without asking: even with their claim expired they are not to be
        claimed a second time by the engine running them.
        Under a backlog a claim costs a look at the head of the queue,
        not a listing of the whole board.
        """
        with self._known_lock:
            known = sorted((job for job in self._known.values()
                            if job.uuid not in running),
                           key=lambda job: job.sequence)
        found = self._first_unclaimed(known, limit)
        if len(found) < limit:
            new = [job for job in self._listed_jobs(only_new=True)
                   if job.uuid not in running]
            found += self._first_unclaimed(new, limit - len(found))
        return found

    def _first_unclaimed(self, jobs, limit):
        found = []
        batch = limit + self.CLAIM_CHECK_MARGIN
        for job, owned in self._states(jobs, batch):
            if not owned:
                found.append(job)
                if len(found) >= limit:
                    break
        return found

    def _states(self, jobs, batch=None):
        """(job, claimed) of the jobs still listed, checked by batches.

        Batches grow from ``batch`` to :attr:`CLAIM_CHECK_BATCH`; a job
        found gone from the listing (consumed) is forgotten.
        """
        batch = min(batch or self.CLAIM_CHECK_BATCH, self.CLAIM_CHECK_BATCH)
        start = 0
        while start < len(jobs):
            chunk = jobs[start:start + batch]
            with internals.redis_failures():
                pipe = internals.board_client(self).pipeline(
                    transaction=False)
                for job in chunk:
                    pipe.hexists(self.listings_key, job.key)
                    pipe.exists(job.owner_key)
                answers = pipe.execute()
            for job, listed, owned in zip(chunk, answers[::2],
                                          answers[1::2]):
                if listed:
                    yield job, bool(owned)
                else:
                    self._forget(job)
            start += len(chunk)
            batch = min(batch * 2, self.CLAIM_CHECK_BATCH)

    def _forget(self, job):
        with self._known_lock:
            self._known.pop(job.key, None)

    def _listed_jobs(self, only_new=False):
        """The listed jobs (only those not known before), oldest first."""
        client = internals.board_client(self)
        with self._known_lock, internals.redis_failures():
            keys = set(client.hkeys(self.listings_key))
            for key in set(self._known) - keys:
                del self._known[key]
            new = sorted(keys - set(self._known))
            postings = client.hmget(self.listings_key, new) \
                if new else []
            added = []
            for key, posting in zip(new, postings):
                job = self._job_from(key, posting) if posting else None
                if job is not None:
                    self._known[key] = job
                    added.append(job)
            jobs = added if only_new else self._known.values()
            return sorted(jobs, key=lambda job: job.sequence)

    def _job_from(self, key, raw_posting):
        try:
            posting = internals.decode_redis_posting(self, raw_posting)
        except tf_exc.JobFailure:
            LOG.warning('Jobboard entry %s cannot be read; skipped.', key)
            return None
        return self._job_of(key, posting)

    def _job_of(self, key, posting, book=None):
        return impl_redis.RedisJob(
            self, posting['name'], posting['sequence'], key,
            uuid=posting['uuid'], details=posting.get('details', {}),
            created_on=posting['created_on'],
            book=book, book_data=posting.get('book'),
            backend=internals.board_persistence(self),
            priority=jobs_base.JobPriority.convert(
                posting.get('priority', jobs_base.JobPriority.NORMAL)))


class ZooKeeperBoard(impl_zookeeper.ZookeeperJobBoard):
    """TaskFlow's ZooKeeper board, on a client built from our options."""

    # Seconds to wait for ZooKeeper to answer a batch of lookups.
    ANSWER_TIMEOUT = 10.0

    def post_many(self, postings):
        """As :meth:`RedisBoard.post_many`, a job at a time."""
        return [self._post_or_failure(*posting) for posting in postings]

    def _post_or_failure(self, name, book, details):
        try:
            return self.post(name, book=book, details=details)
        except tf_exc.JobFailure as exc:
            return exc

    def renew_claim(self, job):
        """The owner of the claim on ``job``; the live session keeps it."""
        return self.find_owner(job)

    def iterjobs(self, only_unclaimed=False, ensure_fresh=False):
        """The jobs on the board, oldest first.

        The board's own cache of the jobs (refreshed from the server with
        ``ensure_fresh``), without the three round trips a job TaskFlow
        spends on asking each one's state; unclaimed ones are found by
        asking for a batch of lock nodes at once.
        """
        jobs = internals.zookeeper_jobs(self, ensure_fresh=ensure_fresh)
        if not only_unclaimed:
            return iter(jobs)
        return self._unclaimed(jobs)

    def unclaimed_jobs(self, limit, running=frozenset()):
        """Up to ``limit`` unclaimed jobs, oldest first, none of ``running``.

        From the board's cache; a job ``running`` here has its lock held
        by this session anyway.
        """
        jobs = (job for job in self.iterjobs(only_unclaimed=True)
                if job.uuid not in running)
        return list(itertools.islice(jobs, limit))

    def _unclaimed(self, jobs):
        # A batch of existence checks of the lock nodes, sent together.
        batch_size = RedisBoard.CLAIM_CHECK_BATCH
        client = internals.board_client(self)
        for start in range(0, len(jobs), batch_size):
            batch = jobs[start:start + batch_size]
            try:
                checks = [client.exists_async(job.lock_path)
                          for job in batch]
                locks = [check.get(timeout=self.ANSWER_TIMEOUT)
                         for check in checks]
            except (k_exceptions.KazooException,
                    client.handler.timeout_exception) as exc:
                raise tf_exc.JobFailure('Listing unclaimed jobs failed: %s'
                                        % exc) from exc
            yield from (job for job, lock in zip(batch, locks)
                        if lock is None)

    def close(self):
        super().close()
        # The client is ours (TaskFlow's helper cannot authenticate).
        kazoo_utils.finalize_client(internals.board_client(self))


def _host_ports(conf, default_port):
    port = conf.jobboard.port or default_port
    return [host if _has_port(host) else '%s:%s' % (host, port)
            for host in conf.jobboard.hosts]


def _has_port(host):
    # "host:port", "[v6]:port"; a bare IPv6 address has several colons.
    if host.startswith('['):
        return ']:' in host
    return host.count(':') == 1


def _split(host_port):
    host, _sep, port = host_port.rpartition(':')
    return host.strip('[]'), int(port)


def _redis_ssl(opts):
    if not opts.ssl:
        return {}
    ssl = {'ssl': True, 'ssl_cert_reqs': opts.ssl_cert_reqs}
    for name in ('ssl_ca_certs', 'ssl_certfile', 'ssl_keyfile'):
        if getattr(opts, name):
            ssl[name] = getattr(opts, name)
    return ssl


def redis_board_conf(conf):
    """The configuration TaskFlow's Redis board takes, from ``conf``."""
    opts = conf.jobboard
    servers = _host_ports(conf, jobboard_conf.DEFAULT_PORTS['redis'])
    host, port = _split(servers[0])
    board_conf = {'host': host, 'port': port, 'db': opts.redis_db,
                  'namespace': opts.namespace.encode('utf-8'),
                  'socket_timeout': opts.redis_socket_timeout,
                  'socket_connect_timeout': opts.redis_socket_timeout,
                  'health_check_interval': 10}
    if opts.redis_username:
        board_conf['username'] = opts.redis_username
    if opts.redis_password:
        board_conf['password'] = opts.redis_password
    board_conf.update(_redis_ssl(opts))
    if opts.redis_sentinel:
        board_conf['sentinel'] = opts.redis_sentinel
        board_conf['sentinel_fallbacks'] = servers[1:]
        sentinel_kwargs = {'socket_timeout': opts.redis_socket_timeout}
        if opts.redis_sentinel_username:
            sentinel_kwargs['username'] = opts.redis_sentinel_username
        if opts.redis_sentinel_password:
            sentinel_kwargs['password'] = opts.redis_sentinel_password
        if opts.redis_sentinel_ssl:
            sentinel_kwargs.update(_redis_ssl(opts) or {'ssl': True})
        board_conf['sentinel_kwargs'] = sentinel_kwargs
    return board_conf


def zookeeper_path(conf):
    """The znode under which the jobs of this deployment live."""
    return '/%s/jobs' % conf.jobboard.namespace.strip('/')


def zookeeper_client(conf):
    """A kazoo client for ``[jobboard]``: hosts, session timeout, auth, TLS."""
    opts = conf.jobboard
    kwargs = {
        'hosts': ','.join(_host_ports(
            conf, jobboard_conf.DEFAULT_PORTS['zookeeper'])),
        'timeout': float(opts.expiration_time),
    }
    if opts.zookeeper_username:
        kwargs['auth_data'] = [('digest', '%s:%s' % (
            opts.zookeeper_username, opts.zookeeper_password or ''))]
    if opts.ssl:
        kwargs.update(use_ssl=True, ca=opts.ssl_ca_certs,
                      certfile=opts.ssl_certfile, keyfile=opts.ssl_keyfile,
                      keyfile_password=opts.ssl_keyfile_password,
                      verify_certs=opts.ssl_cert_reqs != 'none')
    return kazoo_client.KazooClient(**kwargs)


def make_board(conf, persistence_backend, name=None):
    """An unconnected jobboard of ``[jobboard] backend``."""
    opts = conf.jobboard
    name = name or 'glance-tasks-%s' % socket.gethostname()
    if opts.backend == 'zookeeper':
        # TaskFlow's version check needs the "envi" four-letter command,
        # which ZooKeeper 3.5+ refuses unless whitelisted; every server
        # still supported has the transactions TaskFlow needs.
        return ZooKeeperBoard(name, {'path': zookeeper_path(conf),
                                     'check_compatible': False},
                              client=zookeeper_client(conf),
                              persistence=persistence_backend)
    return RedisBoard(name, redis_board_conf(conf), opts.expiration_time,
                      persistence=persistence_backend)


def task_id_of(job):
    """The id of the task a job runs (None for a job that is not ours)."""
    return (job.details or {}).get(JOB_DETAIL_TASK_ID)


def jobs_by_task(board):
    """``{task id: [jobs]}`` of every job on the board."""
    found = {}
    for job in board.iterjobs(ensure_fresh=True):
        task_id = task_id_of(job)
        if task_id is not None:
            found.setdefault(task_id, []).append(job)
    return found


def flow_book(task_id, task_type, task_input, flow_factory):
    """A task's logbook with its flow detail (and factory), not saved."""
    book = persistence.new_logbook(task_id)
    flow_detail = models.FlowDetail('%s-flow' % task_type,
                                    uuid=uuidutils.generate_uuid())
    book.add(flow_detail)
    engines.save_factory_details(flow_detail, flow_factory,
                                 [task_id, task_input or {}], {})
    return book


def save_flow(backend, task, flow_factory):
    """Save a task's logbook and flow detail (with the factory); return it.

    The flow detail is written straight to the database: the process
    that runs it is another one.
    """
    book = flow_book(task.id, task.type, task.input, flow_factory)
    with contextlib.closing(backend.get_connection()) as conn:
        conn.store_logbook(book)
    return book


def _job_name(task):
    return '%s-%s' % (task.type, task.id)


def post(board, book, task):
    """Post the job of a task whose flow ``book`` holds."""
    return board.post(_job_name(task), book=book,
                      details={JOB_DETAIL_TASK_ID: task.id})


def post_many(board, books_and_tasks):
    """Post the jobs of ``[(book, task)]``; on Redis in one round trip.

    Each job, or in its place the ``JobFailure`` that kept it off the
    board: one job that fails leaves the others posted.
    """
    return board.post_many([
        (_job_name(task), book, {JOB_DETAIL_TASK_ID: task.id})
        for book, task in books_and_tasks])


def post_task(board, backend, registry, task):
    """Save the flow of ``task`` and post it as a job."""
    flow_factory = registry.get(task.type).flow_factory
    return post(board, save_flow(backend, task, flow_factory), task)


def repost(board, backend, registry, task):
    """Post a task's job again, reusing its saved flow if there is one."""
    saved = persistence.find_flow_detail(backend, task.id) is not None
    persistence.evict_logbook(backend, task.id)
    if not saved:
        return post_task(board, backend, registry, task)
    return post(board, persistence.new_logbook(task.id), task)


class JobboardExecutor:
    """Posts each submitted task as a job for ``glance-tasks-engine``.

    It has the local executor's interface. A task whose job cannot be
    posted (board unreachable) stays ``pending``; the engines' sweep posts
    it once the board is back.
    """

    def __init__(self, conf, registry, backend):
        self._registry = registry
        self._backend = backend
        self._board = make_board(conf, backend)
        self._lock = threading.Lock()
        # Jobs of concurrent creates go to the board together.
        self._posts = grouping.GroupCommit(self._post_batch)
        # The flow staged for the task this thread is creating.
        self._staged = threading.local()

    def stage(self, values):
        """What the transaction creating a task writes with it, or None.

        ``values`` are the new task's columns. When the checkpoints live
        in the service's database, the task's flow is saved in the
        transaction that inserts the task (one commit per post instead
        of two), and :meth:`submit` only posts it.
        """
        if not self._backend.in_service_db:
            return None
        book = flow_book(values['id'], values['type'], values.get('input'),
                         self._registry.get(values['type']).flow_factory)
        self._staged.book = book
        conn = self._backend.get_connection()
        return lambda context, task: conn.store_in(context.session, book)

    def _connected_board(self):
        with self._lock:
            if not self._board.connected:
                self._board.connect()
        return self._board

    def submit(self, task):
        """Post the job of a ``pending`` task."""
        book = getattr(self._staged, 'book', None)
        self._staged.book = None
        try:
            if book is None or book.uuid != task.id:
                # The flow first: once saved, a sweep has only to post it.
                book = save_flow(self._backend, task,
                                 self._registry.get(task.type).flow_factory)
            job = self._posts.submit(None, (book, task))
        except tf_exc.JobFailure as exc:
            LOG.warning('Task %(task)s could not be posted to the jobboard '
                        '(%(error)s); it stays pending until an engine\'s '
                        'sweep posts it.', {'task': task.id, 'error': exc})
            return None
        except Exception:
            LOG.exception('Task %s could not be posted to the jobboard; it '
                          'stays pending until an engine\'s sweep posts it.',
                          task.id)
            return None
        LOG.debug('Task %(task)s posted as job %(job)s.',
                  {'task': task.id, 'job': job.uuid})
        return job

    def _post_batch(self, _context, books_and_tasks):
        return post_many(self._connected_board(), books_and_tasks)

    # Tasks record no executor: engines own them through job claims.
    owner = None

    def start(self):
        """Nothing to run here: the engines' sweep finds lost tasks."""
        try:
            self._connected_board()
        except Exception as exc:
            LOG.warning('Jobboard unreachable at start (%s); tasks will be '
                        'posted once it is back.', exc)

    def stop(self, wait=True):
        with self._lock:
            self._board.close()
