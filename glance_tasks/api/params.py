"""Query parameters of the list calls, checked before any query runs.

Sort keys, directions, markers and status values are checked by the
database functions, which raise typed errors; this module checks what only
the HTTP layer sees: repeated or unknown parameters and ``limit``.
"""

import re

from glance_tasks import exception

PAGING = ('limit', 'marker', 'sort_key', 'sort_dir')
_DIGITS = re.compile(r'\A[0-9]+\Z')


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


def list_params(req, filters, conf):
    """``(filters, kwargs)`` for a database list function.

    ``filters`` names the query parameters that filter the list; any
    other parameter besides paging is refused by name.
    """
    unknown = sorted(set(req.GET) - set(filters) - set(PAGING))
    if unknown:
        raise exception.InvalidFilter(
            name=', '.join(unknown), valid=', '.join(filters + PAGING))
    chosen = {name: _single(req, name) for name in filters}
    kwargs = {
        'limit': parse_limit(_single(req, 'limit'), conf),
        'marker': _single(req, 'marker'),
        'sort_key': _single(req, 'sort_key') or 'created_at',
        'sort_dir': _single(req, 'sort_dir') or 'desc',
    }
    return ({name: value for name, value in chosen.items()
             if value is not None}, kwargs)
