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
"""

import logging

from oslo_config import cfg

from glance_tasks.common import internals

LOG = logging.getLogger(__name__)

DEFAULT_DATADIR = '$state_path/images'
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
]


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


def list_opts():
    # glance_store's own options are listed by its ``glance.store``
    # namespace; listing them here too would show them twice. Listing
    # them sets our defaults on them for the sample.
    _glance_store_opts()
    return [('DEFAULT', store_opts)]
