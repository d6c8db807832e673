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

"""The service as the functional tests and the benchmarks run it.

One way to configure and start it, whatever runs it:

* :class:`ServiceConfig` writes one configuration file from a few named
  choices -- database URL, executor (``local``, or ``jobboard`` on
  ``redis`` or ``zookeeper``), notification driver -- and the options a
  test adds; the same settings can be put on an in-process ``ConfigOpts``
  (:meth:`ServiceConfig.apply`), so a test's own process and its children
  cannot disagree.
* :func:`start_in_process` syncs the databases and starts a
  ``TaskService`` in this process; :class:`InProcessAPI` adds the WSGI
  app on a database of its own, and serves it on a port if asked
  (:meth:`InProcessAPI.serve`, :func:`serve`).
* :class:`APIProcess` (``glance-tasks-api``), :class:`EngineProcess`
  (``glance-tasks-engine``) and :class:`ChildProcess` (any other command,
  such as a test's child module) run a child process, wait until it says
  it is ready, and stop it with SIGTERM (:meth:`ChildProcess.stop`) or
  SIGKILL (:meth:`ChildProcess.kill`); one still running when its test
  ends is killed.

It imports nothing a benchmark under ``tools/`` lacks: the package is
installed in the venv, and ``fixtures`` is a test requirement the
benchmarks' venv has.
"""

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import fixtures
from oslo_config import cfg
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import provision
from oslo_db.sqlalchemy import test_fixtures
from oslo_utils import uuidutils
from stevedore import extension

from glance_tasks.api import app as app_mod
from glance_tasks import conf as gt_conf
from glance_tasks.db import api as db_api
from glance_tasks.db import migration
from glance_tasks.engine import persistence
from glance_tasks import service as service_mod
from glance_tasks.task_types import registry as registry_mod
from glance_tasks.wsgi import server as server_mod

HOST = '127.0.0.1'
# The shared servers tools/start-services.sh runs.
BOARD_PORTS = {'redis': 6379, 'zookeeper': 2181}
TIMEOUT = 60  # seconds a process may take to start or to stop

_MODULES = {'glance-tasks-api': 'glance_tasks.cmd.api',
            'glance-tasks-engine': 'glance_tasks.cmd.engine',
            'glance-tasks-manage': 'glance_tasks.cmd.manage'}


def command(name):
    """The console script ``name`` of this venv (or its module)."""
    script = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(script) or name not in _MODULES:
        return [script]
    return [sys.executable, '-m', _MODULES[name]]


def read_until(stream, marker, limit=200):
    """The first line of ``stream`` holding ``marker``, or all read.

    A console script's log lines (oslo.log writes to stdout when there is
    no log file) may come before the line a caller waits for.
    """
    lines = []
    for line in stream:
        lines.append(line)
        if marker in line or len(lines) >= limit:
            break
    return lines[-1] if lines and marker in lines[-1] else ''.join(lines)


def _text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return ','.join(str(item) for item in value)
    return '' if value is None else str(value)


