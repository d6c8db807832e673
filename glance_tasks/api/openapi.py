"""An OpenAPI 3.0 description of the API, served at /v2/openapi.json.

It is built from the same JSON schemas the API serves, so it cannot drift
from them, and it drives the property-based test that looks for a 500.
"""

from glance_tasks.api import schemas
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import image as image_domain
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


def _op(summary, responses, parameters=(), body=None):
    operation = {'summary': summary, 'parameters': list(parameters),
                 'responses': dict(responses, default=_ERROR)}
    if body is not None:
        operation['requestBody'] = {'required': True, 'content': {
            'application/json': {'schema': body}}}
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


def _image_paths():
    image = {'type': 'object'}
    no_content = {'204': {'description': 'Done'}}
    filters = [_query(name, {'type': 'string'}, 'Filter on %s.' % name)
               for name in ('name', 'owner', 'disk_format',
                            'container_format')]
    filters.append(_query('visibility', {'type': 'string', 'enum': list(
        schemas.VISIBILITIES)}, 'Only images of this visibility.'))
    filters.append(_query('status', {'type': 'string', 'enum': list(
        image_domain.TABLE.statuses)}, 'Only images in this status.'))
    with_id = [_path_id('image_id')]
    return {
        '/v2/images': {'get': _op('List images', {'200': _json(
            {'type': 'object'}, 'A page of images')},
            filters + _paging(image_db.SORT_KEYS))},
        '/v2/images/{image_id}': {
            'parameters': with_id,
            'get': _op('Show an image', {'200': _json(image, 'The image')}),
            'delete': _op('Delete an image', no_content)},
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


def _other_paths():
    document = {'200': _json({'type': 'object'}, 'A document')}
    paths = {path: {'get': _op('JSON schema', document)} for path in (
        '/v2/schemas/task', '/v2/schemas/tasks', '/v2/schemas/image',
        '/v2/schemas/images', '/versions', '/v2/openapi.json')}
    paths['/'] = {'get': _op('Versions', {'300': _json(
        {'type': 'object'}, 'The API versions')})}
    return paths


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
    paths.update(_other_paths())
    return {
        'openapi': '3.0.3',
        'info': {'title': 'glance_tasks API (Glance v2 compatible)',
                 'version': '2.0'},
        'paths': paths,
        'components': {'responses': {'Error': _json(
            _error_schema(), 'An error in the API-SIG errors format')}},
    }
