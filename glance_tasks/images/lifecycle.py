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

Every function here changes an image in one database transaction that also
writes the notification announcing the change to the outbox, so the
notification leaves only once the change is committed, and never for a
change rolled back. Status moves go through
:func:`glance_tasks.db.images.update_status` (a compare-and-swap checked
against the image status table).

Event types are Glance's: ``image.create`` for a new image,
``image.prepare`` when data starts to arrive (``queued`` to ``saving`` or
``importing``), ``image.upload`` once the data is in the store,
``image.activate`` on reaching ``active``, ``image.delete`` on deletion and
``image.update`` for any other change (such as ``killed``).
"""

import dataclasses

from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.notifications import events
from glance_tasks.utils import isotime

IMAGE_CREATE = 'image.create'
IMAGE_PREPARE = 'image.prepare'
IMAGE_UPLOAD = 'image.upload'
IMAGE_ACTIVATE = 'image.activate'
IMAGE_UPDATE = 'image.update'
IMAGE_DELETE = 'image.delete'

# The event announcing a move to each status; other moves: image.update.
STATUS_EVENTS = {
    image_domain.SAVING: IMAGE_PREPARE,
    image_domain.IMPORTING: IMAGE_PREPARE,
    image_domain.ACTIVE: IMAGE_ACTIVATE,
    image_domain.DELETED: IMAGE_DELETE,
}


def image_payload(image, properties, tags=()):
    """Glance's image notification payload (never the locations)."""
    return {
        'id': image.id,
        'name': image.name,
        'status': image.status,
        'created_at': isotime(image.created_at),
        'updated_at': isotime(image.updated_at),
        'min_disk': image.min_disk,
        'min_ram': image.min_ram,
        'protected': image.protected,
        'checksum': image.checksum,
        'owner': image.owner,
        'disk_format': image.disk_format,
        'container_format': image.container_format,
        'size': image.size,
        'virtual_size': image.virtual_size,
        'is_public': image.visibility == 'public',
        'visibility': image.visibility,
        'properties': dict(properties),
        'tags': sorted(tags),
        'deleted': image.deleted,
        'deleted_at': isotime(image.deleted_at),
        'os_hash_algo': image.os_hash_algo,
        'os_hash_value': image.os_hash_value,
    }


def announce(conf, context, event_type, image, notify_context=None,
             properties=None):
    """Announce ``image`` as it is now, in the caller's transaction."""
    _announce(conf, context, event_type, image, notify_context, properties)


def _announce(conf, context, event_type, image, notify_context,
              properties=None, tags=None):
    if properties is None:
        properties = image_db.get_properties(context, image.id)
    if tags is None:
        tags = image_db.get_tags(context, image.id)
    events.enqueue(conf, context, event_type,
                   image_payload(image, properties, tags),
                   notify_context=notify_context)


def create(conf, context, values, properties=None, task_id=None,
           notify_context=None, tags=()):
    """Create a ``queued`` image (and tie it to ``task_id``); announce it."""
    with db_api.context_manager.writer.using(context):
        image = image_db.create(context, values, properties, tags)
        if task_id is not None:
            task_db.set_image(context, task_id, image.id)
        events.enqueue(conf, context, IMAGE_CREATE,
                       image_payload(image, properties or {}, tags),
                       notify_context=notify_context)
    return image


@dataclasses.dataclass(frozen=True)
class Changes:
    """What one update asks: base fields, properties and tags."""

    values: dict = dataclasses.field(default_factory=dict)
    set_properties: dict = dataclasses.field(default_factory=dict)
    removed_properties: frozenset = frozenset()
    tags: tuple = None  # the whole new tag list, or None: unchanged


def update(conf, context, image_id, changes, notify_context=None):
    """Apply ``changes`` to a live image; announce ``image.update``."""
    with db_api.context_manager.writer.using(context):
        image = image_db.update(context, image_id, changes.values)
        for name in changes.removed_properties:
            image_db.delete_property(context, image_id, name)
        for name, value in changes.set_properties.items():
            image_db.set_property(context, image_id, name, value)
        if changes.tags is not None:
            _replace_tags(context, image_id, changes.tags)
        _announce(conf, context, IMAGE_UPDATE, image, notify_context)
    return image


