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

"""Database functions for images, their properties and locations."""

import dataclasses

from oslo_db import exception as db_exc
import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.db import paging
from glance_tasks.db import prebuilt
from glance_tasks.db.sqlalchemy import models
from glance_tasks.domain import image as image_domain
from glance_tasks import exception

SORT_KEYS = ('created_at', 'updated_at', 'id', 'name', 'status', 'size',
             'disk_format', 'container_format')
FILTERS = ('status', 'owner', 'visibility', 'name', 'disk_format',
           'container_format')
_FIELDS = tuple(field.name for field in dataclasses.fields(
    image_domain.Image))
# Columns set by the status machine only, never by a plain update.
_STATUS_COLUMNS = frozenset({'status', 'deleted', 'deleted_at', 'id'})

IMAGES = models.Image.__table__
PROPERTIES = models.ImageProperty.__table__
LOCATIONS = models.ImageLocation.__table__
# Built once: an import task runs these several times (see prebuilt).
_GET_IMAGE = sa.select(IMAGES).where(IMAGES.c.id == sa.bindparam('image_id'))
_GET_PROPERTIES = sa.select(PROPERTIES.c.name, PROPERTIES.c.value).where(
    PROPERTIES.c.image_id == sa.bindparam('image_id'),
    PROPERTIES.c.deleted.is_(False))
_ADD_LOCATION = LOCATIONS.insert()
TAGS = models.ImageTag.__table__
_GET_TAGS = sa.select(TAGS.c.value).where(
    TAGS.c.image_id == sa.bindparam('image_id'),
    TAGS.c.deleted.is_(False))
_COUNT_TAGS = sa.select(sa.func.count()).select_from(TAGS).where(
    TAGS.c.image_id == sa.bindparam('image_id'),
    TAGS.c.deleted.is_(False))


def to_domain(row):
    if row.status not in image_domain.TABLE.transitions:
        raise exception.CorruptStatus(kind='image', id=row.id,
                                      status=row.status)
    return image_domain.Image(**{name: getattr(row, name)
                                 for name in _FIELDS})


def _visible(row, image_id, owner, include_deleted):
    if (row is None or (row.deleted and not include_deleted)
            or (owner is not None and row.owner != owner)):
        raise exception.ImageNotFound(image_id=image_id)
    return row


def _read(context, image_id, owner=None, include_deleted=False):
    """The image's row, read by a prebuilt statement (no ORM object)."""
    row = context.session.execute(_GET_IMAGE,
                                  {'image_id': image_id}).first()
    return _visible(row, image_id, owner, include_deleted)


def _check_columns(values):
    unknown = set(values) - set(_FIELDS)
    forbidden = set(values) & _STATUS_COLUMNS
    if unknown or forbidden:
        raise exception.Invalid(
            reason='cannot set image field(s) %s here' %
            ', '.join(sorted(unknown | forbidden)))


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def create(context, values, properties=None, tags=()):
    """Insert a ``queued`` image with its extra properties and tags."""
    values = dict(values)
    image_id = values.pop('id')
    _check_columns(values)
    # The column's server default, given here so the row is known
    # without reading it back.
    values.setdefault('visibility', IMAGES.c.visibility.server_default.arg)
    try:
        row = prebuilt.insert(context.session, IMAGES, dict(
            values, id=image_id, status=image_domain.QUEUED))
    except db_exc.DBDuplicateEntry as exc:
        raise exception.Duplicate(kind='image', id=image_id) from exc
    for name, value in (properties or {}).items():
        prebuilt.insert(context.session, PROPERTIES, {
            'image_id': image_id, 'name': name, 'value': value})
    for tag in sorted(set(tags)):
        prebuilt.insert(context.session, TAGS, {
            'image_id': image_id, 'value': tag})
    return image_domain.Image(**{name: row[name] for name in _FIELDS})


@db_api.context_manager.reader
def get(context, image_id, owner=None, include_deleted=False):
    """Return one image; ``owner`` scopes the lookup to one project.

    A deleted image, ``pending_delete`` ones included, is not found
    unless ``include_deleted`` (the scrubber and restore want them).
    """
    return to_domain(_read(context, image_id, owner, include_deleted))


