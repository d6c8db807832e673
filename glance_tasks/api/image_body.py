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

"""Bodies of ``POST /v2/images`` and ``PATCH /v2/images/{id}``, as Glance.

Both end in the same check: the image as it would be, every field
validated against :func:`schemas.image_create` (400 naming the field).
Before that, writing a read-only or reserved field is refused with 403,
as Glance does, whatever its value.

A patch is Glance's JSON patch: ``application/openstack-images-v2.1-json-
patch`` (RFC 6902 operations ``{"op": ..., "path": ..., "value": ...}``)
or the older ``...-v2.0-json-patch`` (``{"replace": path, "value": ...}``),
limited to ``add``, ``remove`` and ``replace`` of top-level members.
"""

import copy

import jsonschema
from oslo_serialization import jsonutils

from glance_tasks.api import schemas
from glance_tasks import exception
from glance_tasks.lifecycle import images as image_lifecycle

PATCH_V21 = 'application/openstack-images-v2.1-json-patch'
PATCH_V20 = 'application/openstack-images-v2.0-json-patch'
PATCH_MEDIA_TYPES = (PATCH_V21, PATCH_V20)
OPERATIONS = ('add', 'remove', 'replace')
_VALIDATOR = jsonschema.Draft7Validator(schemas.image_create())
# Stored in the image row; tags and extra properties are stored apart.
_COLUMNS = schemas.BASE_FIELDS - {'tags'}
# Base fields always exist: they may be replaced, never removed.
_NOT_REMOVABLE = schemas.BASE_FIELDS - {'tags'}
# A property value is a TEXT column: 64 KiB of UTF-8 on MySQL. Refused
# here, the same on every backend, rather than failing in the database.
PROPERTY_VALUE_MAX_BYTES = 65535
# Every notification of the image carries its properties and tags, and
# waits in the outbox, MEDIUMTEXT on MySQL (16 MiB). The quotas count
# properties and tags, not bytes: 128 values of 64 KiB, JSON-escaped,
# could still overflow it. Measured as the outbox encodes them (JSON,
# non-ASCII escaped), with half the column left for the rest.
PROPERTIES_MAX_BYTES = 8 * 1024 * 1024


def _refuse(names, on_create):
    for name in sorted(names):
        reason = schemas.refused_field(name, on_create)
        if reason is not None:
            raise exception.Forbidden(reason=reason)


def _unstorable(text):
    """True for text no database stores: a NUL or a lone surrogate."""
    if '\x00' in text:
        return True
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        return True  # JSON's "\ud800" alone: not a character
    return False


def _has_unstorable(value):
    if isinstance(value, str):
        return _unstorable(value)
    if isinstance(value, list):
        return any(_has_unstorable(item) for item in value)
    if isinstance(value, dict):
        return any(_has_unstorable(k) or _has_unstorable(v)
                   for k, v in value.items())
    return False


def validate(document):
    """400 unless ``document`` is an image Glance's schema accepts."""
    if _has_unstorable(document):
        # PostgreSQL stores no NUL in text, and no database stores half
        # a UTF-16 pair; Glance's schema has no use for either.
        raise exception.Invalid(reason='image fields cannot contain a NUL '
                                       'character or a lone UTF-16 '
                                       'surrogate')
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(
        document))
    if error is not None:
        where = '.'.join(str(part) for part in error.absolute_path)
        raise exception.Invalid(
            reason="Provided object does not match schema 'image': %s%s" %
            ('%s: ' % where if where else '', error.message))
    _check_sizes(document)


def _check_sizes(document):
    """400 for a value too long for its column; 413 for too much in all."""
    extra = {name: value for name, value in document.items()
             if name not in schemas.BASE_FIELDS or name == 'tags'}
    for name, value in extra.items():
        if (name != 'tags' and
                len(value.encode('utf-8')) > PROPERTY_VALUE_MAX_BYTES):
            raise exception.Invalid(
                reason="property '%s' takes more than %d bytes as UTF-8" %
                (name, PROPERTY_VALUE_MAX_BYTES))
    if len(jsonutils.dumps(extra)) > PROPERTIES_MAX_BYTES:
        raise exception.ImageMetadataTooLarge(maximum=PROPERTIES_MAX_BYTES)


def split(document):
    """``(row values, extra properties, tags)`` of an image document."""
    values = {name: document[name] for name in _COLUMNS if name in document}
    for name in ('min_disk', 'min_ram'):
        if name in values:
            # JSON schema takes 1.0 for an integer; the row wants 1.
            values[name] = int(values[name])
    properties = {name: value for name, value in document.items()
                  if name not in schemas.BASE_FIELDS}
    tags = tuple(sorted(set(document.get('tags', ()))))
    return values, properties, tags


