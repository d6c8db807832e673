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

"""Canary tests: the library internals the service builds on.

:mod:`glance_tasks.common.internals` holds every use of a private name of
TaskFlow, SQLAlchemy, oslo.messaging and glance_store. Should a release
rename or change one, a test here names it, where the functional tests
would only hang or fail obscurely. The last tests check that the module
lists every private name it uses, and that no other module touches one.
"""

import ast
import importlib
import inspect
import os
import pkgutil
import re
import textwrap

import futurist
from kazoo import client as kazoo_client
from oslo_config import cfg
import oslo_messaging
from oslo_serialization import msgpackutils
import redis
import sqlalchemy as sa
from taskflow.conductors.backends import impl_blocking
from taskflow.conductors.backends import impl_executor
from taskflow import engines
from taskflow import exceptions as tf_exc
from taskflow.jobs.backends import impl_redis
from taskflow.jobs.backends import impl_zookeeper
from taskflow.listeners import base as listeners_base
from taskflow.patterns import linear_flow
from taskflow import task as tf_task

import glance_tasks
from glance_tasks.common import internals
from glance_tasks.engine import claims
from glance_tasks.engine import conductor
from glance_tasks.tests import base
from glance_tasks.tests.unit.jobboard import fakes

LIBRARIES = ('taskflow', 'sqlalchemy', 'oslo_messaging', 'glance_store')
PRIVATE = re.compile(r'^_[a-z]\w*$')


def _listed(kind):
    return internals.PRIVATE_NAMES[kind]


class _Echo(tf_task.Task):
    def execute(self):
        return 'done'


class _Recorder(internals.TransitionListener):
    def __init__(self, engine):
        super().__init__(engine)
        self.seen = []

    def on_transition(self, state, details):
        self.seen.append((state, 'task_name' in details))


class TaskFlowConductorTest(base.TestCase):
    """Canary test: the TaskFlow conductor internals our conductors use."""

    def test_methods_our_conductors_call_or_replace(self):
        for kind in conductor.CONDUCTORS.values():
            self.assertTrue(issubclass(kind, impl_executor.ExecutorConductor))
        base_class = impl_executor.ExecutorConductor
        for method in ('_run_until_dead', '_can_claim_more_jobs',
                       '_try_finish_job'):
            self.assertIn(method, _listed('taskflow ExecutorConductor'))
            self.assertTrue(callable(getattr(base_class, method, None)),
                            method)
        # run() calls the loop with these; finish_job passes two.
        self.assertEqual(['self', 'executor', 'max_dispatches'], list(
            inspect.signature(base_class._run_until_dead).parameters))
        inspect.signature(base_class._try_finish_job).bind(
            None, 'job', True)

    def test_state_our_conductors_read(self):
        board = fakes.Board()
        keeper = claims.ClaimKeeper(board, 30)
        wait = conductor.WakeableTimeout(0.1)
        for kind in conductor.CONDUCTORS.values():
            cond = kind('me', board, None, keeper, wait_timeout=wait,
                        max_simultaneous_jobs=2)
            for attribute in ('_name', '_jobboard', '_wait_timeout',
                              '_dispatched', '_max_simultaneous_jobs'):
                self.assertIn(attribute,
                              _listed('taskflow ExecutorConductor'))
                self.assertTrue(hasattr(cond, attribute), attribute)
            self.assertEqual('me', cond.name)
            self.assertIs(board, cond.board)
            self.assertIs(wait, cond.wait_timeout)
            self.assertTrue(cond.can_claim_more_jobs(None))
            self.assertEqual(2, cond.free_slots())
            future = futurist.Future()
            future.job = 'job'
            cond.track_dispatch(future)
            self.assertEqual(1, cond.free_slots())
            self.assertEqual(['job'], cond.dispatched_jobs())
            cond.untrack_dispatch(future)
            self.assertEqual([], cond.dispatched_jobs())

    def test_the_run_loop_taskflow_calls_is_ours(self):
        calls = []

        class Probe(internals.ExecutorConductorHooks,
                    impl_blocking.BlockingConductor):
            def run_until_stopped(self, executor):
                calls.append(executor)

        probe = Probe('probe', fakes.Board(), wait_timeout=0.1)
        self.addCleanup(probe.close)
        probe.run()
        self.assertEqual(1, len(calls))


class TaskFlowListenerTest(base.TestCase):

    def test_receivers_hear_flow_and_task_transitions(self):
        for name in _listed('taskflow Listener'):
            self.assertTrue(callable(getattr(listeners_base.Listener, name)),
                            name)
        engine = engines.load(linear_flow.Flow('f').add(_Echo()))
        with _Recorder(engine) as recorder:
            engine.run()
        # Flow transitions carry no task name; task transitions do.
        self.assertIn(('SUCCESS', False), recorder.seen)
        self.assertIn(('SUCCESS', True), recorder.seen)


class TaskFlowJobboardTest(base.TestCase):

    def test_redis_failures_become_job_failures(self):
        self.assertIn('_translate_failures', _listed('taskflow impl_redis'))

        def unreachable():
            with internals.redis_failures():
                raise redis.exceptions.ConnectionError('gone')

        self.assertRaises(tf_exc.JobFailure, unreachable)

    def test_redis_board_state(self):
        persistence = object()
        board = impl_redis.RedisJobBoard(
            'canary', {'host': '127.0.0.1', 'port': 1},
            persistence=persistence)
        for name in _listed('taskflow RedisJobBoard'):
            self.assertTrue(hasattr(board, name), name)
        self.assertIsInstance(internals.board_client(board), redis.Redis)
        self.assertIs(persistence, internals.board_persistence(board))
        self.assertEqual({'uuid': 'u'}, internals.decode_redis_posting(
            board, msgpackutils.dumps({'uuid': 'u'})))
        self.assertRaises(tf_exc.JobFailure, internals.decode_redis_posting,
                          board, msgpackutils.dumps([1]))

    def test_zookeeper_board_state(self):
        client = kazoo_client.KazooClient(hosts='127.0.0.1:1')
        board = impl_zookeeper.ZookeeperJobBoard(
            'canary', {'path': '/canary', 'check_compatible': False},
            client=client)
        for name in _listed('taskflow ZookeeperJobBoard'):
            self.assertTrue(hasattr(board, name), name)
        self.assertIs(client, internals.board_client(board))
        self.assertIn('ensure_fresh',
                      inspect.signature(board._fetch_jobs).parameters)
        # Nothing fetched from an unconnected board: an empty cache.
        self.assertEqual([], internals.zookeeper_jobs(board))


