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

"""Glance's multi-store API: ``/v2/info/stores`` and ``/v2/stores``.

``GET /v2/info/stores`` lists the stores users may name (Glance's reserved
``os_glance_*`` stores never), ``/detail`` adds each one's type and
properties for administrators, and ``DELETE
/v2/stores/{store_id}/{image_id}`` removes an image's data from one store
(:mod:`glance_tasks.images.store_removal`). A single-store service
answers 404 to all three, as Glance does.
"""

from glance_tasks.api.handlers import images as image_handlers
from glance_tasks.api import policy
from glance_tasks.api import util
from glance_tasks import exception
from glance_tasks.images import store
from glance_tasks.images import store_removal
from glance_tasks.policies import stores as rules

NOT_MULTI_STORE = 'Multi backend is not supported at this site.'


def _names(req):
    names = store.backend_names(req.state.conf)
    if not names:
        raise exception.NotFound(message=NOT_MULTI_STORE)
    return names


def _summary(conf, name):
    """A store as Glance lists it; its flags are the strings "true"."""
    entry = {'id': name}
    description = conf[name].store_description
    if description:
        entry['description'] = description
    if name == store.default_backend(conf):
        entry['default'] = 'true'
    if store.backend_type(conf, name) == 'http':
        entry['read-only'] = 'true'
    return entry


def _image_store(req):
    # Built on first use; it registers the stores' option groups.
    return req.state.service.services.image_store


def list_stores(req):
    """``GET /v2/info/stores``: ``{"stores": [{"id": ...}, ...]}``."""
    names = _names(req)
    _image_store(req)
    return util.json_response(
        {'stores': [_summary(req.state.conf, name) for name in names]})


def stores_detail(req):
    """``GET /v2/info/stores/detail``: each store's type and properties."""
    names = _names(req)
    policy.authorize(req, rules.STORES_INFO_DETAIL,
                     {'project_id': req.context.project_id})
    image_store = _image_store(req)
    conf = req.state.conf
    stores = []
    for name in names:
        entry = _summary(conf, name)
        entry['type'], entry['properties'] = image_store.describe(name)
        entry['weight'] = conf[name].weight
        stores.append(entry)
    return util.json_response({'stores': stores})


def delete_from_store(req):
    """``DELETE /v2/stores/{store_id}/{image_id}``: 204."""
    store_id = req.urlvars['store_id']
    if store_id not in _names(req):
        raise exception.Conflict(
            message='The selected store %s is not available on this node.'
                    % store_id[:100])
    image = image_handlers.find_image(req)
    target = {'project_id': image.owner}
    policy.authorize(req, rules.GET_IMAGE_LOCATION, target)
    policy.authorize(req, rules.DELETE_IMAGE_LOCATION, target)
    store_removal.remove(image_handlers.lifecycle(req), _image_store(req),
                         req.context, image.id, store_id)
    return util.no_content()
