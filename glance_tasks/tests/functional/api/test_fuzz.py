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

"""Hypothesis drives every operation of /v2/openapi.json: never a 500.

Each example picks an operation of the served OpenAPI description, then
fills its path ids, query parameters and body with a mix of valid values
(enums, UUIDs, small integers, the enabled task type) and hostile ones
(arbitrary text, negative or fractional numbers, arbitrary JSON, bytes
that are not JSON, odd content types). Bytes go in too: path ids,
query names and values and identity headers drawn as arbitrary bytes
(invalid UTF-8, NUL), sent as a server hands them over. Every answer must
be below 500, and every error must be an API-SIG error body. The same
examples run on SQLite and on PostgreSQL, which refuses a NUL character
in any string.

Schemathesis fuzzes the same document from its schemas, and checks the
answers conform to it (``test_schemathesis``); this fuzz stays for what
schemathesis does not send: bytes that are not text, bodies that are not
JSON, wrong content types, identity headers of every shape.
"""

import json
import urllib.parse

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from oslo_db import exception as db_exc
from oslo_serialization import jsonutils
import testtools
import webob

from glance_tasks.tests import base
from glance_tasks.tests.functional.api import fixtures

EXAMPLES = 300
_TEXT = st.text(max_size=40)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(
        allow_nan=False, allow_infinity=False) | _TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        _TEXT, children, max_size=4),
    max_leaves=12)


def _value(schema):
    """A strategy for a query value: valid for ``schema``, or hostile."""
    valid = []
    if 'enum' in schema:
        valid.append(st.sampled_from(schema['enum']))
    if schema.get('type') == 'integer':
        valid.append(st.integers(min_value=-5, max_value=2000).map(str))
        valid.append(st.sampled_from(['1.5', '1e3', ' 3', '0x10', '']))
    if schema.get('format') == 'uuid':
        valid.append(st.uuids().map(str))
    if schema.get('type') == 'boolean':
        valid.append(st.sampled_from(['true', 'false', 'True', '0', '']))
    if schema.get('type') == 'string' and 'enum' not in schema:
        # Glance's operators: in: lists, gt:/lt: times.
        valid.append(st.sampled_from(['in:a,b', 'in:', 'in:"a,b",c',
                                      'gt:2000-01-01T00:00:00Z',
                                      'lte:2999-01-01', 'eq:x',
                                      'name:asc,id:desc', 'name:up']))
    return st.one_of(valid + [_TEXT])


# Bytes as a client can put them on the wire: percent-encoded in a path
# or query, raw (latin-1, as PEP 3333 hands them over) in a header.
_BYTES = st.binary(max_size=12) | st.sampled_from(
    [b'\xff\xfe', b'a\x00b', b'\x00', b'\xed\xa0\x80', b'\xc3', b'%'])
_ENCODED = _BYTES.map(lambda raw: urllib.parse.quote_from_bytes(raw,
                                                                safe=''))
_HEADER_BYTES = _BYTES.filter(lambda raw: b'\r' not in raw and
                              b'\n' not in raw).map(
    lambda raw: raw.decode('latin-1'))


def _raw_query(operation):
    """A query string that may hold bytes that are not text."""
    names = [param['name'] for param in operation['parameters']]
    pair = st.tuples(st.sampled_from(names) | _ENCODED if names
                     else _ENCODED, _ENCODED)
    return st.lists(pair, max_size=3).map(
        lambda pairs: '&'.join('%s=%s' % item for item in pairs))


def _params(operation):
    chosen = {}
    for param in operation['parameters']:
        chosen[param['name']] = st.none() | _value(param['schema'])
    return st.fixed_dictionaries(chosen).map(
        lambda values: {k: v for k, v in values.items() if v is not None})


def _body(task_types):
    task = st.fixed_dictionaries(
        {'type': st.sampled_from(task_types) | _TEXT,
         'input': st.fixed_dictionaries(
             {}, optional={'atoms': st.integers(-2, 5) | _JSON,
                           'sleep': st.floats(-1, 0.01) | _JSON,
                           'fail_at': st.integers(-1, 3)}) | _JSON},
        optional={'extra': _JSON})
    as_json = (task | _JSON).map(lambda doc: json.dumps(doc).encode())
    return as_json | st.binary(max_size=60)


_FIELD_VALUES = {
    'name': _TEXT | st.none(), 'disk_format': st.sampled_from(
        ['raw', 'qcow2', 'floppy', None]),
    'container_format': st.sampled_from(['bare', 'ovf', 'crate', None]),
    'visibility': st.sampled_from(['private', 'public', 'shared',
                                   'community', 'all']),
    'min_ram': st.integers(-1, 2 ** 32), 'min_disk': st.integers(-1, 3),
    'protected': st.booleans() | _JSON, 'os_hidden': st.booleans(),
    'tags': st.lists(_TEXT, max_size=3) | _JSON,
    'id': st.uuids().map(str) | _TEXT,
    'owner': st.sampled_from([fixtures.PROJECT_A, fixtures.PROJECT_B]),
    'status': st.just('active'), 'os_glance_x': _TEXT,
    'x_colour': _TEXT | _JSON,
}


def _image_body():
    """An image create body: Glance's fields, right and wrong."""
    image = st.fixed_dictionaries({}, optional=_FIELD_VALUES)
    return (image | _JSON).map(lambda doc: json.dumps(doc).encode())


