"""The local hacking checks, fed good and bad lines, and run by flake8."""

import os
import subprocess
import sys

from glance_tasks.hacking import checks
from glance_tasks.tests import base

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..', '..'))


def _codes(check, line, filename='glance_tasks/api/handlers/tasks.py',
           **kwargs):
    if 'filename' in check.__code__.co_varnames:
        kwargs['filename'] = filename
    return [message.split(':')[0]
            for _offset, message in check(line, noqa=False, **kwargs)]


class ModelsImportTest(base.TestCase):
    check = staticmethod(checks.check_models_imported_in_db_only)

    def test_imports_of_the_models_outside_db_are_refused(self):
        for line in ('from glance_tasks.db.sqlalchemy import models',
                     'from glance_tasks.db.sqlalchemy import types, models',
                     'import glance_tasks.db.sqlalchemy.models',
                     'from glance_tasks.db.sqlalchemy.models import Task'):
            self.assertEqual(['GT101'], _codes(self.check, line), line)

    def test_the_db_layer_and_the_tests_may_import_them(self):
        line = 'from glance_tasks.db.sqlalchemy import models'
        for filename in ('glance_tasks/db/tasks.py',
                         './glance_tasks/db/sqlalchemy/alembic/env.py',
                         'glance_tasks/tests/unit/db/test_tasks.py',
                         os.path.join(os.getcwd(), 'glance_tasks/db/x.py')):
            self.assertEqual([], _codes(self.check, line, filename),
                             filename)

    def test_other_db_imports_pass(self):
        for line in ('from glance_tasks.db import tasks as task_db',
                     'from glance_tasks.db.sqlalchemy import types'):
            self.assertEqual([], _codes(self.check, line), line)


class EventletTest(base.TestCase):
    check = staticmethod(checks.check_no_eventlet)

    def test_eventlet_imports_are_refused(self):
        for line in ('import eventlet', 'from eventlet import greenthread',
                     'import eventlet.debug'):
            self.assertEqual(['GT102'], _codes(self.check, line), line)

    def test_other_imports_pass(self):
        for line in ('import threading', 'import eventletish',
                     'from futurist import periodics'):
            self.assertEqual([], _codes(self.check, line), line)


class LogFstringTest(base.TestCase):
    check = staticmethod(checks.check_no_fstring_log_message)

    def test_fstring_messages_are_refused(self):
        for line in ("LOG.info(f'xxxxx')", 'LOG.warning(F"xxx", x)',
                     "LOG.exception(rf'xxx')", "LOG.debug( f'xxx')"):
            self.assertEqual(['GT103'], _codes(self.check, line), line)

    def test_constant_messages_with_arguments_pass(self):
        for line in ("LOG.info('xxx %s', task_id)",
                     "LOG.error('xxx', f(x))",
                     "print(f'xxx')", "logging.info(fmt)"):
            self.assertEqual([], _codes(self.check, line), line)


class MutableDefaultTest(base.TestCase):
    check = staticmethod(checks.check_no_mutable_default_args)

    def test_mutable_defaults_are_refused(self):
        for line in ('def f(names=[]):', 'def f(a, options={}):',
                     'def f(self, *, seen=set()):',
                     'async def f(a: dict = {}):',
                     'def f(a=1, b=list()):'):
            self.assertEqual(['GT104'], _codes(self.check, line), line)

    def test_immutable_defaults_pass(self):
        for line in ('def f(names=None):', 'def f(names=()):',
                     'def f(a=x[0]):', 'def f(a=frozenset()):',
                     'x = {}', 'f(a=[])'):
            self.assertEqual([], _codes(self.check, line), line)


class PrivateNamesTest(base.TestCase):
    check = staticmethod(checks.check_private_names_in_internals_only)

    def test_private_names_of_other_objects_are_refused(self):
        for line in ('engine.pool._pre_ping = False',
                     'with impl_redis._translate_failures():',
                     'self._transport._send_notification(target)',
                     'client = board._client'):
            self.assertEqual(['GT105'], _codes(self.check, line), line)

    def test_own_and_public_underscored_names_pass(self):
        for line in ('self._board.claim(job)', 'cls._cache = {}',
                     'os._exit(1)', 'row._mapping', 'point._replace(x=1)',
                     "LOG.info('xxx', self._name)", 'x.__class__'):
            self.assertEqual([], _codes(self.check, line), line)

    def test_the_internals_module_and_tests_may(self):
        line = 'engine.pool._pre_ping = False'
        for filename in ('glance_tasks/common/internals.py',
                         'glance_tasks/tests/unit/db/test_api.py'):
            self.assertEqual([], _codes(self.check, line, filename),
                             filename)


class Flake8RunsThemTest(base.TestCase):
    """tox.ini registers the checks: flake8 reports each code."""

    SOURCE = '\n'.join([
        'import eventlet',
        '',
        'from glance_tasks.db.sqlalchemy import models',
        '',
        '',
        'def f(log, pool, seen=[]):',
        "    log.info(f'{seen}')",
        "    LOG.info(f'{seen}')",
        '    pool._pre_ping = False',
        '    return eventlet, models',
        '',
    ])

    def test_flake8_reports_every_local_check(self):
        result = subprocess.run(
            [sys.executable, '-m', 'flake8', '--select=GT',
             '--stdin-display-name=glance_tasks/api/example.py', '-'],
            input=self.SOURCE, capture_output=True, text=True, cwd=ROOT,
            timeout=120)
        codes = sorted(line.split(': ')[1].split(':')[0]
                       for line in result.stdout.splitlines()
                       if line.startswith('glance_tasks/api/example.py'))
        self.assertEqual(['GT101', 'GT102', 'GT103', 'GT104', 'GT105'],
                         codes, result.stdout + result.stderr)
