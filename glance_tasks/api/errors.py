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

"""The one place exceptions become HTTP error responses.

Error bodies follow the OpenStack API-SIG errors format::

    {"errors": [{"request_id": ..., "code": "image.task_not_found",
                 "status": 404, "title": "Not Found", "detail": ...,
                 "links": [{"rel": "help", "href": ...}]}],
     "message": ...}

The top-level ``message`` repeats the detail for openstacksdk and the
OpenStack client, which look for a ``message`` member and would otherwise
show only the status line. python-glanceclient calls ``.get('message')``
on every top-level value and so breaks on the ``errors`` list: clients
named in ``[api] legacy_error_user_agents`` get the older
``{"error": {"code", "title", "message"}}`` shape, which it reads.

Details never include a task's input (it may hold credentials), and 4xx
responses are logged without their detail for the same reason.

A database that cannot be reached (stopped, restarting, unreachable, its
pool exhausted) is answered 503 with ``Retry-After``, not 500: the
request was valid and may succeed later. See :func:`database_unavailable`.
"""

import http.client
import re

from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy.exc as sa_exc
import webob
import webob.exc

from glance_tasks.api import util

LOG = logging.getLogger(__name__)

SERVICE_TYPE = 'image'
REQUEST_ID_KEY = 'openstack.request_id'
# Set on the environ once a response body is in our format, so the outer
# wrapper leaves it alone.
FORMATTED_KEY = 'glance_tasks.error_formatted'

# Seconds a client is asked to wait after a 503 for the database: long
# enough for a server restart or a failover, short enough for a retry loop.
DATABASE_RETRY_AFTER = 10

# What oslo.db and SQLAlchemy raise when the database, not the request, is
# at fault. oslo.db wraps a lost connection as DBConnectionError, but lets
# most other OperationalErrors through unwrapped: PostgreSQL's "connection
# refused" (libpq's wording no longer matches oslo.db's filter), "the
# database system is shutting down", SQLite's "database is locked" or
# "disk I/O error". A deadlock still there after the writers' retries is
# contention the client can wait out. TimeoutError: no pooled connection
# came free within [database] pool_timeout.
_UNAVAILABLE = (db_exc.DBConnectionError, db_exc.DBDeadlock,
                db_exc.DBNonExistentDatabase, sa_exc.OperationalError,
                sa_exc.InterfaceError, sa_exc.DisconnectionError,
                sa_exc.TimeoutError)
# The same errors once oslo.db wrapped them in a plain DBError.
_UNAVAILABLE_INNER = (sa_exc.OperationalError, sa_exc.InterfaceError,
                      sa_exc.DisconnectionError)
# SQLAlchemy's code for "Can't reconnect until invalid transaction is
# rolled back": the connection was lost inside a transaction and code of
# the same transaction went on (a retry inside an enclosing transaction).
# Its other PendingRollbackError (after a failed flush) is a bug, a 500.
_LOST_IN_TRANSACTION = '8s2b'


def _snake(name):
    return re.sub(r'(?<!^)(?=[A-Z])', '_', name).lower()


def _title(status):
    return http.client.responses.get(status, 'Error')


def error_code(name):
    """An API-SIG code: ``image.<snake_case_name>``."""
    return '%s.%s' % (SERVICE_TYPE, _snake(re.sub(r'\W', '', name)))


def _wants_legacy(environ, conf):
    agent = environ.get('HTTP_USER_AGENT', '')
    return any(agent.startswith(prefix)
               for prefix in conf.api.legacy_error_user_agents if prefix)


def error_body(environ, conf, status, code, detail):
    title = _title(status)
    if _wants_legacy(environ, conf):
        return {'error': {'code': status, 'title': title, 'message': detail}}
    error = {'code': code, 'status': status, 'title': title,
             'detail': detail,
             'links': [{'rel': 'help', 'href': conf.api.error_help_url}]}
    request_id = environ.get(REQUEST_ID_KEY)
    if request_id:
        error['request_id'] = request_id
    return {'errors': [error], 'message': detail}


def error_response(environ, conf, status, code, detail, headers=None):
    """A JSON error response in the format the client can read."""
    environ[FORMATTED_KEY] = True
    return util.json_response(error_body(environ, conf, status, code, detail),
                              status=status, headers=headers)


def safe_path(environ):
    """The request path for a log line, whatever bytes it holds.

    ``webob.Request.path`` decodes the path as UTF-8 and raises on other
    bytes; a log line about such a request must not fail with it.
    """
    raw = environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')
    return raw.encode('latin-1', 'replace').decode('utf-8',
                                                   'backslashreplace')


def _log(req, status, code):
    # No detail: it may quote part of a task's input.
    LOG.debug('%(method)s %(path)s answered %(status)d (%(code)s)',
              {'method': req.method, 'path': safe_path(req.environ),
               'status': status, 'code': code})


