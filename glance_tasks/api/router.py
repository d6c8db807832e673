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

"""Routes as data: ``{path: {method: handler}}`` turned into a Mapper.

Path variables carry no regex, so a malformed id reaches its handler and
gets a 404 that names it, instead of an anonymous routing miss. Each path
also gets a catch-all answering 405 with an ``Allow`` header.
"""

import routes
import webob.dec
import webob.exc

from glance_tasks.api import errors
from glance_tasks.api.handlers import image_data
from glance_tasks.api.handlers import image_import
from glance_tasks.api.handlers import image_locations
from glance_tasks.api.handlers import images
from glance_tasks.api.handlers import root
from glance_tasks.api.handlers import schemas
from glance_tasks.api.handlers import stores
from glance_tasks.api.handlers import tasks
from glance_tasks.api import util
from glance_tasks import exception

# Answered without authentication, as Glance's version negotiation does:
# clients discover the API before they hold a token.
PUBLIC_ROUTES = {
    '/': {'GET': root.home},
    '/versions': {'GET': root.versions},
}

ROUTES = {
    '/v2/tasks': {
        'GET': tasks.list_tasks,
        'POST': tasks.create_task,
    },
    '/v2/tasks/{task_id}': {
        'GET': tasks.show_task,
        'DELETE': tasks.delete_task,
    },
    '/v2/images': {
        'GET': images.list_images,
        'POST': images.create_image,
    },
    '/v2/images/{image_id}': {
        'GET': images.show_image,
        'PATCH': image_locations.patch_image,
        'DELETE': images.delete_image,
    },
    '/v2/images/{image_id}/file': {
        'PUT': image_data.upload,
        'GET': image_data.download,
    },
    '/v2/images/{image_id}/stage': {'PUT': image_import.stage},
    '/v2/images/{image_id}/import': {'POST': image_import.import_image},
    '/v2/info/import': {'GET': image_import.import_info},
    '/v2/images/{image_id}/locations': {
        'POST': image_locations.add_location,
        'GET': image_locations.list_locations,
    },
    '/v2/images/{image_id}/tags/{tag_value}': {
        'PUT': images.add_tag,
        'DELETE': images.delete_tag,
    },
    '/v2/images/{image_id}/actions/deactivate': {'POST': images.deactivate},
    '/v2/images/{image_id}/actions/reactivate': {'POST': images.reactivate},
    '/v2/images/{image_id}/tasks': {'GET': images.list_image_tasks},
    '/v2/info/stores': {'GET': stores.list_stores},
    '/v2/info/stores/detail': {'GET': stores.stores_detail},
    '/v2/stores/{store_id}/{image_id}': {'DELETE': stores.delete_from_store},
    '/v2/schemas/task': {'GET': schemas.task},
    '/v2/schemas/tasks': {'GET': schemas.tasks},
    '/v2/schemas/image': {'GET': schemas.image},
    '/v2/schemas/images': {'GET': schemas.images},
    '/v2/openapi.json': {'GET': schemas.openapi_document},
}


def handle_405(req):
    """A known path, a method it does not offer."""
    raise webob.exc.HTTPMethodNotAllowed(
        explanation='Method %s is not allowed on %s; allowed: %s.' %
        (req.method, req.path, req.urlvars['_methods']),
        headers={'Allow': req.urlvars['_methods']})


def make_map(declarations):
    """A routes.Mapper of ``declarations`` with a 405 catch-all per path."""
    mapper = routes.Mapper()
    for path, methods in declarations.items():
        for method, handler in methods.items():
            mapper.connect(path, action=handler,
                           conditions={'method': [method]})
        # HEAD is answered wherever GET is, as webob does it.
        allowed = sorted(list(methods) + (['HEAD'] if 'GET' in methods
                                          else []))
        mapper.connect(path, action=handle_405, _methods=', '.join(allowed))
    return mapper


class Router:
    """Dispatch to a handler; turn what it raises into an HTTP error."""

    def __init__(self, state, declarations=None):
        self.state = state
        self._map = make_map(declarations or ROUTES)

    @webob.dec.wsgify(RequestClass=util.Request)
    def __call__(self, req):
        req.environ[util.STATE_KEY] = self.state
        conf = self.state.conf
        try:
            return self._dispatch(req)
        except exception.GlanceTasksException as exc:
            return errors.from_domain(req, exc, conf)
        except webob.exc.HTTPException as exc:
            return errors.from_http(req, exc, conf)
        except Exception as exc:
            if not errors.database_unavailable(exc):
                raise  # FaultWrapper logs it and answers a generic 500.
            outage = exc
        # Answered outside the except block, so that no log line carries
        # the exception (and the SQL in its message).
        return errors.from_database(req, outage, conf)

    def _dispatch(self, req):
        method = req.method
        if method == 'HEAD':
            req.environ['REQUEST_METHOD'] = 'GET'
        match = self._map.match(environ=req.environ)
        req.environ['REQUEST_METHOD'] = method
        if match is None:
            raise webob.exc.HTTPNotFound(
                explanation='No resource at %s.' % req.path)
        handler = match.pop('action')
        req.urlvars = match
        return handler(req)