class ServiceConfig:
    """One service configuration, as a file and as overrides.

    ``database``: a URL (default: the service's own SQLite file under
    ``state_path``). ``executor``: ``local`` or ``jobboard``; a jobboard
    is ``board`` (``redis`` or ``zookeeper``) on 127.0.0.1, its ``port``
    (default: the shared server's) and ``namespace``. ``notifications``:
    the oslo.messaging driver (``None``: the service's default, none).
    ``task_types``: those enabled. ``options``: ``{group: {option:
    value}}`` added or overriding (``DEFAULT`` for the default group; a
    value ``None`` leaves the option at its default). The periodic purge
    is off unless ``options`` says.
    """

    def __init__(self, state_path, database=None, executor='local',
                 board='redis', port=None, namespace=None,
                 notifications='noop', task_types=('noop',), options=None,
                 name='glance-tasks'):
        self.state_path = state_path
        self.path = os.path.join(state_path, name + '.conf')
        self.settings = self._settings(database, executor, board, port,
                                       namespace, notifications, task_types)
        for group, values in (options or {}).items():
            self.settings.setdefault(group, {}).update(values)

    @staticmethod
    def _settings(database, executor, board, port, namespace,
                  notifications, task_types):
        settings = {
            'DEFAULT': {},
            'task': {'enabled_task_types': list(task_types),
                     'purge_interval': 0},
        }
        if notifications:
            settings['oslo_messaging_notifications'] = {
                'driver': [notifications]}
        if database:
            settings['database'] = {'connection': database}
        if executor == 'jobboard':
            settings['task_executor'] = {'backend': 'jobboard'}
            settings['jobboard'] = {
                'backend': board, 'hosts': [HOST],
                'port': port or BOARD_PORTS[board], 'namespace': namespace}
        return settings

    def write(self):
        """Write the file (state_path set); return its path."""
        sections = dict(self.settings)
        sections['DEFAULT'] = dict({'state_path': self.state_path},
                                   **sections['DEFAULT'])
        os.makedirs(self.state_path, exist_ok=True)
        with open(self.path, 'w') as f:
            for group, values in sections.items():
                f.write('[%s]\n' % group)
                for name, value in values.items():
                    if value is not None:
                        f.write('%s = %s\n' % (name, _text(value)))
                f.write('\n')
        return self.path

    def apply(self, conf):
        """The same settings as overrides on a loaded ``conf``."""
        conf.set_override('state_path', self.state_path)
        for group, values in self.settings.items():
            for name, value in values.items():
                if value is not None:
                    conf.set_override(name, value, group=None
                                      if group == 'DEFAULT' else group)
        return conf

    def load(self, conf=None):
        """Write the file and parse it into a fully registered conf."""
        return gt_conf.load(args=['--config-file', self.write()], conf=conf)

    def db_sync(self):
        """``glance-tasks-manage db sync`` on this configuration."""
        subprocess.run(command('glance-tasks-manage') + [
            '--config-file', self.write(), 'db', 'sync'],
            check=True, capture_output=True, timeout=2 * TIMEOUT)


def new_database(database_type, prefix):
    """A fresh database on the shared ``mysql`` or ``postgresql`` server.

    Provisioned with oslo.db's opportunistic credentials, as its own
    tests do; raises ``BackendNotAvailable`` when that server is not
    there. Returns ``(url, drop)``; call ``drop()`` once every connection
    to it is closed.
    """
    backend = provision.Backend.backend_for_database_type(database_type)
    name = '%s_%s' % (prefix, uuidutils.generate_uuid(dashed=False))
    backend.create_named_database(name)
    url = backend.provisioned_database_url(name).render_as_string(
        hide_password=False)
    return url, functools.partial(backend.drop_named_database, name,
                                  conditional=True)


def loopback_imports(fetch_timeout=None, **more):
    """``options`` for ``import`` tasks from a test's HTTP server here."""
    options = {'import_filtering_opts': {'allowed_hosts': [HOST],
                                         'allowed_ports': []}}
    if fetch_timeout is not None:
        options['image_import'] = {'fetch_timeout': fetch_timeout}
    options.update(more)
    return options


def installed_with(task_types):
    """The installed task types, ``task_types`` replacing theirs by name.

    None (the installed ones, as the service loads them) when there are
    no ``task_types``.
    """
    if not task_types:
        return None
    replaced = {task_type.name for task_type in task_types}
    installed = extension.ExtensionManager(registry_mod.NAMESPACE,
                                           invoke_on_load=False)
    return [ext.plugin for ext in installed
            if ext.name not in replaced] + list(task_types)


def start_in_process(conf, task_types=None, sync=True):
    """A started ``TaskService`` on ``conf``'s databases, synced first.

    ``task_types``: the classes to offer (default: the installed ones).
    """
    if sync:
        db_api.configure(conf)
        migration.db_sync()
    persistence.sync_own_database(conf)
    registry = None
    if task_types is not None:
        registry = registry_mod.TaskTypeRegistry(
            task_types, conf.task.enabled_task_types)
    service = service_mod.TaskService(conf, registry=registry)
    service.start()
    return service


