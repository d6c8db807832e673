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

"""What an ``api_image_import`` task that died without its reverts left.

A task failed by the service without its reverts (its progress was lost
in a crash) leaves its image locked: ``os_glance_import_task`` names an
ended task, the image is still ``importing`` (copy-image: ``active``),
it may have locations written by the dead task and staged data. Released
here as the flow's reverts would: the lock and store list dropped,
``importing → queued`` with the locations, size and hashes dropped, then
the staged data and what the stores hold removed. The decision and the
change are one transaction that reads the lock's task ``FOR UPDATE``, so
a task still running is never touched.
"""

from oslo_log import log as logging

from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.images import staging
from glance_tasks.images import store as store_mod
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types.api_image_import import claim

LOG = logging.getLogger(__name__)


class _NotStranded(Exception):
    """Raised in the transaction to roll it back: the task still runs."""


def release(services):
    """Release every image whose import lock names an ended task."""
    context = services.admin_context
    released = []
    for image_id, holder in image_db.with_property(context, claim.LOCK):
        try:
            dropped, status = _release(services, context, image_id, holder)
        except (_NotStranded, exception.ImageStatusConflict,
                exception.ImageNotFound):
            continue
        staging.remove(services.conf, image_id)
        for uri in dropped:
            services.image_store.delete(uri)
        if status == image_domain.IMPORTING:
            # Not active: whatever any store holds of it is the dead
            # task's partial writes.
            for name in store_mod.backend_names(services.conf) or [None]:
                services.image_store.discard(image_id, backend=name)
        LOG.warning('Image %(id)s was left locked by import task %(task)s, '
                    'which ended; its lock is released.',
                    {'id': image_id, 'task': holder})
        released.append(image_id)
    return released


@db_api.retry_on_deadlock
def _release(services, context, image_id, holder):
    """One transaction: check, release; ``(URIs dropped, old status)``."""
    image, properties = claim.read(context, image_id)
    dropped = []

    def only_if_stranded(ctx):
        if (properties.get(claim.LOCK) != holder
                or not task_db.ended(ctx, holder)):
            raise _NotStranded()
        claim.apply_properties(ctx, image_id, claim.lock_changes(properties))
        if image.status == image_domain.IMPORTING:
            dropped.extend(services.images.drop_locations(ctx, image_id))

    try:
        if image.status == image_domain.IMPORTING:
            services.images.move(context, image, image_domain.QUEUED,
                                 values=dict(image_lifecycle.NO_UPLOAD),
                                 also=only_if_stranded)
        else:
            with services.images.transaction(context):
                image_db.update(context, image_id, {})  # locks the row
                only_if_stranded(context)
    except claim.errors.ImageDeletedDuringImport:
        raise exception.ImageNotFound(image_id=image_id)
    return dropped, image.status
