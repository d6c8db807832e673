"""Images an ended task left half-done: ``killed`` or back to ``queued``.

A task whose flow could not be resumed after a crash is failed by the
runner without running the flow's reverts, which may leave its image in
``saving`` (or ``importing``) with staged files. :func:`release_stranded`
finds such images -- every task that worked on them has ended -- and does
what the reverts would have done: staged files and stored data removed,
``saving → killed``, ``importing → queued``. It is safe to run at any
time (the service should run it at start and with its periodic purge).
"""

from oslo_log import log as logging

from glance_tasks import context as gt_context
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import image as image_domain
from glance_tasks.domain import task as task_domain
from glance_tasks.images import lifecycle
from glance_tasks.images import runtime
from glance_tasks.images import staging

LOG = logging.getLogger(__name__)

RELEASE = {image_domain.SAVING: image_domain.KILLED,
           image_domain.IMPORTING: image_domain.QUEUED}


def _stranded(context, image):
    tasks = task_db.list_tasks(context, filters={'image_id': image.id})
    return bool(tasks) and all(task.status in task_domain.TABLE.terminal
                               for task in tasks)


def release_stranded(conf=None, context=None):
    """Release images stranded by ended tasks; return their ids."""
    conf = conf or runtime.get_conf()
    context = context or gt_context.get_admin_context()
    released = []
    for status, target in RELEASE.items():
        for image in image_db.list_images(context,
                                          filters={'status': status}):
            if not _stranded(context, image):
                continue
            staging.remove(conf, image.id)
            if status == image_domain.SAVING:
                store = runtime.get_store()
                for uri in lifecycle.forget_upload(context, image.id):
                    store.delete(uri)
                store.discard(image.id)
            lifecycle.move(conf, context, image, target)
            LOG.warning('Image %(id)s was left %(status)s by a task that '
                        'ended; it is now %(target)s.',
                        {'id': image.id, 'status': status,
                         'target': target})
            released.append(image.id)
    return released
