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

"""The body of ``POST /v2/images/{id}/import``, checked as Glance does.

Glance's body::

    {"method": {"name": "web-download", "uri": "https://...",
                "validation_data": {"os_hash_algo": "sha512",
                                    "os_hash_value": "..."}},
     "stores": ["fast"], "all_stores": false,
     "all_stores_must_succeed": true}

:func:`parse` gives the ``import_req`` of the task's input, with the
defaults filled in; :func:`targets` resolves the stores written to.
Every refusal is a 400 that names the field (``validation_data`` is
this service's addition: the hash a web-download must match).
"""

import hashlib
import uuid

from glance_tasks.conf import interop_import
from glance_tasks import exception
from glance_tasks.images import store as image_store
from glance_tasks.task_types import location_import

FIELDS = frozenset({'method', 'stores', 'all_stores',
                    'all_stores_must_succeed'})
METHOD_FIELDS = frozenset({'name', 'uri', 'validation_data'})
# glance-download's: the image to copy, its region, the endpoint kind.
GLANCE_DOWNLOAD_FIELDS = frozenset({'glance_image_id', 'glance_region',
                                    'glance_service_interface'})
# The endpoint interfaces of a v2 catalog (<interface>URL).
INTERFACES = ('public', 'internal', 'admin')
DEFAULT_INTERFACE = 'public'
# Keystone's longest region id.
MAX_REGION = 255
HASH_FIELDS = frozenset({'os_hash_algo', 'os_hash_value'})
# The header Glance takes instead of ``stores`` (one store); the data
# upload (PUT .../file) takes it too.
STORE_HEADER = 'X-Image-Meta-Store'


def _refuse(message):
    raise exception.Invalid(message=message)


def _string(value, what):
    if not isinstance(value, str) or not value:
        _refuse('%s must be a non-empty string.' % what)
    return value


def _boolean(body, name, default):
    value = body.get(name, default)
    if not isinstance(value, bool):
        _refuse("'%s' must be boolean value only" % name)
    return value


def _unknown(given, allowed, where):
    unknown = sorted(set(given) - allowed)
    if unknown:
        _refuse('Unknown field(s) %s in %s; allowed: %s.' % (
            ', '.join(repr(name) for name in unknown), where,
            ', '.join(sorted(allowed))))


def parse(body, conf):
    """The ``import_req`` of ``body``, or a 400 saying what is wrong."""
    _unknown(body, FIELDS, 'the import request')
    method = body.get('method')
    if not isinstance(method, dict):
        _refuse("Import request requires a 'method' field.")
    if 'name' not in method:
        _refuse("Import request requires a 'name' field.")
    name = _string(method['name'], "The import method's 'name'")
    enabled = conf.enabled_import_methods
    if name not in enabled:
        _refuse("Unknown import method name '%s'; this site offers: %s." % (
            name, ', '.join(enabled) or 'none'))
    if name == interop_import.GLANCE_DOWNLOAD:
        _unknown(method, METHOD_FIELDS | GLANCE_DOWNLOAD_FIELDS, "'method'")
    else:
        _unknown(method, METHOD_FIELDS, "'method'")
    parsed = {'name': name}
    if name == interop_import.GLANCE_DOWNLOAD:
        # Checked by glance_download() once the image's status allowed
        # the import, in Glance's order (its 409s before these 400s).
        parsed.update((field, method[field]) for field in
                      GLANCE_DOWNLOAD_FIELDS if field in method)
    if name == interop_import.WEB_DOWNLOAD:
        if method.get('uri') is None:
            _refuse("The web-download method requires 'uri', the URL of "
                    "the image data.")
        parsed['uri'] = _string(method['uri'], "'uri'")
        if method.get('validation_data') is not None:
            parsed['validation_data'] = _validation_data(
                method['validation_data'])
    else:
        for field in ('uri', 'validation_data'):
            if method.get(field) is not None:
                _refuse("'%s' is taken by the web-download method only, "
                        "not by %s." % (field, name))
    request = {'method': parsed,
               'all_stores': _boolean(body, 'all_stores', False),
               'all_stores_must_succeed': _boolean(
                   body, 'all_stores_must_succeed', True)}
    if body.get('stores') is not None:
        request['stores'] = _stores(body['stores'])
    return request


