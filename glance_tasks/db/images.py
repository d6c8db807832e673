"""Database functions for images, their properties and locations."""

import dataclasses

from oslo_db import exception as db_exc
import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.db import paging
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


def _to_domain(row):
    if row.status not in image_domain.TABLE.transitions:
        raise exception.CorruptStatus(kind='image', id=row.id,
                                      status=row.status)
    return image_domain.Image(**{name: getattr(row, name)
                                 for name in _FIELDS})


def _get_row(context, image_id, owner=None, include_deleted=False):
    # By primary key through the session: a second look in the same
    # transaction (a check, then the change) costs no statement.
    row = context.session.get(models.Image, image_id)
    if (row is None or (row.deleted and not include_deleted)
            or (owner is not None and row.owner != owner)):
        raise exception.ImageNotFound(image_id=image_id)
    return row


def _check_columns(values):
    unknown = set(values) - set(_FIELDS)
    forbidden = set(values) & _STATUS_COLUMNS
    if unknown or forbidden:
        raise exception.Invalid(
            reason='cannot set image field(s) %s here' %
            ', '.join(sorted(unknown | forbidden)))


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def create(context, values, properties=None):
    """Insert a ``queued`` image with its extra properties; return it."""
    values = dict(values)
    image_id = values.pop('id')
    _check_columns(values)
    row = models.Image(id=image_id, status=image_domain.QUEUED, **values)
    context.session.add(row)
    for name, value in (properties or {}).items():
        context.session.add(models.ImageProperty(
            image_id=image_id, name=name, value=value))
    try:
        context.session.flush()
    except db_exc.DBDuplicateEntry as exc:
        raise exception.Duplicate(kind='image', id=image_id) from exc
    return _to_domain(row)


@db_api.context_manager.reader
def get(context, image_id, owner=None):
    """Return one image; ``owner`` scopes the lookup to one project."""
    return _to_domain(_get_row(context, image_id, owner))


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
    return [_to_domain(row) for row in rows]


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def update(context, image_id, values):
    """Change fields other than the status; return the image."""
    _check_columns(values)
    row = _get_row(context, image_id)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = db_api.utcnow()
    return _to_domain(row)


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def update_status(context, image_id, from_status, to_status, values=None):
    """Move an image by compare-and-swap, with ``values`` set alongside.

    ``values`` are applied before the rules are checked, so a move to
    ``active`` may set the formats and checksum in the same statement.
    """
    values = dict(values or {})
    _check_columns(values)
    row = _get_row(context, image_id)
    image = dataclasses.replace(_to_domain(row), status=from_status,
                                **values)
    changes = dict(values, **image_domain.status_changes(image, to_status))
    changes['updated_at'] = db_api.utcnow()
    if to_status == image_domain.DELETED:
        changes.update(deleted=True, deleted_at=changes['updated_at'])
    updated = context.session.query(models.Image).filter(
        models.Image.id == image_id, models.Image.status == from_status,
        models.Image.deleted.is_(False),
    ).update(changes, synchronize_session=False)
    if updated != 1:
        raise exception.ImageStatusConflict(image_id=image_id,
                                            from_status=from_status)
    # The swap matched the row just read, so the image is that row with
    # the changes applied; the stale copy in the session is dropped.
    context.session.expire(row)
    return dataclasses.replace(image, **changes)


def _soft_delete_children(context, image_id, now):
    for model in (models.ImageProperty, models.ImageLocation):
        context.session.query(model).filter(
            model.image_id == image_id, model.deleted.is_(False),
        ).update({'deleted': True, 'deleted_at': now},
                 synchronize_session=False)


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def delete(context, image_id):
    """Soft-delete an image through the status machine, with its children."""
    row = _get_row(context, image_id)
    image = update_status(context, image_id, row.status,
                          image_domain.DELETED)
    _soft_delete_children(context, image_id, image.deleted_at)
    return image


@db_api.context_manager.reader
def get_properties(context, image_id):
    """Extra properties of an image as a dict."""
    _get_row(context, image_id)
    rows = context.session.query(models.ImageProperty).filter(
        models.ImageProperty.image_id == image_id,
        models.ImageProperty.deleted.is_(False))
    return {row.name: row.value for row in rows}


@db_api.retry_on_deadlock
@db_api.context_manager.writer
def set_property(context, image_id, name, value):
    """Create or replace one extra property."""
    _get_row(context, image_id)
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
    _get_row(context, image_id)
    row = models.ImageLocation(image_id=image_id, value=url,
                               meta_data=metadata or {})
    context.session.add(row)
    context.session.flush()
    return row.id


@db_api.context_manager.reader
def get_locations(context, image_id):
    """Active locations of an image, oldest first."""
    rows = context.session.query(models.ImageLocation).filter(
        models.ImageLocation.image_id == image_id,
        models.ImageLocation.deleted.is_(False),
    ).order_by(models.ImageLocation.id)
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
            models.Image.deleted_at <= deleted_before))]
    if not ids:
        return 0
    for model in (models.ImageProperty, models.ImageLocation):
        context.session.query(model).filter(model.image_id.in_(ids)).delete(
            synchronize_session=False)
    return context.session.query(models.Image).filter(
        models.Image.id.in_(ids)).delete(synchronize_session=False)
