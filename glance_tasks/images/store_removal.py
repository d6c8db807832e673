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

"""Removal of an image's data from one store of a multi-store service.

Glance's ``DELETE /v2/stores/{store_id}/{image_id}``: the location of
that store is dropped and its data deleted; the image stays ``active``
with its other locations. Glance's refusals: an image not ``active``
(409), the last location (403: delete the image instead), no location in
that store (404).

The checks and the drop run in one transaction that first locks the
image row, so two removals from the two stores of an image cannot both
pass the last-location check. The data is deleted once that transaction
has committed: a crash in between leaves unreferenced data in the store,
never a location without data.
"""

from oslo_log import log as logging

from glance_tasks.db import images as image_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.notifications import events

LOG = logging.getLogger(__name__)


def remove(images, image_store, context, image_id, store_id,
           notify_context=None):
    """Drop the location of ``store_id`` from the image; delete its data.

    ``images``: the :class:`~glance_tasks.lifecycle.images.ImageLifecycle`
    (the change is announced as ``image.update``, as Glance's save does).
    Returns the location dropped.
    """
    with images.transaction(context):
        # An UPDATE locks the image row until the commit; updated_at
        # changes, as when Glance saves the image.
        image = image_db.update(context, image_id, {})
        if image.status != image_domain.ACTIVE:
            raise exception.Conflict(
                message="It's not allowed to remove image data from store "
                        "if image status is not 'active' (image %s is "
                        "'%s')." % (image_id, image.status))
        locations = image_db.get_locations(context, image_id,
                                           for_update=True)
        if len(locations) == 1:
            raise exception.Forbidden(
                message='Cannot delete image data from the only store '
                        'containing it. Consider deleting the image '
                        'instead.')
        dropped = next((location for location in locations
                        if image_store.store_of(location) == store_id),
                       None)
        if dropped is None:
            raise exception.NotFound(
                message='Image %s is not stored in store %s.' %
                        (image_id, store_id))
        image_db.delete_location(context, image_id, dropped['id'])
        images.announce(context, events.IMAGE_UPDATE, image,
                        notify_context)
    _delete_data(image_store, image_id, dropped, store_id)
    return dropped


def _delete_data(image_store, image_id, location, store_id):
    try:
        if not image_store.delete(location['url'], backend=store_id):
            LOG.warning('Data of image %(id)s was already gone from store '
                        '%(store)s.', {'id': image_id, 'store': store_id})
    except Exception as exc:
        # The location is gone; what is left is unreferenced data for
        # the operator to remove, which the user need not hear about.
        LOG.warning('Data of image %(id)s could not be deleted from store '
                    '%(store)s (%(error)s); remove it by hand.',
                    {'id': image_id, 'store': store_id,
                     'error': type(exc).__name__})
