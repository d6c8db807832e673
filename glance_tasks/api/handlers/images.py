"""``/v2/images``: list, show, delete, (de|re)activate, and image tasks.

Every status change goes through the image status machine and is
announced (:mod:`glance_tasks.images.lifecycle`).
"""

from oslo_log import log as logging
from oslo_utils import uuidutils

from glance_tasks.api import links
from glance_tasks.api import params
from glance_tasks.api import policy
from glance_tasks.api import schemas
from glance_tasks.api import util
from glance_tasks.api import views
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.images import lifecycle as image_lifecycle
from glance_tasks.images import scrubber
from glance_tasks.policies import images as rules
from glance_tasks.policies import tasks as task_rules

LOG = logging.getLogger(__name__)

LISTING = params.Listing(
    filters=('name', 'status', 'visibility', 'owner', 'disk_format',
             'container_format'),
    sort_keys=image_db.SORT_KEYS, status_table=image_domain.TABLE,
    choices={'visibility': schemas.VISIBILITIES})


def _view(req, image):
    return views.image(image, image_db.get_properties(req.context, image.id))


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
    filters, kwargs = params.list_params(req, LISTING, req.state.conf)
    owner = policy.owner_scope(req)
    if owner is not None and filters.setdefault('owner', owner) != owner:
        found = []  # another project's images: none visible
    else:
        found = image_db.list_images(req.context, filters=filters, **kwargs)
    body = {'images': [_view(req, image) for image in found],
            'schema': '/v2/schemas/images'}
    return util.json_response(links.page(req, '/v2/images', found,
                                         kwargs['limit'], body))


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
    scrubber.delete(req.state.conf, req.context, image,
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
    image_lifecycle.move(req.state.conf, req.context, image, to_status)
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
