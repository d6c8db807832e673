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

"""Glance's import lock and store-list properties of an image.

``POST /v2/images/{id}/import`` sets ``os_glance_import_task`` to the id
of the task it creates, in the transaction that moves the image to
``importing`` (copy-image: it stays ``active``), and
``os_glance_importing_to_stores`` to the target stores. Every atom of the
flow checks the lock first (:func:`claimed`): an image deleted, or
locked by another task, stops the flow. :func:`give_back` is what a
failed import does to the image; :func:`finish` what a successful one
does.
"""

from glance_tasks.db import images as image_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types.api_image_import import errors

LOCK = 'os_glance_import_task'
IMPORTING_TO = 'os_glance_importing_to_stores'
FAILED = 'os_glance_failed_import'
COPY_IMAGE = 'copy-image'


def working_status(method):
    """The status of the image while a ``method`` import runs."""
    return image_domain.ACTIVE if method == COPY_IMAGE else \
        image_domain.IMPORTING


def names(value):
    """A comma-joined store list as a list (no empty names)."""
    return [name for name in (value or '').split(',') if name]


def joined(stores):
    return ','.join(dict.fromkeys(stores))


def read(context, image_id):
    """``(image, properties)``; ImageDeletedDuringImport if it is gone."""
    image = image_lifecycle.get(context, image_id)
    try:
        if image is not None:
            return image, image_db.get_properties(context, image_id)
    except exception.ImageNotFound:
        pass
    raise errors.ImageDeletedDuringImport(image_id=image_id)


def claimed(context, image_id, task_id, method):
    """The image and its properties, while this task holds its lock.

    Raises ImageDeletedDuringImport, ImportLockLost or WrongImageStatus.
    """
    image, properties = read(context, image_id)
    holder = properties.get(LOCK)
    if holder != task_id:
        raise errors.ImportLockLost(image_id=image_id,
                                    holder=holder or 'not set')
    expected = working_status(method)
    if image.status != expected:
        raise errors.WrongImageStatus(image_id=image_id,
                                      status=image.status, method=method,
                                      expected=expected)
    return image, properties


def lock_changes(properties, failed_stores=()):
    """Property edits ending an import: lock and store list gone."""
    set_properties = {}
    if failed_stores:
        set_properties[FAILED] = joined(names(properties.get(FAILED))
                                        + list(failed_stores))
    removed = frozenset(name for name in (LOCK, IMPORTING_TO)
                        if name in properties)
    return image_lifecycle.Changes(set_properties=set_properties,
                                   removed_properties=removed)


def apply_properties(context, image_id, changes):
    """Apply the property part of ``changes`` in the caller's transaction."""
    for name in changes.removed_properties:
        image_db.delete_property(context, image_id, name)
    for name, value in changes.set_properties.items():
        image_db.set_property(context, image_id, name, value)


def give_back(services, image_id, task_id, method, failed_stores,
              notify_context=None):
    """Undo the import call: lock released, ``importing → queued``.

    A copy-image import leaves the image ``active``. ``failed_stores``
    are added to ``os_glance_failed_import``. Returns False when the
    image is gone or locked by another task (then nothing is changed).
    """
    context = services.admin_context
    try:
        image, properties = read(context, image_id)
    except errors.ImageDeletedDuringImport:
        return False
    if properties.get(LOCK) != task_id:
        return False
    changes = lock_changes(properties, failed_stores)
    try:
        if method != COPY_IMAGE and image.status == image_domain.IMPORTING:
            services.images.move(
                context, image, image_domain.QUEUED,
                values=dict(image_lifecycle.NO_UPLOAD),
                notify_context=notify_context,
                also=lambda ctx: apply_properties(ctx, image_id, changes))
        else:
            services.images.update(context, image_id, changes,
                                   notify_context=notify_context)
    except (exception.ImageNotFound, exception.ImageStatusConflict):
        return False
    return True
