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

"""Request and response helpers shared by the handlers."""

from oslo_serialization import jsonutils
import webob

from glance_tasks import exception

# WSGI environ keys the router fills in for handlers.
CONTEXT_KEY = 'glance_tasks.context'
STATE_KEY = 'glance_tasks.api_state'

JSON_TYPE = 'application/json'
# JSON nested deeper than this is refused: nothing we accept needs it, and
# very deep documents exhaust Python's recursion limit when handled.
MAX_JSON_DEPTH = 32


class Request(webob.Request):
    """A webob request that knows its context and the API's state."""

    @property
    def context(self):
        return self.environ[CONTEXT_KEY]

    @property
    def state(self):
        """The :class:`glance_tasks.api.app.APIState` serving it."""
        return self.environ[STATE_KEY]


def json_response(body, status=200, headers=None):
    response = webob.Response(status=status, content_type=JSON_TYPE,
                              charset='utf-8')
    for name, value in (headers.items() if isinstance(headers, dict)
                        else headers or ()):
        response.headers[name] = value
    response.text = jsonutils.dumps(body, ensure_ascii=False)
    return response


def no_content():
    return webob.Response(status=204, content_type=None)


def _refuse_constant(name):
    raise ValueError('%s is not valid JSON' % name)


def _depth(document):
    """Nesting depth of ``document``, computed without recursion."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(value, dict):
            stack.extend((item, level + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, level + 1) for item in value)
    return deepest


def _check_content_type(req, media_types):
    if req.content_type not in media_types:
        raise webob.exc.HTTPUnsupportedMediaType(
            explanation="Content-Type '%s' is not supported; send the body "
                        "as %s." % (req.content_type or '(none)',
                                    ' or '.join(media_types)))


def json_body(req, media_types=(JSON_TYPE,), kind=dict):
    """The request's body as a JSON ``kind``, or a 4xx naming the problem.

    ``media_types``: the Content-Types accepted (415 for any other);
    ``kind``: ``dict`` for an object (most bodies), ``list`` for an array
    (a JSON patch).

    ``req.body`` reads through oslo.middleware's size limiter, which raises
    413 as soon as a chunked body passes ``[api] max_request_body_size``.
    """
    _check_content_type(req, media_types)
    raw = req.body
    if not raw:
        raise exception.MalformedRequestBody(reason='a JSON body is '
                                                    'required')
    try:
        document = jsonutils.loads(raw.decode('utf-8'),
                                   parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise exception.MalformedRequestBody(
            reason='not valid JSON (%s)' % _short(exc)) from None
    if not isinstance(document, kind):
        raise exception.MalformedRequestBody(
            reason='expected a JSON %s, got %s' % (
                'object' if kind is dict else 'array',
                type(document).__name__))
    if _depth(document) > MAX_JSON_DEPTH:
        raise exception.MalformedRequestBody(
            reason='JSON nested deeper than %d levels' % MAX_JSON_DEPTH)
    return document


def _short(exc):
    if isinstance(exc, RecursionError):
        return 'nested too deeply'
    return str(exc)[:200]
