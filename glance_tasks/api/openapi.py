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

"""An OpenAPI 3.0 description of the API, served at /v2/openapi.json.

It is built from the same JSON schemas the API serves, so it cannot drift
from them, and it drives the property-based test that looks for a 500.
"""

from glance_tasks.api import image_body
from glance_tasks.api import import_request
from glance_tasks.api import params
from glance_tasks.api import schemas
from glance_tasks.conf import interop_import
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import task as task_domain

_ERROR = {'$ref': '#/components/responses/Error'}


def _query(name, schema, description):
    return {'name': name, 'in': 'query', 'required': False,
            'schema': schema, 'description': description}


def _path_id(name):
    return {'name': name, 'in': 'path', 'required': True,
            'schema': {'type': 'string', 'format': 'uuid'}}


def _paging(sort_keys):
    return [
        _query('limit', {'type': 'integer', 'minimum': 0},
               'Page size; default [api] limit_param_default, capped at '
               '[api] api_limit_max.'),
        _query('marker', {'type': 'string', 'format': 'uuid'},
               'Id of the last item of the previous page.'),
        _query('sort_key', {'type': 'string', 'enum': list(sort_keys)},
               'Field to sort by.'),
        _query('sort_dir', {'type': 'string', 'enum': ['asc', 'desc']},
               'Sort direction.'),
    ]


def _json(schema, description):
    return {'description': description,
            'content': {'application/json': {'schema': schema}}}


def _binary(description):
    return {'description': description, 'content': {
        'application/octet-stream': {'schema': {'type': 'string',
                                                'format': 'binary'}}}}


def _op(summary, responses, parameters=(), body=None,
        media_types=('application/json',)):
    operation = {'summary': summary, 'parameters': list(parameters),
                 'responses': dict(responses, default=_ERROR)}
    if body is not None:
        operation['requestBody'] = {'required': True, 'content': {
            media_type: {'schema': body} for media_type in media_types}}
    return operation


def _task_paths(task_types):
    task = {'type': 'object'}
    create = {'type': 'object', 'required': ['type', 'input'],
              'additionalProperties': False,
              'properties': {'type': {'type': 'string',
                                      'enum': list(task_types)},
                             'input': {'type': 'object'}}}
    filters = [
        _query('type', {'type': 'string'}, 'Only tasks of this type.'),
        _query('status', {'type': 'string',
                          'enum': list(task_domain.TABLE.statuses)},
               'Only tasks in this status.'),
    ]
    return {
        '/v2/tasks': {
            'get': _op('List tasks', {'200': _json(
                {'type': 'object'}, 'A page of tasks')},
                filters + _paging(task_db.SORT_KEYS)),
            'post': _op('Create a task', {'201': _json(
                task, 'The pending task')}, body=create),
        },
        '/v2/tasks/{task_id}': {
            'parameters': [_path_id('task_id')],
            'get': _op('Show a task', {'200': _json(task, 'The task')}),
            'delete': _op('Refused: tasks expire on their own',
                          {'405': {'description': 'Not allowed'}}),
        },
    }


_POINTER = {'type': 'string', 'pattern': '^/'}
_ANY_CASE_BOOLEAN = {'type': 'string',
                     'pattern': '^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$'}


def _needs_value(op):
    return ['value'] if op != 'remove' else []


def _patch_schema():
    """Glance's JSON patch, v2.1 form: ``{"op", "path", "value"}``."""
    return {'type': 'array', 'items': {'oneOf': [
        {'type': 'object', 'additionalProperties': False,
         'required': ['op', 'path'] + _needs_value(op),
         'properties': {'op': {'type': 'string', 'enum': [op]},
                        'path': _POINTER, 'value': {}}}
        for op in image_body.OPERATIONS]}}


def _patch_v20_schema():
    """The v2.0 form: ``{"<op>": path, "value": ...}``, one op a member."""
    return {'type': 'array', 'items': {'oneOf': [
        {'type': 'object', 'additionalProperties': False,
         'required': [op] + _needs_value(op),
         'properties': {op: _POINTER, 'value': {}}}
        for op in image_body.OPERATIONS]}}


def _patch_op(operation):
    """``operation`` with the v2.0 media type given its own form."""
    content = operation['requestBody']['content']
    content[image_body.PATCH_V20] = {'schema': _patch_v20_schema()}
    return operation


