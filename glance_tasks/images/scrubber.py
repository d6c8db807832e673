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

"""Delayed delete: ``pending_delete`` images, scrubbed or restored.

With ``[DEFAULT] delayed_delete`` a deleted active image keeps its data
in ``pending_delete``; :func:`scrub` deletes the data of those pending
longer than ``scrub_time`` and then moves them to ``deleted``, and
:func:`restore` brings one back to ``active`` (Glance's
``glance-scrubber --restore``). The data is deleted before the move, so
a scrub that dies half-way is finished by the next one (deleting data
already gone is no error).
"""

import datetime

from oslo_log import log as logging

from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.images import staging
from glance_tasks.notifications import events

LOG = logging.getLogger(__name__)

# Images that may have data in the staging area.
STAGED_STATUSES = frozenset({image_domain.UPLOADING,
                             image_domain.IMPORTING})


def delete(images, context, image, store):
    """``DELETE`` of an image: pending_delete, or deleted with its data.

    Announced as ``image.delete`` either way, as Glance does: for users
    the image is deleted.
    """
    if images.conf.delayed_delete and image.status == image_domain.ACTIVE:
        return images.move(context, image, image_domain.PENDING_DELETE,
                           event_type=events.IMAGE_DELETE)
    locations = image_db.get_locations(context, image.id)
    deleted = images.delete(context, image)
    _delete_data(store, image.id, [loc['url'] for loc in locations])
    if image.status in STAGED_STATUSES:
        # Staged, or being imported from the staging area: as Glance,
        # the staged data goes with the image (an import under way
        # fails, saying the image was deleted).
        staging.remove(images.conf, image.id)
    return deleted


def _delete_data(store, image_id, uris):
    """True once the data at ``uris`` is gone (some may be gone already)."""
    done = True
    for uri in uris:
        try:
            store.delete(uri)
        except Exception:
            # An operator can clean the store; a scrub tries again.
            LOG.exception('Data of image %s could not be removed from %s.',
                          image_id, uri)
            done = False
    return done


def scrub(images, store, now=None):
    """Delete images pending longer than ``scrub_time``; their count."""
    context = gt_context.get_admin_context()
    now = now or db_api.utcnow()
    before = now - datetime.timedelta(seconds=images.conf.scrub_time)
    scrubbed = 0
    for image in image_db.pending_delete_before(context, before):
        uris = [loc['url'] for loc in
                image_db.get_locations(context, image.id)]
        if not _delete_data(store, image.id, uris):
            continue  # kept pending: its data is still there
        try:
            with images.transaction(context):
                properties = image_db.get_properties(context, image.id)
                deleted = image_db.delete(context, image.id)
                images.announce(context, events.IMAGE_UPDATE, deleted,
                                properties=properties)
        except (exception.ImageStatusConflict, exception.ImageNotFound):
            continue  # restored or scrubbed by another process meanwhile
        scrubbed += 1
    return scrubbed


def restore(images, image_id):
    """Move the ``pending_delete`` image ``image_id`` back to ``active``."""
    context = gt_context.get_admin_context()
    # Deleted for the API: only the scrubber and this find it.
    image = image_db.get(context, image_id, include_deleted=True)
    if image.status != image_domain.PENDING_DELETE:
        raise exception.ImageNotPendingDelete(image_id=image_id,
                                              status=image.status)
    return images.move(context, image, image_domain.ACTIVE)
