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

"""``/v2/images``: create, update, tags, list, show, delete,
(de|re)activate, and image tasks.

Every status change goes through the image status machine and is
announced (:mod:`glance_tasks.lifecycle.images`).
"""

from oslo_log import log as logging
from oslo_utils import uuidutils

from glance_tasks.api import image_body
from glance_tasks.api import import_request
from glance_tasks.api import links
from glance_tasks.api import params
from glance_tasks.api import policy
from glance_tasks.api import schemas
from glance_tasks.api import util
from glance_tasks.api import views
from glance_tasks.db import image_list
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.images import scrubber
from glance_tasks.images import store
from glance_tasks.policies import images as rules
from glance_tasks.policies import tasks as task_rules

LOG = logging.getLogger(__name__)


def image_view(req, image):
    """The image as the API shows it."""
    return _view(req, image)


def _view(req, image):
    context = req.context
    return views.image(image, image_db.get_properties(context, image.id),
                       image_db.get_tags(context, image.id),
                       stores=stores_of(req, image))


def stores_of(req, image):
    """Stores of the image's locations (Glance: multi-store only).

    Shown in the image's view and checked by copy-image: a location
    recorded before multi-store was enabled counts for the store whose
    directory holds it.
    """
    if not store.backend_names(req.state.conf):
        return ()
    image_store = req.state.service.services.image_store
    found = (image_store.store_of(location) for location
             in image_db.get_locations(req.context, image.id))
    return [name for name in found if name]


def lifecycle(req):
    """The service's image lifecycle: its commits wake the relay."""
    return req.state.service.services.images


def find_image(req, image_id=None):
    """The image if the caller may see it; otherwise 404, never 403."""
    image_id = image_id or req.urlvars['image_id']
    if not uuidutils.is_uuid_like(image_id):
        raise exception.ImageNotFound(image_id=image_id)
    image = image_db.get(req.context, image_id,
                         owner=policy.owner_scope(req))
    if not policy.allowed(req, rules.GET_IMAGE, {'project_id': image.owner}):
        raise exception.ImageNotFound(image_id=image_id)
    return image


def list_images(req):
    """``GET /v2/images``: one page of the images the caller may see."""
    policy.authorize(req, rules.GET_IMAGES,
                     {'project_id': req.context.project_id})
    query, limit, marker = params.image_list_params(req, req.state.conf,
                                                    image_db.SORT_KEYS)
    found = image_list.list_images(req.context, query,
                                   owner=policy.owner_scope(req),
                                   limit=limit, marker=marker)
    body = {'images': [_view(req, image) for image in found],
            'schema': '/v2/schemas/images'}
    return util.json_response(links.page(req, '/v2/images', found, limit,
                                         body))


def _authorize_visibility(req, visibility, owner):
    rule = {'public': rules.PUBLICIZE_IMAGE,
            'community': rules.COMMUNITIZE_IMAGE}.get(visibility)
    if rule is not None:
        policy.authorize(req, rule, {'project_id': owner})


def _authorize_owner(req, owner):
    """Glance's rule: only an admin gives an image to another project."""
    if owner != req.context.project_id and not policy.is_admin(req):
        raise exception.Forbidden(
            reason='you cannot create or give away an image owned by '
                   'project %s' % owner)


def create_image(req):
    """``POST /v2/images``: 201, the ``queued`` image and ``Location``."""
    values, properties, tags = image_body.create_body(util.json_body(req))
    owner = values.setdefault('owner', req.context.project_id)
    policy.authorize(req, rules.ADD_IMAGE, {'project_id': owner})
    _authorize_owner(req, owner)
    _authorize_visibility(req, values.get('visibility'), owner)
    values.setdefault('id', uuidutils.generate_uuid())
    image = lifecycle(req).create(req.context, values, properties,
                                  tags=tags)
    headers = {'Location': '/v2/images/%s' % image.id}
    headers.update(import_request.discovery_headers(req.state.conf))
    stores = store.backend_names(req.state.conf)
    if stores:
        # Glance's header: the stores an upload or import may name.
        headers['OpenStack-image-store-ids'] = ','.join(stores)
    return util.json_response(views.image(image, properties, tags),
                              status=201, headers=headers)


