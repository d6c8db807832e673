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

"""Sorting and paging checked before a query runs, shared by every list."""

import operator

from oslo_utils import uuidutils
import sqlalchemy as sa

from glance_tasks import exception

SORT_DIRS = ('asc', 'desc')


def check_sort(sort_key, sort_dir, valid_keys):
    """Raise a typed error for a sort key or direction we do not offer."""
    if sort_key not in valid_keys:
        raise exception.InvalidSortKey(key=sort_key,
                                       valid=', '.join(valid_keys))
    if sort_dir not in SORT_DIRS:
        raise exception.InvalidSortDir(direction=sort_dir)


def check_limit(limit):
    """Return ``limit`` as an int, or raise for a negative or odd value."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise exception.InvalidLimit(limit=limit)
    return limit


def check_marker(marker):
    """Raise unless ``marker`` looks like one of our ids (a UUID)."""
    if marker is not None and not uuidutils.is_uuid_like(marker):
        raise exception.InvalidMarker(marker=marker,
                                      reason='it is not a UUID')
    return marker


def paginate(query, model, *, sort_key, sort_dir, limit, marker_row):
    """Apply sort, marker and limit; ``id`` breaks ties for stable pages.

    NULL sorts below every value on every backend (SQLite and MySQL do so by
    themselves, PostgreSQL the other way round), and a marker whose sort
    value is NULL still finds the rows after it. oslo.db's
    ``paginate_query`` skips the comparison for a NULL marker value and so
    loses or repeats rows when paging on a nullable column.
    """
    order = sa.asc if sort_dir == 'asc' else sa.desc
    column = getattr(model, sort_key)
    nullable = sort_key != 'id' and model.__table__.c[sort_key].nullable
    if nullable:
        query = query.order_by(order(sa.case((column.is_(None), 0),
                                             else_=1)))
    if sort_key != 'id':
        query = query.order_by(order(column))
    query = query.order_by(order(model.id))
    if marker_row is not None:
        query = query.filter(_after_marker(model, sort_key, sort_dir,
                                           marker_row))
    if limit is not None:
        query = query.limit(limit)
    return query


def _after_marker(model, sort_key, sort_dir, marker_row):
    """The rows that follow ``marker_row`` in the order paginate sets."""
    later = operator.gt if sort_dir == 'asc' else operator.lt
    by_id = later(model.id, marker_row.id)
    if sort_key == 'id':
        return by_id
    column = getattr(model, sort_key)
    nullable = model.__table__.c[sort_key].nullable
    value = getattr(marker_row, sort_key)
    if value is None:
        same = sa.and_(column.is_(None), by_id)
        # Ascending, every set value comes after the NULLs.
        return sa.or_(same, column.is_not(None)) if sort_dir == 'asc' else same
    after = sa.or_(later(column, value), sa.and_(column == value, by_id))
    if nullable and sort_dir == 'desc':
        after = sa.or_(after, column.is_(None))
    return after


def list_page(query, model, *, filters, valid_filters, status_table,
              sort_key, sort_dir, valid_sort_keys, limit, marker):
    """Filter, sort and page ``query`` of ``model``; every check first.

    Shared by the task and image lists: the filters must be in
    ``valid_filters`` and a status filter in ``status_table``; the marker
    must be a row that the filtered query itself returns.
    """
    check_sort(sort_key, sort_dir, valid_sort_keys)
    limit = check_limit(limit)
    check_marker(marker)
    for name, value in (filters or {}).items():
        if name not in valid_filters:
            raise exception.InvalidFilter(name=name,
                                          valid=', '.join(valid_filters))
        if name == 'status':
            status_table.validate(value)
        query = query.filter(getattr(model, name) == value)
    marker_row = None
    if marker is not None:
        marker_row = query.filter(model.id == marker).one_or_none()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    return paginate(query, model, sort_key=sort_key, sort_dir=sort_dir,
                    limit=limit, marker_row=marker_row).all()