def create_body(document):
    """The checked body of a create: ``split`` of it."""
    _refuse(document, on_create=True)
    validate(document)
    return split(document)


def _pointer(path):
    """The member a one-level JSON pointer names (``~1``, ``~0`` decoded)."""
    if not isinstance(path, str) or not path.startswith('/'):
        raise exception.Invalid(
            reason="JSON patch path %r is not a JSON pointer such as "
                   "'/name'" % (path,))
    parts = path[1:].split('/')
    if len(parts) != 1 or not parts[0]:
        raise exception.Invalid(
            reason="JSON patch path '%s': nested paths are not allowed; "
                   "name one image attribute" % path)
    return parts[0].replace('~1', '/').replace('~0', '~')


def _operation(item, media_type):
    """``(op, member, value)`` of one patch operation, checked."""
    if not isinstance(item, dict):
        raise exception.Invalid(reason='each JSON patch operation must be '
                                       'an object')
    if media_type == PATCH_V20:
        ops = [op for op in OPERATIONS if op in item]
        if len(ops) != 1 or set(item) - {ops[0], 'value'}:
            raise exception.Invalid(
                reason='an operation must have exactly one member named '
                       '%s, and an optional "value"' %
                       ', '.join('"%s"' % op for op in OPERATIONS))
        op, path = ops[0], item[ops[0]]
    else:
        op, path = item.get('op'), item.get('path')
        if op not in OPERATIONS:
            raise exception.Invalid(
                reason="JSON patch op %r is not supported; use one of: %s" %
                (op, ', '.join(OPERATIONS)))
        if set(item) - {'op', 'path', 'value'}:
            raise exception.Invalid(
                reason='unknown JSON patch member(s): %s' % ', '.join(
                    sorted(str(k) for k in set(item) -
                           {'op', 'path', 'value'})))
    if op != 'remove' and 'value' not in item:
        raise exception.Invalid(reason="JSON patch op '%s' needs a 'value'"
                                       % op)
    return op, _pointer(path), item.get('value')


def _apply(document, op, member):
    if op == 'remove' and member in _NOT_REMOVABLE:
        raise exception.Forbidden(
            reason="Attribute '%s' is a base attribute and cannot be "
                   "removed." % member)
    if op != 'add' and member not in document:
        raise exception.Conflict(
            reason="image has no attribute '%s' to %s" % (member, op))


def patched(document, operations, media_type):
    """``document`` after the patch ``operations``, checked (a new dict)."""
    result = copy.deepcopy(document)
    for item in operations:
        op, member, value = _operation(item, media_type)
        _refuse([member], on_create=False)
        _apply(result, op, member)
        if op == 'remove':
            result.pop(member)
        else:
            result[member] = value
    validate(result)
    return result


def changes(before, after):
    """The :class:`image_lifecycle.Changes` from document ``before``."""
    values, properties, tags = split(after)
    old_values, old_properties, old_tags = split(before)
    return image_lifecycle.Changes(
        values={name: value for name, value in values.items()
                if old_values.get(name) != value},
        set_properties={name: value for name, value in properties.items()
                        if old_properties.get(name) != value},
        removed_properties=frozenset(set(old_properties) - set(properties)),
        tags=tags if tags != old_tags else None)


LOCATIONS_PATH = '/locations'
LOCATION_ADD_PATHS = frozenset({'/locations/-', '/locations/0'})


def _path_of(item, media_type):
    if not isinstance(item, dict):
        return None
    if media_type == PATCH_V20:
        paths = [item[op] for op in OPERATIONS if op in item]
        return paths[0] if len(paths) == 1 else None
    return item.get('path')


def location_add(operations, media_type):
    """The location a legacy ``add /locations/-`` patch adds, or None.

    None when no operation touches ``/locations`` (an ordinary update).
    Only one location, alone in its patch, may be added: the op runs a
    task. Replacing or removing locations stays refused (403), as with
    Glance's default policy.
    """
    touching = [item for item in operations
                if str(_path_of(item, media_type) or '').startswith(
                    LOCATIONS_PATH)]
    if not touching:
        return None
    if len(operations) != 1:
        raise exception.Invalid(
            reason="'add /locations/-' must be the only operation of its "
                   "patch: one location at a time")
    item = operations[0]
    op = (item.get('op') if media_type != PATCH_V20 else
          next((name for name in OPERATIONS if name in item), None))
    if op != 'add' or _path_of(item, media_type) not in LOCATION_ADD_PATHS:
        raise exception.Forbidden(
            reason="Attribute 'locations' only takes 'add /locations/-' "
                   "(the first location of a queued image).")
    value = item.get('value')
    if not isinstance(value, dict) or not isinstance(value.get('url'), str):
        raise exception.Invalid(
            reason='a location is an object with a "url" string and a '
                   '"metadata" object')
    return value
