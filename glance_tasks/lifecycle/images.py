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

"""Image status moves, each committed with its notification.

Every change here is made in one database transaction that also writes
the notification announcing it to the outbox, so the notification leaves
only once the change is committed, and never for a change rolled back;
the relay is woken after the commit. Status moves go through
:func:`glance_tasks.db.images.update_status` (a compare-and-swap checked
against the image status table). The event types (Glance's) and the
payload are in :mod:`glance_tasks.notifications`.
"""

import contextlib
import dataclasses

from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import task as task_domain
from glance_tasks import exception
from glance_tasks.notifications import events
from glance_tasks.notifications import payloads


@dataclasses.dataclass(frozen=True)
class Changes:
    """What one update asks: base fields, properties and tags."""

    values: dict = dataclasses.field(default_factory=dict)
    set_properties: dict = dataclasses.field(default_factory=dict)
    removed_properties: frozenset = frozenset()
    tags: tuple = None  # the whole new tag list, or None: unchanged


# Glance's reserved namespace: properties there are not counted.
RESERVED_PREFIX = 'os_glance'
# Glance's import lock: the id of the api_image_import task working on the
# image, set by the import call and cleared by the task when it ends.
IMPORT_LOCK = 'os_glance_import_task'
# The fields record_upload sets, as they are before any upload.
NO_UPLOAD = {'size': None, 'checksum': None, 'os_hash_algo': None,
             'os_hash_value': None}


