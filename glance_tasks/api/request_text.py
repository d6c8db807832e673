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

"""Refuse a request whose path, query or identity headers are not text.

PEP 3333 hands the path, the query string and header values over as
latin-1 strings of the raw bytes. webob decodes them as UTF-8 only when a
handler reads them, so ``/v2/tasks/%ff`` or ``?status=%ff`` raised
UnicodeDecodeError in the middle of a handler (a 500), and PostgreSQL
refuses a NUL character in any string parameter (``?name=a%00b``, a 500
from the database). Checking every request once, before routing, answers
each with a 400 that names the part at fault, whatever the route.
"""

from urllib import parse

from oslo_log import log as logging

from glance_tasks.api import errors
from glance_tasks import exception

LOG = logging.getLogger(__name__)

# Headers this service or its middleware read as text: identity
# (X-Project-Id, X-Roles, ...; under keystone auth_token rewrites them),
# X-Auth-Token, X-Forwarded-*, OpenStack-Request-ID. Others (User-Agent,
# Accept) are compared as opaque strings and stay the client's business.
_HEADER_PREFIXES = ('HTTP_X_', 'HTTP_OPENSTACK_')
# Long enough to recognise a parameter, short enough for one error line.
_NAME_SHOWN = 40


def _decode(raw, part):
    """``raw`` bytes as text, or the 400 that says why they are not."""
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise exception.RequestNotUtf8(part=part, byte=raw[exc.start],
                                       position=exc.start) from None
    if '\0' in text:
        raise exception.NulInRequest(part=part)
    return text


def _raw(native, part):
    """The bytes behind a PEP 3333 native string."""
    try:
        return native.encode('latin-1')
    except UnicodeEncodeError:
        # Not from a PEP 3333 server: no byte string stands behind it.
        raise exception.Invalid(
            reason='the %s holds characters a server cannot have received '
                   'as bytes' % part) from None


def _check_query(query):
    # Split as webob does (on '&' and ';', '+' is a space), so what is
    # checked here is what the handlers will read.
    for pair in _raw(query, 'query string').replace(b'+', b' ').split(b'&'):
        for item in pair.split(b';'):
            if not item:
                continue
            name, _sep, value = item.partition(b'=')
            shown = _decode(parse.unquote_to_bytes(name),
                            'name of a query parameter')[:_NAME_SHOWN]
            _decode(parse.unquote_to_bytes(value),
                    "value of query parameter '%s'" % shown)


def _header_name(key):
    return '-'.join(word.capitalize() for word in key[5:].split('_'))


def check(environ):
    """Raise a 400 error unless every part we read decodes as text."""
    _decode(_raw(environ.get('PATH_INFO', ''), 'path'), 'path')
    _check_query(environ.get('QUERY_STRING', ''))
    for key, value in environ.items():
        if key.startswith(_HEADER_PREFIXES) and isinstance(value, str):
            part = 'header %s' % _header_name(key)
            _decode(_raw(value, part), part)


class RequestText:
    """WSGI middleware: :func:`check` every request before it goes on."""

    def __init__(self, application, conf):
        self.application = application
        self.conf = conf

    def __call__(self, environ, start_response):
        try:
            check(environ)
        except exception.Invalid as exc:
            code = errors.error_code(type(exc).__name__)
            LOG.debug('%(method)s %(path)s answered 400 (%(code)s)',
                      {'method': environ.get('REQUEST_METHOD'),
                       'path': errors.safe_path(environ), 'code': code})
            response = errors.error_response(environ, self.conf, 400, code,
                                             exc.message)
            return response(environ, start_response)
        return self.application(environ, start_response)