def _image_filters():
    text = {'type': 'string'}
    filters = [_query(name, text, 'Filter on %s; in:a,b for several.' %
                      name) for name in params.IMAGE_MATCH]
    filters += [
        _query('visibility', {'type': 'string', 'enum': list(
            schemas.VISIBILITIES) + ['all']}, 'Only this visibility.'),
        _query('member_status', {'type': 'string', 'enum': list(
            params.MEMBER_STATUSES)}, 'Sharing status (no sharing here).'),
        _query('tag', text, 'Only images with this tag (repeatable).'),
        # true or false in any case (Glance lowercases os_hidden;
        # openstacksdk sends protected=False).
        _query('os_hidden', _ANY_CASE_BOOLEAN,
               'Hidden images: true or false, in any case.'),
        _query('protected', _ANY_CASE_BOOLEAN,
               'Protected images: true or false, in any case.'),
        _query('size_min', {'type': 'integer', 'minimum': 0,
                            'maximum': params.MAX_SIZE}, 'Bytes.'),
        _query('size_max', {'type': 'integer', 'minimum': 0,
                            'maximum': params.MAX_SIZE}, 'Bytes.'),
        _query('created_at', text, '[op:]ISO-8601, op gt, gte, lt, ...'),
        _query('updated_at', text, '[op:]ISO-8601, op gt, gte, lt, ...'),
        _query('sort', text, 'key[:dir],...; not with sort_key.'),
    ]
    return filters + _paging(image_db.SORT_KEYS)


def _location_schema():
    return {'type': 'object', 'required': ['url'],
            'additionalProperties': False,
            'properties': {'url': {'type': 'string', 'minLength': 1},
                           'validation_data': {'type': 'object'}}}


def _image_paths():
    image = dict(schemas.image(), type='object')
    no_content = {'204': {'description': 'Done'}}
    with_id = [_path_id('image_id')]
    with_tag = with_id + [{'name': 'tag_value', 'in': 'path',
                           'required': True, 'schema': {
                               'type': 'string', 'minLength': 1,
                               'maxLength': schemas.TAG_MAX_LENGTH}}]
    return {
        '/v2/images': {
            'get': _op('List images', {'200': _json(
                dict(schemas.images(), type='object'), 'A page of images')},
                _image_filters()),
            'post': _op('Create an image (queued)', {'201': _json(
                image, 'The queued image')}, body=schemas.image_create())},
        '/v2/images/{image_id}': {
            'parameters': with_id,
            'get': _op('Show an image', {'200': _json(image, 'The image')}),
            'patch': _patch_op(_op(
                'Update an image (JSON patch); the one op add '
                '/locations/- adds the first location of a queued image',
                {'200': _json(image, 'The updated image')},
                body=_patch_schema(),
                media_types=image_body.PATCH_MEDIA_TYPES)),
            'delete': _op('Delete an image', no_content)},
        '/v2/images/{image_id}/file': {
            'parameters': with_id,
            'put': _op('Upload image data (queued image)', no_content,
                       [{'name': 'X-Image-Meta-Store', 'in': 'header',
                         'required': False, 'schema': {'type': 'string'},
                         'description': 'The store to write to '
                                        '(multi-store).'}],
                       body={'type': 'string', 'format': 'binary'},
                       media_types=('application/octet-stream',)),
            'get': _op('Download image data', {
                '200': _binary('The image data'),
                '206': _binary('The part of it a Range asked for'),
                '204': {'description': 'The image has no data'}})},
        '/v2/images/{image_id}/locations': {
            'parameters': with_id,
            'post': _op('Add the first location (runs location_import)',
                        {'202': {'description': 'The task was created'}},
                        body=_location_schema()),
            'get': _op('Locations of an image (service role)', {
                '200': _json({'type': 'array'}, 'url and metadata')})},
        '/v2/images/{image_id}/tags/{tag_value}': {
            'parameters': with_tag,
            'put': _op('Tag an image', no_content),
            'delete': _op('Untag an image', no_content)},
        '/v2/images/{image_id}/actions/deactivate': {
            'parameters': with_id,
            'post': _op('Deactivate an image', no_content)},
        '/v2/images/{image_id}/actions/reactivate': {
            'parameters': with_id,
            'post': _op('Reactivate an image', no_content)},
        '/v2/images/{image_id}/tasks': {
            'parameters': with_id,
            'get': _op('Tasks of an image', {'200': _json(
                {'type': 'object'}, "The image's tasks")})},
    }


