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

"""Images a task that died without its reverts left half-done, released.

A task whose flow could not be resumed after a crash is failed by the
runner without running the flow's reverts, which may leave its image in
``saving`` (or ``importing``) with staged files. Each task type undoes
what its tasks leave in its ``release_stranded`` hook (see
:class:`~glance_tasks.task_types.base.TaskType`), which the service runs
for every enabled type with its periodic purge
(:meth:`~glance_tasks.task_types.registry.TaskTypeRegistry.release_stranded`).

:func:`release` is what the image task types' hooks are made of. An
image read as ``saving`` may be activated by its (live) import a moment
later, and its task then end. So the decision is taken where it cannot go
stale: the status move comes first, in one transaction with the check
that every task of the image has ended and the rows it changes. A task
still running, or the image moved by someone else, rolls it all back.
Data is removed only once that transaction has committed.
"""

from oslo_log import log as logging

from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import leases as lease_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.images import staging
from glance_tasks.lifecycle import images as image_lifecycle

LOG = logging.getLogger(__name__)


def release(services, from_status, to_status, drop_upload=False,
            after=None, unless_property=None):
    """Move every image ``from_status → to_status`` whose tasks all ended.

    ``drop_upload``: the image's locations are dropped and its size and
    hashes cleared with the move. ``after(image_id, dropped_uris)`` runs
    once the move is committed, to remove files and stored data.
    ``unless_property``: images having that property are left alone
    (they belong to another task type, whose hook releases them).
    Returns the ids of the images released.
    """
    context = services.admin_context
    released = []
    for image in image_db.list_images(context,
                                      filters={'status': from_status}):
        try:
            dropped = _release(services.images, context, image, to_status,
                               drop_upload, unless_property)
        except (exception.ImageInUse, exception.ImageStatusConflict,
                exception.ImageNotFound) as exc:
            LOG.debug('Image %(id)s is not stranded: %(why)s',
                      {'id': image.id, 'why': exc})
            continue
        if after is not None:
            after(image.id, dropped)
        LOG.warning('Image %(id)s was left %(status)s by a task that '
                    'ended; it is now %(target)s.',
                    {'id': image.id, 'status': from_status,
                     'target': to_status})
        released.append(image.id)
    return released


@db_api.retry_on_deadlock
def _release(images, context, image, to_status, drop_upload,
             unless_property=None):
    """Move ``image`` to ``to_status`` if its tasks have all ended.

    One transaction: the compare-and-swap (which locks the row), the
    check of the tasks, and the locations dropped with the size and
    hashes when asked. Returns the URIs dropped.
    """
    dropped = []

    def only_if_stranded(context):
        if not task_db.image_tasks_ended(context, image.id):
            raise exception.ImageInUse(image_id=image.id)
        if unless_property and unless_property in image_db.get_properties(
                context, image.id):
            raise exception.ImageInUse(image_id=image.id)
        if drop_upload:
            dropped.extend(images.drop_locations(context, image.id))

    images.move(context, image, to_status,
                values=(dict(image_lifecycle.NO_UPLOAD) if drop_upload
                        else None),
                also=only_if_stranded)
    return dropped


def release_abandoned_uploads(services):
    """Requeue uploads and stages whose uploader's lease has lapsed.

    The uploader (see :mod:`glance_tasks.images.upload`) died, or lost
    its lease, with the body half-received: the saving to queued edge
    of a failed upload (the partial data removed from the store), or the
    uploading to queued edge of a failed stage (the partial file removed
    from the staging area). An image whose uploader lives is never
    touched, nor a staged image (its stage ended, naming no uploader).
    Returns the ids of the images requeued.
    """
    def discard_stored(image_id, uploader):
        # The lapsed upload's own data (an upload stores under a name
        # of its attempt), and any left under the image's id.
        services.image_store.discard_everywhere(image_id)

    def discard_staged(image_id, uploader):
        # Every staged file of the image: with the row locked and the
        # lapsed uploader proven still its own, no live stage has one
        # (part files of stages that lost the image earlier go too).
        staging.remove(services.conf, image_id)

    return (_release_abandoned(services, image_domain.SAVING,
                               discard_stored)
            + _release_abandoned(services, image_domain.UPLOADING,
                                 discard_staged))


def _release_abandoned(services, status, discard):
    """Requeue the ``status`` images of lapsed uploaders.

    ``discard(image_id, uploader)`` removes the data the dead process
    wrote.
    """
    context = services.admin_context
    released = []
    for image_id, uploader in image_db.uploads(context, status):
        if not _lapsed(context, uploader):
            continue
        try:
            dropped = _requeue_abandoned(services.images, context, image_id,
                                         uploader, discard)
        except (exception.ImageInUse, exception.ImageStatusConflict,
                exception.ImageNotFound) as exc:
            LOG.debug('Upload of image %(id)s is not abandoned: %(why)s',
                      {'id': image_id, 'why': exc})
            continue
        for uri in dropped:
            services.image_store.delete(uri)
        LOG.warning('The upload of image %(id)s by %(uploader)s ended with '
                    'its process (its lease lapsed); the image is queued '
                    'again.', {'id': image_id, 'uploader': uploader})
        released.append(image_id)
    return released


def _lapsed(context, lease_name):
    lease = lease_db.current(context, lease_name)
    return lease is None or lease[1] <= lease_db.utcnow()


@db_api.retry_on_deadlock
def _requeue_abandoned(images, context, image_id, uploader, discard):
    """``saving → queued`` if ``uploader`` is still its lapsed uploader.

    What the dead process wrote has no location row (nor, for an
    upload, a record of the store it went to): ``discard`` removes it
    in the transaction, once the row is locked and the uploader proven
    to be the lapsed one -- never after another sweep requeued the image
    and a new upload or stage started writing. A rollback after it
    leaves the image to the next sweep, which finds nothing to remove.
    """
    dropped = []

    def only_if_abandoned(context):
        if (not image_db.release_uploader(context, image_id, uploader)
                or not _lapsed(context, uploader)):
            raise exception.ImageInUse(image_id=image_id)
        discard(image_id, uploader)
        dropped.extend(images.drop_locations(context, image_id))

    image = image_db.get(context, image_id)
    images.move(context, image, image_domain.QUEUED,
                values=dict(image_lifecycle.NO_UPLOAD), also=only_if_abandoned)
    return dropped