def _patch_body():
    """A JSON patch in Glance's v2.1 or v2.0 form, or not one at all."""
    path = st.sampled_from(['/' + name for name in _FIELD_VALUES] +
                           ['/a/b', 'name', '', '/tags/-', '/~1x'])
    value = st.one_of(list(_FIELD_VALUES.values()))
    v21 = st.fixed_dictionaries(
        {'op': st.sampled_from(['add', 'replace', 'remove', 'move']) |
         _TEXT, 'path': path | _TEXT}, optional={'value': value})
    v20 = st.tuples(st.sampled_from(['add', 'replace', 'remove']), path,
                    value).map(lambda t: {t[0]: t[1], 'value': t[2]})
    patch = st.lists(v21 | v20 | _JSON, max_size=4)
    return (patch | _JSON).map(lambda doc: json.dumps(doc).encode()) | (
        st.binary(max_size=40))


def _import_body():
    """Glance's import body, right and wrong, or not one at all."""
    method = st.fixed_dictionaries(
        {'name': st.sampled_from(['glance-direct', 'web-download',
                                  'copy-image', 'glance-download']) | _JSON},
        optional={'uri': st.sampled_from(['http://127.0.0.1/x',
                                          'https://example.com/i.raw',
                                          'ftp://x/y', 'file:///etc/passwd',
                                          'http://u:p@[::1', '']) | _JSON,
                  'validation_data': st.fixed_dictionaries(
                      {}, optional={'os_hash_algo': st.sampled_from(
                          ['sha512', 'md5', 'shake_128']) | _JSON,
                          'os_hash_value': st.sampled_from(
                              ['0' * 128, 'xyz']) | _JSON}) | _JSON})
    body = st.fixed_dictionaries(
        {'method': method | _JSON},
        optional={'stores': st.lists(_TEXT, max_size=2) | _JSON,
                  'all_stores': st.booleans() | _JSON,
                  'all_stores_must_succeed': st.booleans() | _JSON})
    return (body | _JSON).map(lambda doc: json.dumps(doc).encode()) | (
        st.binary(max_size=40))


_HOSTILE_TYPES = ['application/json; charset=utf-8', 'text/plain', '']


class TestNoServerError(testtools.TestCase):

    BACKEND = 'sqlite'

    def setUp(self):
        # One environment per test, not per class: unittest tears a class
        # down only when the next suite's tests start, after a gabbi
        # fixture may already have replaced the database facade.
        super().setUp()
        try:
            self.env = fixtures.APIEnvironment(backend=self.BACKEND)
        except db_exc.BackendNotAvailable:
            if base.services_required():
                raise
            self.skipTest('%s not available' % self.BACKEND)
        self.addCleanup(self.env.stop)
        self.images = self.env.seed_images()
        document = self._get('/v2/openapi.json').json
        self.operations = [
            (path, method, dict(op, parameters=item.get('parameters', []) +
                                op.get('parameters', [])))
            for path, item in sorted(document['paths'].items())
            for method, op in sorted(item.items()) if method != 'parameters']
        self.task_types = self._get('/v2/schemas/task').json[
            'properties']['type']['enum']

    def _get(self, path):
        return webob.Request.blank(path).get_response(self.env.app)

    @st.composite
    def requests(draw, self):
        path, method, operation = draw(st.sampled_from(self.operations))
        ids = (st.sampled_from(sorted(self.images.values())) |
               st.uuids().map(str) | _TEXT).map(
            lambda text: urllib.parse.quote(text or 'x', safe='')) | _ENCODED
        for name in ('task_id', 'image_id', 'tag_value'):
            if '{%s}' % name in path:
                path = path.replace('{%s}' % name, draw(ids) or 'x')
        request = webob.Request.blank(path, method=method.upper())
        request.GET.update(draw(_params(operation)))
        raw_query = draw(st.none() | _raw_query(operation))
        if raw_query:
            request.environ['QUERY_STRING'] = '&'.join(
                part for part in (request.environ.get('QUERY_STRING'),
                                  raw_query) if part)
        request.headers.update(draw(st.fixed_dictionaries({
            'X-Roles': st.sampled_from(['admin', 'member,reader', 'reader',
                                        '']) | _HEADER_BYTES,
            'X-Project-Id': st.sampled_from([fixtures.PROJECT_A,
                                             fixtures.PROJECT_B, ''])
            | _HEADER_BYTES},
            optional={'X-User-Id': _HEADER_BYTES | _TEXT.map(
                lambda text: text.encode().decode('latin-1')).filter(
                    lambda text: '\n' not in text and '\r' not in text),
                'X-Tenant-Id': st.just(fixtures.PROJECT_B) |
                _HEADER_BYTES})))
        if method in ('post', 'patch', 'put'):
            request.body = draw(self._body_for(path, method))
            media_types = list(operation.get('requestBody', {}).get(
                'content', {'application/json': None}))
            request.content_type = draw(st.sampled_from(
                media_types + _HOSTILE_TYPES + ['application/json']))
        return request

    def _body_for(self, path, method):
        if method == 'patch':
            return _patch_body()
        if path == '/v2/images':
            return _image_body()
        if path.endswith('/import'):
            return _import_body()
        if path.endswith('/stage'):
            return st.binary(max_size=600)
        return _body(self.task_types)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_no_500(self, data):
        request = data.draw(self.requests())
        response = request.get_response(self.env.app)
        self.assertLess(response.status_code, 500, response.text)
        if response.status_code >= 400:
            body = jsonutils.loads(response.text)
            self.assertEqual(response.status_code,
                             body['errors'][0]['status'])
            self.assertTrue(body['errors'][0]['detail'])


class TestNoServerErrorPostgreSQL(TestNoServerError):
    """The same examples on PostgreSQL (NUL, encodings, its own types)."""

    BACKEND = 'postgresql'