def _replace_tags(context, image_id, tags):
    old = set(image_db.get_tags(context, image_id))
    for tag in old - set(tags):
        image_db.delete_tag(context, image_id, tag)
    for tag in set(tags) - old:
        image_db.add_tag(context, image_id, tag)


def tag(conf, context, image_id, tag_name, present, notify_context=None):
    """Add (``present``) or remove one tag; announce ``image.update``.

    Returns False when removing a tag the image does not have.
    """
    with db_api.context_manager.writer.using(context):
        if present:
            image_db.add_tag(context, image_id, tag_name)
        elif not image_db.delete_tag(context, image_id, tag_name):
            return False
        image = image_db.update(context, image_id, {})
        _announce(conf, context, IMAGE_UPDATE, image, notify_context)
    return True


def move(conf, context, image, to_status, values=None,
         notify_context=None, properties=None, also=None):
    """Move ``image`` (as last read) to ``to_status``; announce it.

    ``properties``: the image's extra properties when the caller knows
    them (saves reading them for the notification). ``also(context)``
    runs in the same transaction, after the move: what it changes is
    committed with the move, and what it raises undoes the move.
    """
    with db_api.context_manager.writer.using(context):
        moved = image_db.update_status(context, image.id, image.status,
                                       to_status, values)
        if also is not None:
            also(context)
        _announce(conf, context, STATUS_EVENTS.get(to_status, IMAGE_UPDATE),
                  moved, notify_context, properties)
    return moved


def record_upload(conf, context, image_id, stored, values=None,
                  notify_context=None, properties=None):
    """Record data written to the store: location, size, hashes.

    ``stored`` is what :meth:`ImageStore.add` returned. Announced as
    ``image.upload``; the status does not change.
    """
    values = dict(values or {}, size=stored['size'],
                  checksum=stored['checksum'],
                  os_hash_algo=stored['os_hash_algo'],
                  os_hash_value=stored['os_hash_value'])
    with db_api.context_manager.writer.using(context):
        image_db.add_location(context, image_id, stored['location'],
                              stored.get('metadata'))
        image = image_db.update(context, image_id, values)
        _announce(conf, context, IMAGE_UPLOAD, image, notify_context,
                  properties)
    return image


# The fields record_upload sets, as they are before any upload.
NO_UPLOAD = {'size': None, 'checksum': None, 'os_hash_algo': None,
             'os_hash_value': None}


def forget_upload(context, image_id):
    """Undo :func:`record_upload`: drop the locations and data fields.

    Returns the URIs of the locations dropped, for their data to be
    deleted from the store.
    """
    with db_api.context_manager.writer.using(context):
        uris = drop_locations(context, image_id)
        image_db.update(context, image_id, dict(NO_UPLOAD))
    return uris


def drop_locations(context, image_id):
    """Delete the image's location rows; return their URIs.

    The data at those URIs is the caller's to delete, once the
    transaction that dropped them has committed.
    """
    with db_api.context_manager.writer.using(context):
        locations = image_db.get_locations(context, image_id)
        for location in locations:
            image_db.delete_location(context, image_id, location['id'])
    return [location['url'] for location in locations]


def delete(conf, context, image, notify_context=None):
    """Delete ``image`` (soft, with its properties and locations)."""
    with db_api.context_manager.writer.using(context):
        properties = image_db.get_properties(context, image.id)
        tags = image_db.get_tags(context, image.id)
        deleted = image_db.delete(context, image.id)
        # Read before the delete, which removes them with the image.
        _announce(conf, context, IMAGE_DELETE, deleted, notify_context,
                  properties, tags)
    return deleted


def get(context, image_id):
    """The image, or None when it is gone (deleted or never created)."""
    try:
        return image_db.get(context, image_id)
    except exception.ImageNotFound:
        return None
