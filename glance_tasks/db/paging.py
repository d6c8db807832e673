"""Sorting and paging checked before a query runs, shared by every list."""

from oslo_db.sqlalchemy import utils as sqlalchemyutils
from oslo_utils import uuidutils

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
    """Apply sort, marker and limit; ``id`` breaks ties for stable pages."""
    sort_keys = [sort_key] if sort_key == 'id' else [sort_key, 'id']
    return sqlalchemyutils.paginate_query(
        query, model, limit, sort_keys, marker=marker_row,
        sort_dirs=[sort_dir] * len(sort_keys))
