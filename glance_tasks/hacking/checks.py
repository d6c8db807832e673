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

"""glance_tasks' own flake8 checks (hacking local plugins).

They keep the layers and the habits of HACKING.rst; tox.ini's
``[flake8:local-plugins]`` registers them, so ``tox -e pep8`` and
``.venv/bin/flake8`` run them. Each code is explained in HACKING.rst.

This module is loaded by flake8 from its directory, outside the package:
it imports nothing of glance_tasks.

* GT101: the database models are imported only inside glance_tasks/db/.
* GT102: nothing imports eventlet (the service runs on native threads).
* GT103: no f-string as the message of a log call (H904 covers ``%`` and
  ``.format``).
* GT104: no mutable default argument (a list, dict or set literal).
* GT105: a private name of another object (``thing._name``) only in
  glance_tasks/common/internals.py.
"""

import os
import re

from hacking import core

MODELS_MODULE = 'glance_tasks.db.sqlalchemy.models'
INTERNALS_MODULE = 'glance_tasks/common/internals.py'

_models_import = re.compile(
    r'^\s*(?:import\s+glance_tasks\.db\.sqlalchemy\.models\b'
    r'|from\s+glance_tasks\.db\.sqlalchemy\s+import\s+(?:.*,\s*)?models\b'
    r'|from\s+glance_tasks\.db\.sqlalchemy\.models\s+import\b)')
_eventlet_import = re.compile(
    r'^\s*(?:import\s+eventlet\b|from\s+eventlet\b)')
_log_fstring = re.compile(
    r'\bLOG\.(?:debug|info|warning|warn|error|exception|critical)'
    r'\(\s*[rbRB]?[fF]')
_mutable_default = re.compile(
    r'^\s*(?:async\s+)?def\s+\w+\(.*?\w+(?:\s*:[^=,)]+)?\s*=\s*'
    r'(?:\[|\{|set\(\)|list\(\)|dict\(\))')
# ``x._name`` where x is not self or cls. Strings are blanked first.
_private_access = re.compile(r'(?<![\w.])(\w+)((?:\.\w+)*)\.(_[a-z]\w*)')
_strings = re.compile(r'''(?:[rbuRBU]{0,2})("""|\'\'\'|"|')(?:\\.|.)*?\1''')
# Underscored but public: os._exit and the named-tuple API of SQLAlchemy
# rows and collections.namedtuple.
PUBLIC_UNDERSCORED = frozenset({
    '_exit', '_asdict', '_mapping', '_fields', '_replace', '_make',
    '_field_defaults'})


def _relative(filename):
    path = os.path.normpath(filename)
    if os.path.isabs(path):
        path = os.path.relpath(path)
    return path.replace(os.sep, '/')


def _in(filename, *prefixes):
    return _relative(filename).startswith(prefixes)


@core.flake8ext
def check_models_imported_in_db_only(logical_line, filename, noqa):
    """GT101: only glance_tasks/db/ (and tests) import the models.

    Okay (in glance_tasks/db/tasks.py):
        from glance_tasks.db.sqlalchemy import models
    GT101 (in glance_tasks/api/handlers/tasks.py):
        from glance_tasks.db.sqlalchemy import models
    """
    if noqa or not _in(filename, 'glance_tasks/'):
        return
    if _in(filename, 'glance_tasks/db/', 'glance_tasks/tests/'):
        return
    if _models_import.match(logical_line):
        yield 0, ('GT101: %s is imported only in glance_tasks/db/: call a '
                  'function of the db layer instead.' % MODELS_MODULE)


@core.flake8ext
def check_no_eventlet(logical_line, noqa):
    """GT102: nothing imports eventlet.

    Okay: import threading
    GT102: import eventlet
    GT102: from eventlet import greenthread
    """
    if not noqa and _eventlet_import.match(logical_line):
        yield 0, ('GT102: the service runs on native threads; do not '
                  'import eventlet.')


@core.flake8ext
def check_no_fstring_log_message(logical_line, noqa):
    """GT103: a log call's message is a constant; its arguments follow.

    Okay: LOG.info('Task %s started.', task_id)
    GT103: LOG.info(f'Task {task_id} started.')
    """
    if not noqa and _log_fstring.search(logical_line):
        yield 0, ('GT103: pass the arguments to the log call instead of an '
                  'f-string as its message.')


@core.flake8ext
def check_no_mutable_default_args(logical_line, noqa):
    """GT104: default arguments are immutable (None, then create one).

    Okay: def f(names=None):
    Okay: def f(names=()):
    GT104: def f(names=[]):
    GT104: def f(a, options={}):
    """
    if not noqa and _mutable_default.match(logical_line):
        yield 0, ('GT104: a mutable default argument is shared by every '
                  'call; default to None and create the value inside.')


@core.flake8ext
def check_private_names_in_internals_only(logical_line, filename, noqa):
    """GT105: another object's private name only in common/internals.py.

    Okay: self._board.claim(job)
    Okay: os._exit(1)
    GT105: engine.pool._pre_ping = False
    GT105: with impl_redis._translate_failures():
    """
    if noqa or _in(filename, INTERNALS_MODULE, 'glance_tasks/tests/'):
        return
    line = _strings.sub('""', logical_line)
    for match in _private_access.finditer(line):
        owner, attribute = match.group(1), match.group(3)
        if owner in ('self', 'cls') and not match.group(2):
            continue
        if attribute in PUBLIC_UNDERSCORED:
            continue
        yield match.start(3), (
            'GT105: %s is private to its library or module; wrap its use '
            'in glance_tasks/common/internals.py (with a canary test).'
            % attribute)