class ImageLifecycle:
    """Moves images through their statuses and announces each move.

    ``on_commit`` is called after every committed change that wrote a
    notification (the relay's ``wake``).
    """

    def __init__(self, conf, on_commit=None):
        self.conf = conf
        self.on_commit = on_commit or (lambda: None)

    @contextlib.contextmanager
    def transaction(self, context):
        """A writer transaction; its commit wakes the relay.

        Calls of this class inside it join it: their changes and
        notifications commit together.
        """
        with db_api.context_manager.writer.using(context):
            yield
        self.on_commit()

    def announce(self, context, event_type, image, notify_context=None,
                 properties=None):
        """Announce ``image`` as it is now, in the caller's transaction.

        The caller's transaction is one of :meth:`transaction`, whose
        commit wakes the relay.
        """
        self._announce(context, event_type, image, notify_context,
                       properties)

    def _announce(self, context, event_type, image, notify_context,
                  properties=None, tags=None):
        if properties is None:
            properties = image_db.get_properties(context, image.id)
        if tags is None:
            tags = image_db.get_tags(context, image.id)
        events.enqueue(self.conf, context, event_type,
                       payloads.image_payload(image, properties, tags),
                       notify_context=notify_context)

    def create(self, context, values, properties=None, task_id=None,
               notify_context=None, tags=()):
        """Create a ``queued`` image (tied to ``task_id``); announce it."""
        self._check_properties(properties or {})
        self._check_tags(tags)
        with self.transaction(context):
            image = image_db.create(context, values, properties, tags)
            if task_id is not None:
                task_db.set_image(context, task_id, image.id)
            self._announce(context, events.IMAGE_CREATE, image,
                           notify_context, properties or {}, tags)
        return image

    def update(self, context, image_id, changes, notify_context=None):
        """Apply ``changes`` to a live image; announce ``image.update``."""
        if changes.tags is not None:
            self._check_tags(changes.tags)
        with self.transaction(context):
            image = image_db.update(context, image_id, changes.values)
            if changes.set_properties:
                self._check_added_properties(context, image_id, changes)
            for name in changes.removed_properties:
                image_db.delete_property(context, image_id, name)
            for name, value in changes.set_properties.items():
                image_db.set_property(context, image_id, name, value)
            if changes.tags is not None:
                _replace_tags(context, image_id, changes.tags)
            self._announce(context, events.IMAGE_UPDATE, image,
                           notify_context)
        return image

    def tag(self, context, image_id, tag_name, present,
            notify_context=None):
        """Add (``present``) or remove one tag; announce ``image.update``.

        Returns False when removing a tag the image does not have.
        """
        with self.transaction(context):
            if present:
                image_db.add_tag(context, image_id, tag_name)
                # Counted after the add, which a tag already there leaves
                # alone; raising rolls the add back.
                self._check_tags_count(image_db.count_tags(context,
                                                           image_id))
            elif not image_db.delete_tag(context, image_id, tag_name):
                return False
            image = image_db.update(context, image_id, {})
            self._announce(context, events.IMAGE_UPDATE, image,
                           notify_context)
        return True

    def _check_tags(self, tags):
        self._check_tags_count(len(set(tags)))

    def _check_tags_count(self, count):
        maximum = self.conf.image_tag_quota
        if 0 <= maximum < count:
            raise exception.ImageTagLimitExceeded(attempted=count,
                                                  maximum=maximum)

    def _check_properties(self, properties):
        """Glance's ``image_property_quota``: reserved names not counted."""
        maximum = self.conf.image_property_quota
        count = len([name for name in properties
                     if not name.startswith(RESERVED_PREFIX)])
        if 0 <= maximum < count:
            raise exception.ImagePropertyLimitExceeded(attempted=count,
                                                       maximum=maximum)

    def _check_added_properties(self, context, image_id, changes):
        """The quota, checked only when ``changes`` adds properties.

        As Glance: an update that changes or removes properties passes
        even on an image already over the quota (lowered meanwhile).
        """
        old = image_db.get_properties(context, image_id)
        if set(changes.set_properties) - set(old):
            after = (set(old) - changes.removed_properties) | set(
                changes.set_properties)
            self._check_properties(after)

    def move(self, context, image, to_status, values=None,
             notify_context=None, properties=None, also=None,
             event_type=None):
        """Move ``image`` (as last read) to ``to_status``; announce it.

        ``properties``: the image's extra properties when the caller
        knows them (saves reading them for the notification).
        ``also(context)`` runs in the same transaction, after the move:
        what it changes is committed with the move, and what it raises
        undoes the move. ``event_type``: the event announcing it, when
        not the one of ``to_status`` (:data:`IMAGE_STATUS_EVENTS`).
        """
        with self.transaction(context):
            moved = image_db.update_status(context, image.id, image.status,
                                           to_status, values)
            if also is not None:
                also(context)
            event_type = event_type or events.IMAGE_STATUS_EVENTS.get(
                to_status, events.IMAGE_UPDATE)
            self._announce(context, event_type, moved, notify_context,
                           properties)
        return moved

    def claim_import(self, context, image_id, task, to_status=None,
                     check=None, set_properties=None, notify_context=None):
        """Take the image's import lock for ``task``; move the image.

        In one transaction (the caller's, when it has one): the image row
        is locked; ``check(image, properties, uploader)`` raises if the
        import may not start (its preconditions, checked on the row as it
        is now); :data:`IMPORT_LOCK` is set to the task's id -- refused
        with :class:`~glance_tasks.exception.ImportInProgress` while it
        names a task that has not ended; ``set_properties`` are set with
        it; then the image moves to ``to_status`` by compare-and-swap (or,
        with None, stays where it is, announced as ``image.update``).
        Returns the image as it is now.
        """
        with self.transaction(context):
            uploader = image_db.uploader_of(context, image_id)  # row lock
            image = image_db.get(context, image_id)
            properties = image_db.get_properties(context, image_id)
            if check is not None:
                check(image, properties, uploader)
            holder = properties.get(IMPORT_LOCK)
            if holder is not None and not _lock_is_stale(context, holder):
                raise exception.ImportInProgress(image_id=image_id)
            changed = dict(set_properties or {}, **{IMPORT_LOCK: task.id})
            for name, value in changed.items():
                image_db.set_property(context, image_id, name, value)
            properties.update(changed)
            if to_status is not None:
                return self.move(context, image, to_status,
                                 notify_context=notify_context,
                                 properties=properties)
            image = image_db.update(context, image_id, {})
            self._announce(context, events.IMAGE_UPDATE, image,
                           notify_context, properties)
        return image

    def record_upload(self, context, image_id, stored, values=None,
                      notify_context=None, properties=None):
        """Record data written to the store: location, size, hashes.

        ``stored`` is what :meth:`ImageStore.add` returned. Announced as
        ``image.upload``; the status does not change.
        """
        values = dict(values or {}, size=stored['size'],
                      checksum=stored['checksum'],
                      os_hash_algo=stored['os_hash_algo'],
                      os_hash_value=stored['os_hash_value'])
        with self.transaction(context):
            image_db.add_location(context, image_id, stored['location'],
                                  stored.get('metadata'))
            image = image_db.update(context, image_id, values)
            self._announce(context, events.IMAGE_UPLOAD, image,
                           notify_context, properties)
        return image

    def forget_upload(self, context, image_id):
        """Undo :meth:`record_upload`: drop the locations and data fields.

        Returns the URIs of the locations dropped, for their data to be
        deleted from the store. Announces nothing.
        """
        with self.transaction(context):
            uris = self.drop_locations(context, image_id)
            image_db.update(context, image_id, dict(NO_UPLOAD))
        return uris

    def drop_locations(self, context, image_id):
        """Delete the image's location rows; return their URIs.

        The data at those URIs is the caller's to delete, once the
        transaction that dropped them has committed.
        """
        with self.transaction(context):
            locations = image_db.get_locations(context, image_id)
            for location in locations:
                image_db.delete_location(context, image_id, location['id'])
        return [location['url'] for location in locations]

    def delete(self, context, image, notify_context=None):
        """Delete ``image`` (soft, with its properties and locations)."""
        with self.transaction(context):
            # Read before the delete, which removes them with the image.
            properties = image_db.get_properties(context, image.id)
            tags = image_db.get_tags(context, image.id)
            deleted = image_db.delete(context, image.id)
            self._announce(context, events.IMAGE_DELETE, deleted,
                           notify_context, properties, tags)
        return deleted


def _lock_is_stale(context, task_id):
    """True when the import lock names a task that is gone or has ended.

    Such a task will never release it: it was failed without its
    reverts (a crash it could not resume from), or purged. A task still
    pending or processing holds the lock, however long it takes: it runs,
    or will be resumed.
    """
    try:
        task = task_db.get(context, task_id, include_expired=True,
                           include_deleted=True)
    except exception.TaskNotFound:
        return True
    return task.status in task_domain.TABLE.terminal


def get(context, image_id):
    """The image, or None when it is gone (deleted or never made)."""
    try:
        return image_db.get(context, image_id)
    except exception.ImageNotFound:
        return None


def _replace_tags(context, image_id, tags):
    old = set(image_db.get_tags(context, image_id))
    for tag in old - set(tags):
        image_db.delete_tag(context, image_id, tag)
    for tag in set(tags) - old:
        image_db.add_tag(context, image_id, tag)