def _import_schema():
    """Glance's import body (validation_data: this service's addition)."""
    hash_data = {'type': 'object',
                 'required': sorted(import_request.HASH_FIELDS),
                 'additionalProperties': False,
                 'properties': {'os_hash_algo': {'type': 'string'},
                                'os_hash_value': {'type': 'string'}}}
    method = {'type': 'object', 'required': ['name'],
              'additionalProperties': False,
              'properties': {'name': {'type': 'string', 'enum': list(
                  interop_import.IMPORT_METHODS)},
                  'uri': {'type': 'string', 'minLength': 1},
                  'validation_data': hash_data,
                  # glance-download: the image of another region.
                  'glance_image_id': {'type': 'string',
                                      'format': 'uuid'},
                  'glance_region': {'type': 'string', 'minLength': 1},
                  'glance_service_interface': {
                      'type': 'string',
                      'enum': list(import_request.INTERFACES)}}}
    return {'type': 'object', 'required': ['method'],
            'additionalProperties': False,
            'properties': {'method': method,
                           'stores': {'type': 'array', 'items': {
                               'type': 'string', 'minLength': 1}},
                           'all_stores': {'type': 'boolean'},
                           'all_stores_must_succeed': {'type': 'boolean'}}}


def _import_paths():
    with_id = [_path_id('image_id')]
    store_header = {'name': import_request.STORE_HEADER, 'in': 'header',
                    'required': False, 'schema': {'type': 'string'},
                    'description': 'The one store to import to '
                                   '(multi-store), instead of stores.'}
    return {
        '/v2/images/{image_id}/stage': {
            'parameters': with_id,
            'put': _op('Stage image data (queued image -> uploading)',
                       {'204': {'description': 'The data is staged'}},
                       body={'type': 'string', 'format': 'binary'},
                       media_types=('application/octet-stream',))},
        '/v2/images/{image_id}/import': {
            'parameters': with_id,
            'post': _op('Import image data (runs api_image_import)',
                        {'202': {'description': 'The import started'}},
                        [store_header], body=_import_schema())},
        '/v2/info/import': {
            'get': _op('Import methods of this site', {'200': _json(
                {'type': 'object', 'required': ['import-methods']},
                'The enabled import methods')})},
    }


def _other_paths():
    document = {'200': _json({'type': 'object'}, 'A document')}
    paths = {path: {'get': _op('JSON schema', document)} for path in (
        '/v2/schemas/task', '/v2/schemas/tasks', '/v2/schemas/image',
        '/v2/schemas/images', '/versions', '/v2/openapi.json')}
    paths['/'] = {'get': _op('Versions', {'300': _json(
        {'type': 'object'}, 'The API versions')})}
    return paths


def _store_paths():
    """Glance's multi-store paths (404 in a single-store service)."""
    listed = _json({'type': 'object', 'required': ['stores']},
                   'The stores: id, description, default')
    return {
        '/v2/info/stores': {'get': _op('Stores users may name', {
            '200': listed})},
        '/v2/info/stores/detail': {'get': _op(
            'Stores with type and properties (administrators)', {
                '200': listed})},
        '/v2/stores/{store_id}/{image_id}': {
            'parameters': [{'name': 'store_id', 'in': 'path',
                            'required': True, 'schema': {'type': 'string'}},
                           _path_id('image_id')],
            'delete': _op("Remove an image's data from one store", {
                '204': {'description': 'Removed'}})},
    }


def _error_schema():
    return {'type': 'object', 'required': ['errors'], 'properties': {
        'errors': {'type': 'array', 'minItems': 1, 'items': {
            'type': 'object',
            'required': ['code', 'status', 'title', 'detail', 'links'],
            'properties': {'request_id': {'type': 'string'},
                           'code': {'type': 'string',
                                    'pattern': '^[a-z0-9._-]+$'},
                           'status': {'type': 'integer'},
                           'title': {'type': 'string'},
                           'detail': {'type': 'string'},
                           'links': {'type': 'array'}}}},
        'message': {'type': 'string'}}}


def document(task_types):
    """The whole OpenAPI document for the enabled ``task_types``."""
    paths = dict(_task_paths(task_types))
    paths.update(_image_paths())
    paths.update(_import_paths())
    paths.update(_other_paths())
    paths.update(_store_paths())
    return {
        'openapi': '3.0.3',
        'info': {'title': 'glance_tasks API (Glance v2 compatible)',
                 'version': '2.0'},
        'paths': paths,
        'components': {'responses': {'Error': _json(
            _error_schema(), 'An error in the API-SIG errors format')}},
    }