@db_api.context_manager.reader
def list_images(context, filters=None, sort_key='created_at',
                sort_dir='desc', limit=None, marker=None):
    """List images that are not deleted."""
    live = context.session.query(models.Image).filter(
        models.Image.deleted.is_(False))
    rows = paging.list_page(
        live, models.Image,
        filters=filters, valid_filters=FILTERS,
        status_table=image_domain.TABLE, sort_key=sort_key, sort_dir=sort_dir,
        valid_sort_keys=SORT_KEYS, limit=limit, marker=marker)
    return [to_domain(row) for row in rows]


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def update(context, image_id, values):
    """Change fields other than the status; return the image."""
    _check_columns(values)
    image = to_domain(_read(context, image_id))
    changes = dict(values, updated_at=db_api.utcnow())
    prebuilt.update(context.session, IMAGES, {'id': image_id}, changes)
    return dataclasses.replace(image, **changes)


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def update_status(context, image_id, from_status, to_status, values=None):
    """Move an image by compare-and-swap, with ``values`` set alongside.

    ``values`` are applied before the rules are checked, so a move to
    ``active`` may set the formats and checksum in the same statement.
    """
    values = dict(values or {})
    _check_columns(values)
    # A pending delete is a deleted image still waiting for the scrubber.
    pending = from_status == image_domain.PENDING_DELETE
    image = dataclasses.replace(
        to_domain(_read(context, image_id, include_deleted=pending)),
        status=from_status, **values)
    changes = dict(values, **image_domain.status_changes(image, to_status))
    changes['updated_at'] = db_api.utcnow()
    changes.update(_deletion(to_status, changes['updated_at']))
    updated = prebuilt.update(
        context.session, models.Image.__table__,
        {'id': image_id, 'status': from_status}, changes, live=not pending)
    if updated != 1:
        raise exception.ImageStatusConflict(image_id=image_id,
                                            from_status=from_status)
    # Read again: the swap checked the status only, and another field
    # may have changed since the read above (one prepared statement).
    return to_domain(_read(context, image_id, include_deleted=True))


# Rows that belong to one image and go with it.
_CHILDREN = (models.ImageProperty, models.ImageTag, models.ImageLocation)


def _deletion(to_status, now):
    """The deletion columns of a move to ``to_status``.

    As Glance: an image ``pending_delete`` is deleted for every API
    caller (404, in no list), though its properties, tags and locations
    stay for the scrubber, or for a restore that brings them all back.
    """
    if to_status in (image_domain.DELETED, image_domain.PENDING_DELETE):
        return {'deleted': True, 'deleted_at': now}
    if to_status == image_domain.ACTIVE:
        return {'deleted': False, 'deleted_at': None}  # restored, or live
    return {}


def _soft_delete_children(context, image_id, now):
    for model in _CHILDREN:
        context.session.query(model).filter(
            model.image_id == image_id, model.deleted.is_(False),
        ).update({'deleted': True, 'deleted_at': now},
                 synchronize_session=False)


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def delete(context, image_id):
    """Soft-delete an image through the status machine, with its children.

    A ``pending_delete`` image, deleted for the API already, is found.
    """
    row = _read(context, image_id, include_deleted=True)
    if row.deleted and row.status != image_domain.PENDING_DELETE:
        raise exception.ImageNotFound(image_id=image_id)
    image = update_status(context, image_id, row.status,
                          image_domain.DELETED)
    _soft_delete_children(context, image_id, image.deleted_at)
    return image


@db_api.context_manager.reader
def get_properties(context, image_id):
    """Extra properties of an image as a dict (a deleted one has none).

    Those of a ``pending_delete`` image are kept until it is scrubbed.
    """
    _read(context, image_id, include_deleted=True)
    return dict(context.session.execute(_GET_PROPERTIES,
                                        {'image_id': image_id}).all())


@db_api.context_manager.reader
def get_tags(context, image_id):
    """The image's tags, sorted."""
    return sorted(context.session.execute(
        _GET_TAGS, {'image_id': image_id}).scalars())


@db_api.context_manager.reader
def count_tags(context, image_id):
    """How many tags the image has."""
    return context.session.execute(_COUNT_TAGS,
                                   {'image_id': image_id}).scalar()


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def add_tag(context, image_id, tag):
    """Tag the image; a tag it has already is left alone.

    A tag removed before gets its row back (one row per image and tag).
    """
    _read(context, image_id)
    row = context.session.query(models.ImageTag).filter_by(
        image_id=image_id, value=tag).one_or_none()
    if row is not None:
        if row.deleted:
            row.deleted = False
            row.deleted_at = None
        return
    try:
        # A savepoint: the same tag added meanwhile by another request
        # must not abort this transaction (PostgreSQL would).
        with context.session.begin_nested():
            context.session.add(models.ImageTag(image_id=image_id,
                                                value=tag))
    except db_exc.DBDuplicateEntry:
        pass  # tagged by a concurrent request: the result is the same


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def delete_tag(context, image_id, tag):
    """Untag the image; False if it did not have the tag."""
    return bool(context.session.query(models.ImageTag).filter_by(
        image_id=image_id, value=tag, deleted=False).update(
        {'deleted': True, 'deleted_at': db_api.utcnow()},
        synchronize_session=False))