def from_domain(req, exc, conf):
    """Answer a :class:`GlanceTasksException` with its ``code``."""
    status = exc.code if 400 <= exc.code < 600 else 500
    if status >= 500:
        LOG.error('%(method)s %(path)s failed: %(error)s',
                  {'method': req.method, 'path': safe_path(req.environ),
                   'error': exc})
    code = error_code(type(exc).__name__)
    _log(req, status, code)
    return error_response(req.environ, conf, status, code, exc.message)


def database_unavailable(exc):
    """True if ``exc`` says the database cannot serve us right now."""
    if isinstance(exc, _UNAVAILABLE):
        return True
    if isinstance(exc, sa_exc.PendingRollbackError):
        return exc.code == _LOST_IN_TRANSACTION
    # Only the plain DBError: its subclasses (DBDataError wraps MySQL's
    # "Incorrect value" OperationalError) say what was wrong with the data.
    return (type(exc) is db_exc.DBError and
            isinstance(exc.inner_exception, _UNAVAILABLE_INNER))


def _database_reason(exc):
    """The driver's first line, for the log: never the SQL or parameters.

    SQLAlchemy's message quotes the statement and its parameters (a
    task's input among them); the driver's own message names the host and
    the failure, never a password.
    """
    original = exc
    while True:
        inner = (getattr(original, 'inner_exception', None) or
                 getattr(original, 'orig', None))
        if inner is None or inner is original:
            break
        original = inner
    first_line = str(original).strip().split('\n', 1)[0][:200]
    return '%s: %s' % (type(original).__name__, first_line)


def from_database(req, exc, conf):
    """Answer a database outage: 503, ``Retry-After``, no internals.

    Call it outside the ``except`` block: oslo.log appends the exception
    being handled to every line logged meanwhile, and SQLAlchemy's
    message quotes the statement and its parameters.
    """
    code = error_code('DatabaseUnavailable')
    LOG.warning('%(method)s %(path)s answered 503: the database is '
                'unavailable (%(error)s).',
                {'method': req.method, 'path': safe_path(req.environ),
                 'error': _database_reason(exc)})
    detail = ('The database is unavailable; retry after %d seconds.' %
              DATABASE_RETRY_AFTER)
    return error_response(req.environ, conf, 503, code, detail,
                          headers={'Retry-After': str(DATABASE_RETRY_AFTER)})


# Headers of a webob error the client needs (405, 401, 416).
_KEPT_ERROR_HEADERS = frozenset({'allow', 'www-authenticate',
                                 'content-range'})


def from_http(req, exc, conf):
    """Answer a webob HTTP error (405, 413, 415, ...) in our format."""
    if exc.code < 400:
        return exc
    code = error_code(exc.title)
    detail = exc.explanation or exc.title
    headers = [(name, value) for name, value in exc.headers.items()
               if name.lower() in _KEPT_ERROR_HEADERS]
    _log(req, exc.code, code)
    return error_response(req.environ, conf, exc.code, code, detail,
                          headers=headers)


class FaultWrapper:
    """Outermost guard: JSON errors from every layer, never a traceback.

    It reformats error responses of the middleware below the router
    (keystonemiddleware's 401, oslo.middleware's 413) and turns any
    exception that escaped into a generic 500, logging the traceback.
    """

    def __init__(self, application, conf):
        self.application = application
        self.conf = conf

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        try:
            response = req.get_response(self.application)
        except Exception:
            LOG.exception('Unexpected error serving %(method)s %(path)s',
                          {'method': req.method,
                           'path': safe_path(environ)})
            response = self._internal_error(environ)
        if response.status_code >= 400 and not environ.get(FORMATTED_KEY):
            response = self._reformat(environ, response)
        return response(environ, start_response)

    def _internal_error(self, environ):
        detail = ('The server failed to handle the request. The error was '
                  'logged with request id %s.' %
                  environ.get(REQUEST_ID_KEY, '(none)'))
        return error_response(environ, self.conf, 500,
                              error_code('InternalError'), detail)

    def _reformat(self, environ, response):
        status = response.status_code
        headers = [(name, value) for name, value in response.headers.items()
                   if name.lower() in ('allow', 'www-authenticate',
                                       'content-range')]
        return error_response(environ, self.conf, status,
                              error_code(_title(status)),
                              self._detail(status, response), headers)

    def _detail(self, status, response):
        if status == 413:
            return ('Request body is larger than the limit of %d bytes '
                    '([api] max_request_body_size).' %
                    self.conf.api.max_request_body_size)
        if response.content_type == util.JSON_TYPE:
            try:
                message = response.json_body.get('error', {}).get('message')
            except (ValueError, AttributeError):
                message = None
            if message:
                return str(message)
        return _title(status) + '.'
