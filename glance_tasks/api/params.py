"""Query parameters of the list calls, all checked before any query runs.

Both lists check the same way, in :func:`list_params`: unknown or
repeated parameters, ``limit``, ``marker``, ``sort_key``, ``sort_dir``
and the values of enumerated filters (``status``; ``visibility`` of
images). A list whose answer is known without the database (a project
asking for another project's images) gets the same 400s as any other.
"""

import dataclasses
import re

from glance_tasks.db import paging
from glance_tasks import exception

PAGING = ('limit', 'marker', 'sort_key', 'sort_dir')
_DIGITS = re.compile(r'\A[0-9]+\Z')


@dataclasses.dataclass(frozen=True)
class Listing:
    """What one list call accepts.

    ``filters`` names its filter parameters, ``sort_keys`` the columns it
    sorts on, ``status_table`` the statuses a ``status`` filter may name,
    ``choices`` the values other enumerated filters may take.
    """

    filters: tuple
    sort_keys: tuple
    status_table: object
    choices: dict = dataclasses.field(default_factory=dict)

    def check_filters(self, filters):
        if 'status' in filters:
            self.status_table.validate(filters['status'])
        for name, allowed in self.choices.items():
            if name in filters and filters[name] not in allowed:
                raise exception.Invalid(
                    reason="'%s' is not a valid %s; use one of: %s" %
                    (filters[name], name, ', '.join(allowed)))


def _single(req, name):
    values = req.GET.getall(name)
    if len(values) > 1:
        raise exception.Invalid(
            reason="query parameter '%s' was given %d times; give it once" %
            (name, len(values)))
    return values[0] if values else None


def parse_limit(value, conf):
    """Glance's ``limit``: default, capped; zero is an empty page."""
    if value is None:
        return conf.api.limit_param_default
    if not _DIGITS.match(value):
        raise exception.InvalidLimit(limit=value)
    return min(int(value), conf.api.api_limit_max)


def list_params(req, listing, conf):
    """``(filters, kwargs)`` for a database list function, all checked.

    Any parameter besides ``listing.filters`` and paging is refused by
    name; the checks are the database layer's own (:mod:`paging`), run
    here so that no answer skips them.
    """
    unknown = sorted(set(req.GET) - set(listing.filters) - set(PAGING))
    if unknown:
        raise exception.InvalidFilter(
            name=', '.join(unknown),
            valid=', '.join(listing.filters + PAGING))
    chosen = {name: _single(req, name) for name in listing.filters}
    filters = {name: value for name, value in chosen.items()
               if value is not None}
    kwargs = {
        'limit': parse_limit(_single(req, 'limit'), conf),
        'marker': paging.check_marker(_single(req, 'marker')),
        'sort_key': _single(req, 'sort_key') or 'created_at',
        'sort_dir': _single(req, 'sort_dir') or 'desc',
    }
    paging.check_sort(kwargs['sort_key'], kwargs['sort_dir'],
                      listing.sort_keys)
    listing.check_filters(filters)
    return filters, kwargs