@db_api.context_manager.reader
def with_property(context, name):
    """``[(image id, value)]`` of the live images having property ``name``."""
    rows = context.session.query(
        models.ImageProperty.image_id, models.ImageProperty.value).join(
        models.Image, models.Image.id == models.ImageProperty.image_id
    ).filter(models.ImageProperty.name == name,
             models.ImageProperty.deleted.is_(False),
             models.Image.deleted.is_(False))
    return [(row.image_id, row.value) for row in rows]


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def delete_property(context, image_id, name):
    """Remove one extra property; False if the image did not have it."""
    return bool(context.session.query(models.ImageProperty).filter_by(
        image_id=image_id, name=name, deleted=False).update(
        {'deleted': True, 'deleted_at': db_api.utcnow()},
        synchronize_session=False))


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def set_property(context, image_id, name, value):
    """Create or replace one extra property."""
    _read(context, image_id)
    row = context.session.query(models.ImageProperty).filter_by(
        image_id=image_id, name=name).one_or_none()
    if row is None:
        row = models.ImageProperty(image_id=image_id, name=name)
        context.session.add(row)
    row.value = value
    row.deleted = False
    row.deleted_at = None


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def add_location(context, image_id, url, metadata=None):
    """Record a store location (a glance_store URI) of the image's data."""
    _read(context, image_id)
    result = context.session.execute(_ADD_LOCATION, {
        'image_id': image_id, 'value': url, 'meta_data': metadata or {}})
    return result.inserted_primary_key[0]


@db_api.context_manager.reader
def get_locations(context, image_id, for_update=False):
    """Active locations of an image, oldest first.

    ``for_update``: lock the rows (and read them as committed now), in
    the caller's writer transaction.
    """
    rows = context.session.query(models.ImageLocation).filter(
        models.ImageLocation.image_id == image_id,
        models.ImageLocation.deleted.is_(False),
    ).order_by(models.ImageLocation.id)
    if for_update:
        rows = rows.with_for_update()
    return [{'id': row.id, 'url': row.value, 'metadata': row.meta_data,
             'status': row.status} for row in rows]


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def delete_location(context, image_id, location_id):
    """Soft-delete one location."""
    updated = context.session.query(models.ImageLocation).filter(
        models.ImageLocation.image_id == image_id,
        models.ImageLocation.id == location_id,
        models.ImageLocation.deleted.is_(False),
    ).update({'deleted': True, 'deleted_at': db_api.utcnow(),
              'status': 'deleted'}, synchronize_session=False)
    if updated != 1:
        raise exception.NotFound(reason='location %s of image %s' %
                                 (location_id, image_id))


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def purge(context, deleted_before):
    """Remove images soft-deleted before ``deleted_before``, and children."""
    ids = [row[0] for row in context.session.execute(
        sa.select(models.Image.id).where(
            models.Image.deleted.is_(True),
            # Still waiting for the scrubber, which deletes its data.
            models.Image.status != image_domain.PENDING_DELETE,
            models.Image.deleted_at <= deleted_before))]
    if not ids:
        return 0
    for model in _CHILDREN:
        context.session.query(model).filter(model.image_id.in_(ids)).delete(
            synchronize_session=False)
    return context.session.query(models.Image).filter(
        models.Image.id.in_(ids)).delete(synchronize_session=False)


@db_api.context_manager.reader
def pending_delete_before(context, before):
    """Images ``pending_delete`` since before ``before``, oldest first.

    A pending delete keeps ``updated_at`` from the move (nothing else
    changes such an image), so it says since when the image waits.
    """
    rows = context.session.execute(
        sa.select(IMAGES).where(
            IMAGES.c.status == image_domain.PENDING_DELETE,
            IMAGES.c.updated_at <= before).order_by(IMAGES.c.updated_at))
    return [to_domain(row) for row in rows]


@db_api.context_manager.writer
def set_uploader(context, image_id, uploader):
    """Name (or, with None, forget) the process uploading the data.

    Meant for the caller's transaction, with the status move it goes
    with (see :mod:`glance_tasks.images.upload`).
    """
    context.session.execute(
        IMAGES.update().where(IMAGES.c.id == image_id)
        .values(uploader=uploader))


@db_api.context_manager.writer
def release_uploader(context, image_id, uploader):
    """Forget the image's uploader if it is ``uploader``; True if it was.

    A compare-and-swap, and the first write of the caller's
    transaction: it locks the row (on SQLite, the database) before the
    caller acts on the answer, so no sweep or other uploader can change
    the image until that transaction ends.
    """
    result = context.session.execute(
        IMAGES.update().where(IMAGES.c.id == image_id)
        .where(IMAGES.c.uploader == uploader)
        .values(uploader=None))
    return result.rowcount == 1


@db_api.context_manager.reader
def uploads(context, status):
    """``(image id, uploader)`` of live images in ``status`` with one."""
    return [tuple(row) for row in context.session.execute(
        sa.select(IMAGES.c.id, IMAGES.c.uploader)
        .where(IMAGES.c.status == status)
        .where(IMAGES.c.deleted.is_(False))
        .where(IMAGES.c.uploader.isnot(None)))]


@db_api.context_manager.writer
def uploader_of(context, image_id):
    """The uploader of the image, its row locked for the transaction."""
    return context.session.execute(
        sa.select(IMAGES.c.uploader).where(IMAGES.c.id == image_id)
        .with_for_update()).scalar()