def serve(conf, app):
    """Serve ``app`` on 127.0.0.1 at a free port: ``(server, url)``."""
    conf.set_override('bind_host', HOST)
    conf.set_override('bind_port', 0)
    server = server_mod.make_server(conf, app)
    _, port = server_mod.start(server)
    return server, 'http://%s:%d' % (HOST, port)


class InProcessAPI:
    """Configuration, database, task service and app in this process.

    In-memory SQLite shares one connection between threads and breaks
    with the executor's worker threads, so the databases are files in a
    temporary directory (``tempdir``): ``database`` is ``sqlite``, or
    ``mysql``/``postgresql`` for a fresh database on the shared server
    (oslo.db's opportunistic credentials; dropped by :meth:`stop`), or a
    URL. ``task_types``: classes replacing the installed types of their
    name. ``facade``: more engine facade settings. ``options`` as for
    :class:`ServiceConfig`; ``before_app(conf)`` may change the
    configuration before the service starts. ``stop`` undoes it all.
    """

    def __init__(self, options=None, before_app=None, database='sqlite',
                 notifications='test', task_types=(), facade=None):
        self._drop = None
        self._server = None
        self.tempdir = tempfile.mkdtemp(prefix='glance-tasks-api-')
        settings = {'task_executor': {
            'persistence_connection': 'sqlite:///%s' % os.path.join(
                self.tempdir, 'flows.sqlite')}}
        for group, values in (options or {}).items():
            settings.setdefault(group, {}).update(values)
        self.database_url = self._database_url(database)
        self.config = ServiceConfig(
            self.tempdir, database=self.database_url,
            notifications=notifications, options=settings)
        self.conf = self.config.apply(gt_conf.load(args=[],
                                                   conf=cfg.ConfigOpts()))
        if before_app is not None:
            before_app(self.conf)
        self._facade_fixture = self._database(facade or {})
        self._facade_fixture.setUp()
        self.service = start_in_process(
            self.conf, installed_with(task_types), sync=False)
        self.app = app_mod.make_app(self.conf, self.service)

    def _database_url(self, database):
        if database == 'sqlite':
            return 'sqlite:///%s' % os.path.join(self.tempdir,
                                                 'glance.sqlite')
        if '://' in database:
            return database
        url, self._drop = new_database(database, 'gt_api')
        return url

    def _database(self, facade_options):
        self._facade = facade = enginefacade.transaction_context()
        engine = db_api.setup_facade(facade, dict(
            {'connection': self.database_url, 'sqlite_fk': True},
            **facade_options))
        migration.db_sync(engine)
        return test_fixtures.ReplaceEngineFacadeFixture(
            db_api.context_manager, facade)

    def serve(self):
        """Serve the app on a free port (until :meth:`stop`); its URL."""
        self._server, url = serve(self.conf, self.app)
        return url

    def stop(self):
        if self._server is not None:
            server_mod.stop(self._server, TIMEOUT)
        self.service.stop()
        # Overrides live on option groups oslo.config shares between
        # ConfigOpts objects: drop them so no later test inherits them.
        self.conf.reset()
        self._facade_fixture.cleanUp()
        if self._drop is not None:
            # A server refuses to drop a database with open connections.
            self._facade.dispose_pool()
            self._drop()
        shutil.rmtree(self.tempdir, ignore_errors=True)


class NotReady(AssertionError):
    """A process ended, or did not say it was ready in time: a failure."""


