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

"""The image list as Glance filters and sorts it.

:class:`ImageQuery` holds the filters already checked by the API
(:mod:`glance_tasks.api.params`); :func:`list_images` turns them into one
query. Several sort keys page correctly: the marker comparison is the
lexicographic "after" of every key, NULL below every value, with ``id``
as the final tie-break (what :func:`paging.paginate` does for one key).
"""

import dataclasses
import operator

import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.db import paging
from glance_tasks.db.sqlalchemy import models
from glance_tasks import exception

IMAGE = models.Image
PROPERTY = models.ImageProperty
TAG = models.ImageTag
# Columns matched by value, one value or several (Glance's ``in:``).
MATCH_COLUMNS = ('id', 'name', 'status', 'owner', 'disk_format',
                 'container_format', 'checksum', 'os_hash_value')
TIME_COLUMNS = ('created_at', 'updated_at')
TIME_OPERATORS = {'eq': operator.eq, 'neq': operator.ne,
                  'gt': operator.gt, 'gte': operator.ge,
                  'lt': operator.lt, 'lte': operator.le}


@dataclasses.dataclass
class ImageQuery:
    """What one ``GET /v2/images`` asks for, every value checked.

    ``match``: column -> accepted values; ``times``: ``(column, op,
    datetime)`` triples; ``properties``: extra property -> accepted
    values; ``tags``: all must be on the image; ``os_hidden``,
    ``protected``, ``visibility``: None matches any; ``sort``: ``(key,
    dir)`` pairs, most significant first.
    """

    match: dict = dataclasses.field(default_factory=dict)
    times: list = dataclasses.field(default_factory=list)
    size_min: int = None
    size_max: int = None
    tags: tuple = ()
    properties: dict = dataclasses.field(default_factory=dict)
    os_hidden: bool = False
    protected: bool = None
    visibility: str = None
    sort: tuple = (('created_at', 'desc'),)


def _has_property(name, values):
    return sa.exists().where(PROPERTY.image_id == IMAGE.id,
                             PROPERTY.deleted.is_(False),
                             PROPERTY.name == name,
                             PROPERTY.value.in_(values))


def _has_tag(tag):
    return sa.exists().where(TAG.image_id == IMAGE.id,
                             TAG.deleted.is_(False),
                             TAG.value == tag)


def _conditions(query):
    conditions = [getattr(IMAGE, column).in_(values)
                  for column, values in query.match.items()]
    conditions += [TIME_OPERATORS[op](getattr(IMAGE, column), when)
                   for column, op, when in query.times]
    if query.size_min is not None:
        conditions.append(IMAGE.size >= query.size_min)
    if query.size_max is not None:
        conditions.append(IMAGE.size <= query.size_max)
    for name, value in (('os_hidden', query.os_hidden),
                        ('protected', query.protected),
                        ('visibility', query.visibility)):
        if value is not None:
            conditions.append(getattr(IMAGE, name) == value)
    conditions += [_has_tag(tag) for tag in query.tags]
    conditions += [_has_property(name, values)
                   for name, values in query.properties.items()]
    return conditions


def _strictly_after(column, direction, value, nullable):
    """Rows whose ``column`` sorts after ``value`` (NULL lowest)."""
    if value is None:
        return column.is_not(None) if direction == 'asc' else sa.false()
    if direction == 'asc':
        return column > value
    after = column < value
    return sa.or_(after, column.is_(None)) if nullable else after


def _same(column, value):
    return column.is_(None) if value is None else column == value


def _after_marker(sort, marker_row):
    """The lexicographic "after" of ``marker_row`` over every sort key."""
    alternatives, equal_so_far = [], []
    for key, direction in sort:
        column = getattr(IMAGE, key)
        value = getattr(marker_row, key)
        nullable = IMAGE.__table__.c[key].nullable
        alternatives.append(sa.and_(
            *equal_so_far,
            _strictly_after(column, direction, value, nullable)))
        equal_so_far.append(_same(column, value))
    return sa.or_(*alternatives)


def _order(rows, sort):
    for key, direction in sort:
        order = sa.asc if direction == 'asc' else sa.desc
        column = getattr(IMAGE, key)
        if IMAGE.__table__.c[key].nullable:
            # Same NULL placement on every backend (see paging.paginate).
            rows = rows.order_by(order(sa.case((column.is_(None), 0),
                                               else_=1)))
        rows = rows.order_by(order(column))
    return rows


def _full_sort(sort):
    """``sort`` ended by ``id`` (in the last key's direction), once."""
    sort = [(key, direction) for key, direction in sort]
    if 'id' not in [key for key, _ in sort]:
        sort.append(('id', sort[-1][1] if sort else 'desc'))
    return sort


@db_api.context_manager.reader
def list_images(context, query, owner=None, limit=None, marker=None):
    """One page of the live images ``query`` selects (``owner``'s only)."""
    limit = paging.check_limit(limit)
    paging.check_marker(marker)
    rows = context.session.query(IMAGE).filter(IMAGE.deleted.is_(False),
                                               *_conditions(query))
    if owner is not None:
        rows = rows.filter(IMAGE.owner == owner)
    sort = _full_sort(query.sort)
    rows = _order(rows, sort)
    if marker is not None:
        marker_row = rows.filter(IMAGE.id == marker).one_or_none()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
        rows = rows.filter(_after_marker(sort, marker_row))
    if limit is not None:
        rows = rows.limit(limit)
    return [image_db.to_domain(row) for row in rows.all()]
