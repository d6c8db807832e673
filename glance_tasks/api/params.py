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

"""Query parameters of the list calls, all checked before any query runs.

Both lists check the same way, in :func:`list_params`: unknown or
repeated parameters, ``limit``, ``marker``, ``sort_key``, ``sort_dir``
and the values of enumerated filters (``status``; ``visibility`` of
images). A list whose answer is known without the database (a project
asking for another project's images) gets the same 400s as any other.
"""

import csv
import dataclasses
import re

from oslo_utils import timeutils

from glance_tasks.api import schemas
from glance_tasks.db import image_list
from glance_tasks.db import paging
from glance_tasks.domain import image as image_domain
from glance_tasks import exception

PAGING = ('limit', 'marker', 'sort_key', 'sort_dir')
_DIGITS = re.compile(r'\A[0-9]+\Z')
# The size column is a signed 64-bit integer: a larger bound is refused
# (the database would overflow on it) rather than clamped.
MAX_SIZE = 2 ** 63 - 1


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


def _given_or(value, default):
    # An empty value was given and is checked like any other: only an
    # absent parameter takes the default.
    return default if value is None else value


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
        'sort_key': _given_or(_single(req, 'sort_key'), 'created_at'),
        'sort_dir': _given_or(_single(req, 'sort_dir'), 'desc'),
    }
    paging.check_sort(kwargs['sort_key'], kwargs['sort_dir'],
                      listing.sort_keys)
    listing.check_filters(filters)
    return filters, kwargs


# ``GET /v2/images``: Glance's filters. Any other name filters on an
# extra property, as Glance does, so no name is refused there.
IMAGE_MATCH = ('id', 'name', 'status', 'owner', 'disk_format',
               'container_format', 'checksum', 'os_hash_value')
IMAGE_NAMED = IMAGE_MATCH + (
    'visibility', 'member_status', 'os_hidden', 'protected',
    'size_min', 'size_max', 'created_at', 'updated_at', 'sort')
IMAGE_REPEATABLE = ('tag', 'sort_key', 'sort_dir')
MEMBER_STATUSES = ('accepted', 'pending', 'rejected', 'all')
_IN = 'in:'


def _values(name, raw):
    """Glance's ``in:a,"b,c"`` list, or the one value given."""
    if not raw.startswith(_IN):
        return [raw]
    values = next(csv.reader([raw[len(_IN):]], skipinitialspace=True), [])
    if not values or not all(values):
        raise exception.Invalid(
            reason="filter '%s': 'in:' needs a comma-separated list of "
                   "values, got '%s'" % (name, raw))
    return values


def _enumerated(name, values, allowed):
    for value in values:
        if value not in allowed:
            raise exception.Invalid(
                reason="filter '%s': '%s' is not one of: %s" %
                (name, value, ', '.join(allowed)))
    return values


def _boolean(name, raw):
    """A boolean filter: ``true`` or ``false``, in any case.

    Glance lowercases ``os_hidden`` before it checks it; ``protected`` is
    taken in any case too, because openstacksdk sends Python's ``False``.
    ``t``, ``yes`` or ``1`` are refused.
    """
    value = raw.lower()
    if value not in ('true', 'false'):
        raise exception.Invalid(
            reason="filter '%s': '%s' is not a boolean; use true or false" %
            (name, raw))
    return value == 'true'


def _size(name, raw):
    if not _DIGITS.match(raw):
        raise exception.Invalid(
            reason="filter '%s': '%s' is not a non-negative integer" %
            (name, raw))
    size = int(raw)
    if size > MAX_SIZE:
        raise exception.Invalid(
            reason="filter '%s': %s is larger than any image can be (at "
                   "most %d)" % (name, raw, MAX_SIZE))
    return size