def glance_download(method):
    """Glance's 400s for a glance-download ``method``; the defaults set.

    ``glance_region`` and ``glance_image_id`` (a UUID) are required;
    ``glance_service_interface`` is ``public`` unless given.
    """
    for field in ('glance_region', 'glance_image_id'):
        if field not in method:
            _refuse("'%s' needs to be set for glance-download import "
                    "method" % field)
    region = _string(method['glance_region'], "'glance_region'")
    if len(region) > MAX_REGION:
        _refuse("'glance_region' is longer than %d characters." % MAX_REGION)
    image_id = method['glance_image_id']
    try:
        # As Glance takes it; sent to the remote in the usual form.
        method['glance_image_id'] = str(uuid.UUID(
            image_id if isinstance(image_id, str) else ''))
    except ValueError:
        _refuse('Remote image id does not look like a UUID: %s' % image_id)
    interface = method.setdefault('glance_service_interface',
                                  DEFAULT_INTERFACE)
    if interface not in INTERFACES:
        _refuse("Unknown glance_service_interface %r; use one of %s."
                % (interface, ', '.join(INTERFACES)))
    return method


def glance_endpoint(catalog, region, interface):
    """The image endpoint of ``region`` in the caller's catalog, or None.

    As Glance finds it: a service of type ``image``, an endpoint whose
    ``region`` is ``region`` compared without case, its
    ``<interface>URL``.
    """
    for service in catalog or ():
        if not isinstance(service, dict) or service.get('type') != 'image':
            continue
        for endpoint in service.get('endpoints') or ():
            if not isinstance(endpoint, dict):
                continue
            named = endpoint.get('region')
            if isinstance(named, str) and named.lower() == region.lower():
                url = endpoint.get('%sURL' % interface)
                if isinstance(url, str) and url:
                    return url.rstrip('/')
    return None


def _validation_data(value):
    if not isinstance(value, dict):
        _refuse("'validation_data' must be an object with os_hash_algo "
                "and os_hash_value.")
    _unknown(value, HASH_FIELDS, "'validation_data'")
    if set(value) != HASH_FIELDS:
        _refuse("'validation_data' needs both os_hash_algo and "
                "os_hash_value.")
    algo = value['os_hash_algo']
    if algo not in location_import.HASH_ALGOS:
        _refuse("Unknown os_hash_algo %r in 'validation_data'; use one of "
                "%s." % (algo, ', '.join(location_import.HASH_ALGOS)))
    digest = _string(value['os_hash_value'], 'os_hash_value')
    length = hashlib.new(algo).digest_size * 2
    if len(digest) != length or not _is_hex(digest):
        _refuse('os_hash_value must be the %d hex digits of a %s hash.'
                % (length, algo))
    return {'os_hash_algo': algo, 'os_hash_value': digest.lower()}


def _is_hex(text):
    return all(char in '0123456789abcdefABCDEF' for char in text)


def _stores(value):
    if not isinstance(value, list):
        _refuse("'stores' must be a list of store names.")
    return [_string(name, 'Each name in \'stores\'') for name in value]


def targets(conf, request, header=None, existing=()):
    """The stores an import writes to; None in single-store.

    ``header``: the value of ``X-Image-Meta-Store``; ``existing``: the
    stores already holding the image's data (copy-image). An empty list
    means copy-image has nothing to do (the image is in every store).
    """
    names = image_store.backend_names(conf)
    if not names:
        return _single_store(request, header)
    if request['all_stores']:
        if 'stores' in request or header:
            _refuse("All_stores parameter can't be used with "
                    "x-image-meta-store header or stores parameter")
        wanted = list(names)
    elif 'stores' in request:
        if header:
            _refuse("Stores parameter and x-image-meta-store header can't "
                    "be both specified")
        wanted = request['stores']
    else:
        wanted = [header or image_store.default_backend(conf)]
    for name in wanted:
        if name not in names:
            _refuse("Unknown store '%s'; the stores of this cloud are: %s."
                    % (name, ', '.join(names)))
    wanted = list(dict.fromkeys(wanted))
    if request['method']['name'] != interop_import.COPY_IMAGE:
        return wanted
    if request['all_stores']:
        return [name for name in wanted if name not in existing]
    for name in wanted:
        if name in existing:
            _refuse("Image is already present at store '%s'" % name)
    return wanted


def _single_store(request, header):
    if request.get('stores') or request['all_stores'] or header:
        _refuse('Stores cannot be chosen: multi-store is not configured on '
                'this cloud ([DEFAULT] enabled_backends is empty), which '
                'has one store.')
    # Glance refuses all_stores_must_succeed: false here; with one store
    # it means nothing, and OpenStackClient's ``image import`` sends it
    # unasked, so it is taken (and has no effect).
    if request['method']['name'] == interop_import.COPY_IMAGE:
        _refuse('The copy-image method copies an image into more stores, '
                'but multi-store is not configured on this cloud '
                '([DEFAULT] enabled_backends is empty).')
    return None


def discovery_headers(conf):
    """Glance's import header on a ``POST /v2/images`` 201 (none if empty).

    (``OpenStack-image-store-ids`` is the stores' own, set beside it.)
    """
    if not conf.enabled_import_methods:
        return {}
    return {'OpenStack-image-import-methods': ','.join(
        conf.enabled_import_methods)}