class SQLAlchemyPoolTest(base.TestCase):

    def _engine(self):
        engine = sa.create_engine('sqlite://', poolclass=sa.pool.QueuePool,
                                  pool_pre_ping=True)
        self.addCleanup(engine.dispose)
        return engine

    def test_pre_ping_is_turned_off(self):
        engine = self._engine()
        self.assertIs(True, engine.pool._pre_ping)
        internals.disable_pre_ping(engine.pool)
        self.assertIs(False, engine.pool._pre_ping)

    def test_a_replacement_pool_keeps_the_connect_listeners(self):
        engine = self._engine()
        connected = []
        sa.event.listen(engine, 'connect',
                        lambda dbapi_conn, record: connected.append(1))
        self.assertIn('_dispatch', inspect.signature(
            sa.pool.Pool.__init__).parameters)
        self.assertTrue(callable(engine.pool._creator))
        old = engine.pool
        engine.pool = internals.replacement_pool(
            old, sa.pool.QueuePool, pool_size=1, dialect=engine.dialect)
        old.dispose()
        with engine.connect() as conn:
            self.assertEqual(1, conn.scalar(sa.text('SELECT 1')))
        self.assertEqual([1], connected)


class OptionListsTest(base.TestCase):

    def test_notifier_options_are_oslo_messagings_own_list(self):
        opts = internals.notifier_opts()
        [driver] = [opt for opt in opts if opt.dest == 'driver']
        self.addCleanup(cfg.set_defaults, opts, driver=driver.default)
        cfg.set_defaults(opts, driver=['canary'])
        conf = cfg.ConfigOpts()
        conf([])
        oslo_messaging.get_notification_transport(conf, url='fake://')
        # The default set on the list is the one oslo.messaging registers.
        self.assertEqual(['canary'],
                         conf.oslo_messaging_notifications.driver)

    def test_the_transport_takes_a_notification(self):
        conf = cfg.ConfigOpts()
        conf([])
        transport = oslo_messaging.get_notification_transport(
            conf, url='fake://')
        self.addCleanup(transport.cleanup)
        self.assertTrue(hasattr(transport, '_send_notification'))
        target = oslo_messaging.Target(topic='notifications.info')
        inspect.signature(transport._send_notification).bind(
            target, {}, {}, version='2.0', retry=1)
        internals.send_notification(transport, target, {}, {'a': 1},
                                    version='2.0', retry=1)

    def test_glance_store_lists_its_option_objects(self):
        groups = dict(internals.glance_store_opts())
        self.assertIn('glance_store', groups)
        self.assertIn('filesystem_store_datadir',
                      [opt.dest for opt in groups['glance_store']])


def _attributes_used(tree):
    """Private names used as ``x._name`` or defined in a class body."""
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and PRIVATE.match(node.attr):
            used.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg and \
                PRIVATE.match(node.arg):
            used.add(node.arg)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and \
                        PRIVATE.match(item.name):
                    used.add(item.name)
                elif isinstance(item, ast.Assign):
                    used.update(t.id for t in item.targets
                                if isinstance(t, ast.Name) and
                                PRIVATE.match(t.id))
    return used


def _our_modules():
    root = os.path.dirname(glance_tasks.__file__)
    for info in pkgutil.walk_packages([root], 'glance_tasks.'):
        if '.tests' in info.name or '.hacking' in info.name:
            continue
        if info.name == internals.__name__:
            continue
        yield importlib.import_module(info.name)


def _library_private_names(cls):
    """Private names the library classes in ``cls``'s MRO define or use."""
    names = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith(LIBRARIES):
            continue
        names.update(n for n in vars(klass) if PRIVATE.match(n))
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        names.update(re.findall(r'self\.(_[a-z]\w*)', source))
    return names


class FenceTest(base.TestCase):
    """Private library names live in the internals module only."""

    def test_the_module_lists_every_private_name_it_uses(self):
        with open(internals.__file__) as f:
            used = _attributes_used(ast.parse(f.read()))
        listed = {name for names in internals.PRIVATE_NAMES.values()
                  for name in names}
        self.assertEqual(listed, used)

    def test_our_subclasses_of_library_classes_touch_none(self):
        checked = set()
        offences = []
        for module in _our_modules():
            for cls in vars(module).values():
                if not inspect.isclass(cls) or cls.__module__ != \
                        module.__name__:
                    continue
                library = _library_private_names(cls)
                if not library:
                    continue
                for klass in cls.__mro__:
                    if klass in checked or not klass.__module__.startswith(
                            'glance_tasks.') or \
                            klass.__module__ == internals.__name__:
                        continue
                    checked.add(klass)
                    ours = _attributes_used(ast.parse(textwrap.dedent(
                        inspect.getsource(klass))))
                    offences.extend('%s: %s' % (klass.__qualname__, name)
                                    for name in sorted(ours & library))
        self.assertNotEqual(set(), checked)
        self.assertEqual([], offences)
