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

"""The local hacking checks, fed good and bad lines, and run by flake8."""

import os
import subprocess
import sys

from glance_tasks.hacking import checks
from glance_tasks.tests import base

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..', '..'))


class CheckCases:
    """Each BAD line gets the check's CODE; no GOOD line gets anything."""

    FILENAME = 'glance_tasks/api/handlers/tasks.py'

    def codes(self, line, filename=None):
        kwargs = {'noqa': False}
        if 'filename' in self.check.__code__.co_varnames:
            kwargs['filename'] = filename or self.FILENAME
        return [message.split(':')[0]
                for _offset, message in self.check(line, **kwargs)]

    def test_bad_lines_are_refused(self):
        for line in self.BAD:
            self.assertEqual([self.CODE], self.codes(line), line)

    def test_good_lines_pass(self):
        for line in self.GOOD:
            self.assertEqual([], self.codes(line), line)

    def test_noqa_silences(self):
        kwargs = {'noqa': True}
        if 'filename' in self.check.__code__.co_varnames:
            kwargs['filename'] = self.FILENAME
        self.assertEqual([], list(self.check(self.BAD[0], **kwargs)))


class ExemptFileCases(CheckCases):
    """The BAD lines are allowed in the EXEMPT_FILES."""

    def test_exempt_files_may(self):
        for filename in self.EXEMPT_FILES:
            self.assertEqual([], self.codes(self.BAD[0], filename),
                             filename)


class ModelsImportTest(ExemptFileCases, base.TestCase):
    check = staticmethod(checks.check_models_imported_in_db_only)
    CODE = 'GT101'
    BAD = ('from glance_tasks.db.sqlalchemy import models',
           'from glance_tasks.db.sqlalchemy import types, models',
           'import glance_tasks.db.sqlalchemy.models',
           'from glance_tasks.db.sqlalchemy.models import Task')
    GOOD = ('from glance_tasks.db import tasks as task_db',
            'from glance_tasks.db.sqlalchemy import types')
    EXEMPT_FILES = ('glance_tasks/db/tasks.py',
                    './glance_tasks/db/sqlalchemy/alembic/env.py',
                    'glance_tasks/tests/unit/db/test_tasks.py',
                    os.path.join(os.getcwd(), 'glance_tasks/db/x.py'))


class EventletTest(CheckCases, base.TestCase):
    check = staticmethod(checks.check_no_eventlet)
    CODE = 'GT102'
    BAD = ('import eventlet', 'from eventlet import greenthread',
           'import eventlet.debug')
    GOOD = ('import threading', 'import eventletish',
            'from futurist import periodics')


class LogFstringTest(CheckCases, base.TestCase):
    check = staticmethod(checks.check_no_fstring_log_message)
    CODE = 'GT103'
    BAD = ("LOG.info(f'xxxxx')", 'LOG.warning(F"xxx", x)',
           "LOG.exception(rf'xxx')", "LOG.debug( f'xxx')")
    GOOD = ("LOG.info('xxx %s', task_id)", "LOG.error('xxx', f(x))",
            "print(f'xxx')", "logging.info(fmt)")


class MutableDefaultTest(CheckCases, base.TestCase):
    check = staticmethod(checks.check_no_mutable_default_args)
    CODE = 'GT104'
    BAD = ('def f(names=[]):', 'def f(a, options={}):',
           'def f(self, *, seen=set()):', 'async def f(a: dict = {}):',
           'def f(a=1, b=list()):')
    GOOD = ('def f(names=None):', 'def f(names=()):', 'def f(a=x[0]):',
            'def f(a=frozenset()):', 'x = {}', 'f(a=[])')


class PrivateNamesTest(ExemptFileCases, base.TestCase):
    check = staticmethod(checks.check_private_names_in_internals_only)
    CODE = 'GT105'
    BAD = ('engine.pool._pre_ping = False',
           'with impl_redis._translate_failures():',
           'self._transport._send_notification(target)',
           'client = board._client')
    GOOD = ('self._board.claim(job)', 'cls._cache = {}', 'os._exit(1)',
            'row._mapping', 'point._replace(x=1)',
            "LOG.info('xxx', self._name)", 'x.__class__')
    EXEMPT_FILES = ('glance_tasks/common/internals.py',
                    'glance_tasks/tests/unit/db/test_api.py')


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
