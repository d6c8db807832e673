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

"""The image store: glance_store's own options, and how data is hashed.

The store is glance_store, the library Glance uses, configured through its
own ``[glance_store]`` options (the ``glance.store`` namespace of the
sample configuration). This module registers them on the service's
configuration, gives them this service's defaults (the filesystem backend
under ``$state_path/images``), and owns Glance's ``hashing_algorithm``.

Multi-store is configured as in Glance: ``[DEFAULT] enabled_backends``
(``fast:file, slow:file``), ``[glance_store] default_backend`` and one
group per store, named after it, holding that driver's options
(``[fast] filesystem_store_datadir``). Those groups exist only once the
value of ``enabled_backends`` is known: :func:`register_backend_opts`
registers them after parsing, as Glance does. Glance's reserved stores
(``os_glance_staging_store``, ``os_glance_tasks_store``) are the
service's own directories, never offered to users; the staging one is
configured here (tasks keep their work files in ``[image_import]
work_dir``).
"""

import logging

from glance_store import multi_backend
from oslo_config import cfg
from stevedore import driver as stevedore_driver

from glance_tasks.common import internals

LOG = logging.getLogger(__name__)

DEFAULT_DATADIR = '$state_path/images'
DRIVERS_NAMESPACE = 'glance_store.drivers'
# Options of glance_store given our defaults, in the ``[glance_store]``
# group and on glance_store's own option objects (so the sample shows them).
STORE_DEFAULTS = {
    'stores': ['file'],
    'default_store': 'file',
    'filesystem_store_datadir': DEFAULT_DATADIR,
}

store_opts = [
    cfg.StrOpt('hashing_algorithm',
               default='sha512',
               help='hashlib algorithm of the ``os_hash_value`` recorded '
                    'for every image (Glance\'s option; ``os_hash_algo`` '
                    'names it). It is computed together with the md5 '
                    '``checksum`` in the same pass that writes the data to '
                    'the store. Changing it affects new images only; keep '
                    'Glance\'s sha512 unless consumers need another; any '
                    'name of Python\'s ``hashlib.algorithms_available`` '
                    'works.'),
    cfg.DictOpt('enabled_backends',
                help='Stores of a multi-store service, as Glance\'s '
                     'option: comma-separated ``name:type`` pairs, as '
                     '``fast:file, slow:file``. Each name is also the '
                     'option group configuring that store (``[fast] '
                     'filesystem_store_datadir``); ``[glance_store] '
                     'default_backend`` names the store used when a '
                     'request names none. Names starting with '
                     '``os_glance_`` are reserved. Unset, the service '
                     'has one store, configured by ``[glance_store] '
                     'default_store`` and ``stores``.'),
]

# Glance's reserved stores: filesystem directories for the service's own
# use, never listed to users, and names enabled_backends may not use.
RESERVED_STORES = {
    'os_glance_staging_store': 'file',
    'os_glance_tasks_store': 'file',
}
RESERVED_PREFIX = 'os_glance_'

reserved_opts = {
    'os_glance_staging_store': [
        cfg.StrOpt('filesystem_store_datadir',
                   help='Directory where image data is staged by ``PUT '
                        '/v2/images/{id}/stage`` before its import, as in '
                        'Glance\'s reserved staging store. Unset: '
                        '``[image_import] work_dir``. Put it on a local '
                        'disk with room for the images staged at once.'),
    ],
}


_library_opts = []


class _QuietDriverFailures(logging.Filter):
    """Drop stevedore's errors about optional glance_store drivers.

    A driver missing its library (cinder without os-brick, ...) is simply
    not offered; the error would otherwise be printed by every command,
    before logging is even set up.
    """

    def __init__(self):
        super().__init__()
        self.dropped = []

    def filter(self, record):
        if record.getMessage().startswith('Could not load'):
            self.dropped.append(record.getMessage())
            return False
        return True


def _glance_store_opts():
    """glance_store's ``[(group, [opts])]``, given our defaults, once.

    Listing them loads every glance_store driver, which takes a while;
    the option objects are module globals of glance_store, so our defaults
    set on them also reach the sample generator.
    """
    if not _library_opts:
        quiet = _QuietDriverFailures()
        loader = logging.getLogger('stevedore.extension')
        loader.addFilter(quiet)
        try:
            listed = internals.glance_store_opts()
        finally:
            loader.removeFilter(quiet)
        for message in quiet.dropped:
            LOG.debug('glance_store driver not offered: %s', message)
        for _group, group_opts in listed:
            cfg.set_defaults(group_opts, **STORE_DEFAULTS)
        _library_opts.extend(listed)
    return _library_opts


def register_opts(conf):
    conf.register_opts(store_opts)
    for group, group_opts in _glance_store_opts():
        conf.register_opts(group_opts, group=group)
    # ``default_backend``: glance_store's multi-store option, which its
    # ``glance.store`` namespace does not list.
    conf.register_opts(multi_backend._STORE_OPTS, group='glance_store')
    for group, group_opts in reserved_opts.items():
        conf.register_opts(group_opts, group=group)


def driver_class(store_type):
    """The glance_store driver class of a store type (``file``, ...).

    None when glance_store has no such driver, or it cannot be loaded
    here (a library it needs is missing).
    """
    try:
        return stevedore_driver.DriverManager(
            DRIVERS_NAMESPACE, store_type, invoke_on_load=False).driver
    except Exception:
        # stevedore raises NoMatches, or what importing the driver raised.
        return None


def register_backend_opts(conf):
    """Register the group of each store of ``enabled_backends``.

    A group holds its driver's options and glance_store's
    ``store_description`` and ``weight``, as glance_store's
    ``register_store_opts`` does, without its side effect of adding the
    reserved stores to ``conf.enabled_backends``. Runs again harmlessly
    (oslo.config skips an option object registered already); unknown
    types and reserved names are left to
    :class:`~glance_tasks.images.store.ImageStore` to refuse.
    """
    for name, store_type in (conf.enabled_backends or {}).items():
        cls = driver_class(store_type)
        if cls is None or name.startswith(RESERVED_PREFIX):
            continue
        conf.register_opts(cls.MULTI_BACKEND_OPTIONS or [], group=name)
        conf.register_opts(cls.OPTIONS or [], group=name)


def list_opts():
    # glance_store's own options are listed by its ``glance.store``
    # namespace; listing them here too would show them twice. Listing
    # them sets our defaults on them for the sample.
    _glance_store_opts()
    return ([('DEFAULT', store_opts),
             ('glance_store', multi_backend._STORE_OPTS)]
            + list(reserved_opts.items()))