def update_image(req, operations):
    """``PATCH /v2/images/{image_id}``: Glance's JSON patch; 200.

    ``operations``: the parsed patch (see
    :func:`~.image_locations.patch_image`, which routes it here).
    """
    image = find_image(req)
    policy.authorize(req, rules.MODIFY_IMAGE, {'project_id': image.owner})
    before = _document(req, image)
    after = image_body.patched(before, operations, req.content_type)
    changes = image_body.changes(before, after)
    if 'owner' in changes.values:
        _authorize_owner(req, changes.values['owner'])
    if 'visibility' in changes.values:
        _authorize_visibility(req, changes.values['visibility'],
                              image.owner)
    lifecycle(req).update(req.context, image.id, changes)
    return util.json_response(_view(req, find_image(req)))


def _document(req, image):
    """The writable part of an image, as a patch sees it."""
    view = _view(req, image)
    return {name: value for name, value in view.items()
            if schemas.refused_field(name, on_create=True) is None}


def _tag(req):
    # Routes matches PATH_INFO, which WSGI gives as latin-1 text: the tag
    # is the UTF-8 the client sent (request_text checked it decodes).
    tag = req.urlvars['tag_value'].encode('latin-1').decode('utf-8')
    if not tag or len(tag) > schemas.TAG_MAX_LENGTH or '\x00' in tag:
        raise exception.Invalid(
            reason='a tag has 1 to %d characters and no NUL' %
            schemas.TAG_MAX_LENGTH)
    image = find_image(req)
    policy.authorize(req, rules.MODIFY_IMAGE, {'project_id': image.owner})
    return image, tag


def add_tag(req):
    """``PUT /v2/images/{image_id}/tags/{tag_value}``: 204, idempotent."""
    image, tag = _tag(req)
    lifecycle(req).tag(req.context, image.id, tag, True)
    return util.no_content()


def delete_tag(req):
    """``DELETE /v2/images/{image_id}/tags/{tag_value}``: 204.

    404 if the image does not have the tag (Glance's answer).
    """
    image, tag = _tag(req)
    if not lifecycle(req).tag(req.context, image.id, tag, False):
        raise exception.NotFound(reason='image %s has no tag %s' %
                                 (image.id, tag))
    return util.no_content()


def show_image(req):
    """``GET /v2/images/{image_id}``."""
    return util.json_response(_view(req, find_image(req)))


def delete_image(req):
    """``DELETE /v2/images/{image_id}``: 204; protected images are 403.

    With ``[DEFAULT] delayed_delete`` an active image goes to
    ``pending_delete`` and keeps its data for the scrubber.
    """
    image = find_image(req)
    policy.authorize(req, rules.DELETE_IMAGE, {'project_id': image.owner})
    if image.protected:
        raise exception.ProtectedImageDelete(image_id=image.id)
    scrubber.delete(lifecycle(req), req.context, image,
                    req.state.service.services.image_store)
    return util.no_content()


def _move(req, rule, action, from_status, to_status):
    """Glance's (de|re)activate: idempotent, 403 from any other status."""
    image = find_image(req)
    policy.authorize(req, rule, {'project_id': image.owner})
    if image.status == to_status:
        return util.no_content()
    if image.status != from_status:
        raise exception.ImageActionNotAllowed(action=action,
                                              status=image.status)
    lifecycle(req).move(req.context, image, to_status)
    return util.no_content()


def deactivate(req):
    """``POST /v2/images/{image_id}/actions/deactivate``: 204."""
    return _move(req, rules.DEACTIVATE, 'deactivate', image_domain.ACTIVE,
                 image_domain.DEACTIVATED)


def reactivate(req):
    """``POST /v2/images/{image_id}/actions/reactivate``: 204."""
    return _move(req, rules.REACTIVATE, 'reactivate',
                 image_domain.DEACTIVATED, image_domain.ACTIVE)


def list_image_tasks(req):
    """``GET /v2/images/{image_id}/tasks``: the image's tasks, in full."""
    image = find_image(req)
    policy.authorize(req, task_rules.GET_TASKS, {'project_id': image.owner})
    limit = req.state.conf.api.api_limit_max
    # This view shows input, result and message, which lists leave out.
    tasks = task_db.list_tasks(req.context, filters={'image_id': image.id},
                               limit=limit, with_info=True)
    return util.json_response({'tasks': [views.image_task(task)
                                         for task in tasks]})