class ChildProcess(fixtures.Fixture):
    """One child process; SIGKILLed if still running at cleanup.

    ``output``: a file that takes its stdout and stderr (default: stdout
    is a pipe, stderr goes to the file ``stderr`` or is dropped).
    ``stdin=True`` gives it a pipe to read. ``block=False``: set up
    returns at once, the caller waits with :meth:`wait_ready` (to start
    several side by side).
    """

    def __init__(self, argv, cwd=None, env=None, output=None, stdin=False,
                 stderr=None, block=True):
        super().__init__()
        self.output = output
        self.block = block
        self._stderr = stderr
        self._popen_args = dict(
            args=list(argv), cwd=cwd, env=env, text=True,
            stdin=subprocess.PIPE if stdin else None)

    def _setUp(self):
        if self.output:
            with open(self.output, 'w') as out:
                self.proc = self._popen(out, subprocess.STDOUT)
        elif self._stderr:
            with open(self._stderr, 'w') as err:
                self.proc = self._popen(subprocess.PIPE, err)
        else:
            self.proc = self._popen(subprocess.PIPE, subprocess.DEVNULL)
        self.addCleanup(self._reap)
        self.pid = self.proc.pid
        if self.block:
            self.wait_ready()

    def _popen(self, stdout, stderr):
        return subprocess.Popen(stdout=stdout, stderr=stderr,
                                **self._popen_args)

    def wait_ready(self):
        """Return once the process is ready; a subclass says when."""

    def read_line(self):
        """The next line of its standard output."""
        return self.proc.stdout.readline()

    def close_stdin(self):
        """Close its standard input (``stdin=True``): end of commands."""
        self.proc.stdin.close()

    def poll(self):
        return self.proc.poll()

    def signal(self, signum):
        if self.proc.poll() is None:
            self.proc.send_signal(signum)

    def wait(self, timeout=TIMEOUT):
        return self.proc.wait(timeout)

    def stop(self, timeout=TIMEOUT):
        """SIGTERM, as an operator stops it; its exit status."""
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self, timeout=TIMEOUT):
        """SIGKILL, a crash; its exit status."""
        self.signal(signal.SIGKILL)
        return self.wait(timeout)

    def _reap(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)
        for stream in (self.proc.stdout, self.proc.stdin):
            if stream is not None and not stream.closed:
                stream.close()

    @staticmethod
    def read(path):
        """The text of ``path`` so far ('' before it exists)."""
        if not os.path.exists(path):
            return ''
        with open(path, errors='replace') as f:
            return f.read()


class APIProcess(ChildProcess):
    """``glance-tasks-api`` on ``config``; ``url`` and ``port`` once up.

    Give the configuration ``bind_port = 0`` (as :func:`api_config`
    does): the process prints the port it got.
    """

    def __init__(self, config, **kwargs):
        super().__init__(command('glance-tasks-api') +
                         ['--config-file', config], **kwargs)

    def wait_ready(self):
        line = read_until(self.proc.stdout, 'listening on')
        if 'listening on' not in line:
            raise NotReady('glance-tasks-api did not start: %s' % line)
        self.url = line.split()[-1].rstrip('/')
        self.port = int(self.url.rsplit(':', 1)[1])


class EngineProcess(ChildProcess):
    """``glance-tasks-engine`` on ``config``, its output in ``output``.

    Ready once it printed its name (``name``), within ``timeout``.
    ``program``: the command to run instead of ``glance-tasks-engine``
    (a test's wrapper of its ``main``).
    """

    def __init__(self, config, output, timeout=TIMEOUT, program=None,
                 **kwargs):
        super().__init__((program or command('glance-tasks-engine')) +
                         ['--config-file', config], output=output, **kwargs)
        self.timeout = timeout
        self.name = None

    def wait_ready(self):
        deadline = time.monotonic() + self.timeout
        while self.name is None:
            self.check_alive()
            for line in self.read(self.output).splitlines():
                if line.startswith('glance-tasks-engine '):
                    self.name = line.split()[1]
            if time.monotonic() > deadline:
                raise NotReady('glance-tasks-engine did not start in %d s'
                               % self.timeout)
            time.sleep(0.05)

    def check_alive(self):
        if self.proc.poll() is not None:
            raise NotReady('the engine exited with %s:\n%s' % (
                self.proc.returncode, self.read(self.output)))


def api_config(state_path, **choices):
    """A :class:`ServiceConfig` for ``glance-tasks-api`` on a free port."""
    config = ServiceConfig(state_path, **choices)
    config.settings['DEFAULT'].setdefault('bind_port', 0)
    return config
