"""Images an ended task left half-done: ``killed`` or back to ``queued``.

A task whose flow could not be resumed after a crash is failed by the
runner without running the flow's reverts, which may leave its image in
``saving`` (or ``importing``) with staged files. :func:`release_stranded`
finds such images -- every task that worked on them has ended -- and does
what the reverts would have done: staged files and stored data removed,
``saving → killed``, ``importing → queued``. It is safe to run at any
time (the service should run it at start and with its periodic purge).

An image read as ``saving`` may be activated by its (live) import a
moment later, and its task then end. So the decision is taken where it
cannot go stale: the status move comes first, in one transaction with
the check of the image's tasks and the rows it changes. A task still
running, or the image moved by someone else, rolls it all back. Data is
removed from the store only once that transaction has committed.
"""

from oslo_log import log as logging

from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.images import lifecycle
from glance_tasks.images import staging

LOG = logging.getLogger(__name__)

RELEASE = {image_domain.SAVING: image_domain.KILLED,
           image_domain.IMPORTING: image_domain.QUEUED}


def release_stranded(services, context=None):
    """Release images stranded by ended tasks; return their ids.

    ``services``: the :class:`~glance_tasks.task_types.base.Services` of
    the process (its configuration and image store).
    """
    conf = services.conf
    context = context or services.admin_context
    released = []
    for status, target in RELEASE.items():
        for image in image_db.list_images(context,
                                          filters={'status': status}):
            try:
                dropped = _release(conf, context, image, target)
            except (exception.ImageInUse, exception.ImageStatusConflict,
                    exception.ImageNotFound) as exc:
                LOG.debug('Image %(id)s is not stranded: %(why)s',
                          {'id': image.id, 'why': exc})
                continue
            _remove_data(services, image, dropped)
            LOG.warning('Image %(id)s was left %(status)s by a task that '
                        'ended; it is now %(target)s.',
                        {'id': image.id, 'status': status,
                         'target': target})
            released.append(image.id)
    return released


@db_api.retry_on_deadlock
def _release(conf, context, image, target):
    """Move ``image`` to ``target`` if its tasks have all ended.

    One transaction: the compare-and-swap (which locks the row), the
    check of the tasks, and the locations of a ``saving`` image dropped
    with its size and hashes. Returns the URIs dropped.
    """
    dropped = []
    saving = image.status == image_domain.SAVING

    def only_if_stranded(context):
        if not task_db.image_tasks_ended(context, image.id):
            raise exception.ImageInUse(image_id=image.id)
        if saving:
            dropped.extend(lifecycle.drop_locations(context, image.id))

    lifecycle.move(conf, context, image, target,
                   values=dict(lifecycle.NO_UPLOAD) if saving else None,
                   also=only_if_stranded)
    return dropped


def _remove_data(services, image, dropped):
    """Staged files and stored data of a released image (after commit)."""
    staging.remove(services.conf, image.id)
    if image.status == image_domain.SAVING:
        store = services.image_store
        for uri in dropped:
            store.delete(uri)
        store.discard(image.id)