def _time(name, raw):
    """Glance's ``[op:]ISO-8601`` comparison as ``(op, naive UTC)``."""
    op, sep, rest = raw.partition(':')
    if not sep or op not in image_list.TIME_OPERATORS:
        op, rest = 'eq', raw
    try:
        when = timeutils.parse_isotime(rest)
    except ValueError:
        raise exception.Invalid(
            reason="filter '%s': '%s' is not [op:]ISO-8601 time with op "
                   "one of %s" % (name, raw, ', '.join(
                       image_list.TIME_OPERATORS))) from None
    return op, timeutils.normalize_time(when)


def _check_sort_pair(key, direction, sort_keys):
    paging.check_sort(key, direction, sort_keys)
    return key, direction


def image_sort(req, sort_keys):
    """Glance's ``sort=k:dir,...`` or repeated ``sort_key``/``sort_dir``."""
    sort = _single(req, 'sort')
    keys, dirs = req.GET.getall('sort_key'), req.GET.getall('sort_dir')
    if sort is not None:
        if keys or dirs:
            raise exception.Invalid(
                reason="give either 'sort' or 'sort_key'/'sort_dir', not "
                       "both")
        pairs = [item.strip().partition(':') for item in sort.split(',')]
        chosen = [(key, direction or 'desc') for key, _, direction in pairs]
    else:
        keys = keys or ['created_at']
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise exception.Invalid(
                reason="give one 'sort_dir', or one per 'sort_key' "
                       "(%d keys, %d directions)" % (len(keys), len(dirs)))
        dirs = dirs * len(keys) if len(dirs) == 1 else dirs or (
            ['desc'] * len(keys))
        chosen = list(zip(keys, dirs))
    if len({key for key, _ in chosen}) != len(chosen):
        raise exception.Invalid(reason='a sort key may be given once')
    return tuple(_check_sort_pair(key, direction, sort_keys)
                 for key, direction in chosen)


def _image_filters(req, query):
    get = {name: _single(req, name) for name in IMAGE_NAMED}
    for name in IMAGE_MATCH:
        if get[name] is not None:
            query.match[name] = _values(name, get[name])
    for status in query.match.get('status', ()):
        image_domain.TABLE.validate(status)
    checks = {'disk_format': schemas.DISK_FORMATS,
              'container_format': schemas.CONTAINER_FORMATS}
    for name, allowed in checks.items():
        _enumerated(name, query.match.get(name, ()), allowed)
    visibility = get['visibility']
    if visibility is not None:
        _enumerated('visibility', [visibility],
                    schemas.VISIBILITIES + ('all',))
        query.visibility = None if visibility == 'all' else visibility
    if get['member_status'] is not None:
        # No image is shared with members here, so every status matches
        # the caller's own images: checked, then nothing to filter.
        _enumerated('member_status', [get['member_status']],
                    MEMBER_STATUSES)
    if get['os_hidden'] is not None:
        query.os_hidden = _boolean('os_hidden', get['os_hidden'])
    if get['protected'] is not None:
        query.protected = _boolean('protected', get['protected'])
    for name in ('size_min', 'size_max'):
        if get[name] is not None:
            setattr(query, name, _size(name, get[name]))
    for name in image_list.TIME_COLUMNS:
        if get[name] is not None:
            query.times.append((name,) + _time(name, get[name]))


def image_list_params(req, conf, sort_keys):
    """``(ImageQuery, limit, marker)`` of a ``GET /v2/images``, checked."""
    # Paging first, then filters: the order of the task list's checks.
    sort = image_sort(req, sort_keys)
    limit = parse_limit(_single(req, 'limit'), conf)
    marker = paging.check_marker(_single(req, 'marker'))
    query = image_list.ImageQuery(tags=tuple(req.GET.getall('tag')),
                                  sort=sort)
    for tag in query.tags:
        if not tag or len(tag) > schemas.TAG_MAX_LENGTH:
            raise exception.Invalid(
                reason="filter 'tag': a tag has 1 to %d characters" %
                schemas.TAG_MAX_LENGTH)
    _image_filters(req, query)
    known = set(IMAGE_NAMED + IMAGE_REPEATABLE + PAGING)
    for name in sorted(set(req.GET) - known):
        query.properties[name] = _values(name, _single(req, name))
    return query, limit, marker
