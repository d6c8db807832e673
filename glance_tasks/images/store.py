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

"""The image store: glance_store drivers, configured by ``[glance_store]``.

Data is written with the driver of ``[glance_store] default_store`` (the
filesystem driver under ``$state_path/images`` by default). The driver
computes the size, the md5 ``checksum`` and the ``hashing_algorithm``
multihash in the same pass that writes the data, as in Glance. Locations
are glance_store URIs (``file:///.../images/<id>``).

The drivers are built for the configuration given, not taken from
glance_store's process-wide scheme registry, so two configurations in one
process (tests) never share a store.
"""

import hashlib
import os
import urllib.parse

from glance_store import exceptions as store_exc
from glance_store import location as store_location
from oslo_log import log as logging
from stevedore import driver as stevedore_driver

from glance_tasks.images import errors

LOG = logging.getLogger(__name__)

DRIVERS_NAMESPACE = 'glance_store.drivers'
# glance_store's schemes, by the name of the driver that serves them.
DRIVER_OF_SCHEME = {
    'file': 'file', 'filesystem': 'file',
    'http': 'http', 'https': 'http',
    'swift': 'swift', 'swift+http': 'swift', 'swift+https': 'swift',
    'swift+config': 'swift',
    'rbd': 'rbd', 'cinder': 'cinder', 'vsphere': 'vmware',
    's3': 's3', 's3+http': 's3', 's3+https': 's3',
}


def _describe(exc):
    return getattr(exc, 'msg', None) or str(exc) or type(exc).__name__


class ImageStore:
    """The glance_store drivers of one configuration."""

    def __init__(self, conf):
        self.conf = conf
        self._drivers = {}
        self.default_scheme = conf.glance_store.default_store
        self.default = self.driver(self.default_scheme, must_write=True)

    def driver(self, scheme, must_write=False):
        """The configured driver serving ``scheme``."""
        name = DRIVER_OF_SCHEME.get(scheme)
        if name is None:
            raise store_exc.UnknownScheme(scheme=scheme)
        driver = self._drivers.get(name)
        if driver is None:
            driver = stevedore_driver.DriverManager(
                DRIVERS_NAMESPACE, name, invoke_on_load=True,
                invoke_args=[self.conf]).driver
            driver.configure(re_raise_bsc=must_write)
            self._drivers[name] = driver
        return driver

    def enabled_schemes(self):
        """Schemes of the stores listed in ``[glance_store] stores``."""
        names = {DRIVER_OF_SCHEME.get(store, store)
                 for store in self.conf.glance_store.stores}
        names.add(DRIVER_OF_SCHEME[self.default_scheme])
        return sorted(scheme for scheme, name in DRIVER_OF_SCHEME.items()
                      if name in names)

    @property
    def datadirs(self):
        """Directories of the filesystem driver, if it is the default."""
        driver = self.default
        if DRIVER_OF_SCHEME[self.default_scheme] != 'file':
            return []
        if getattr(driver, 'multiple_datadirs', False):
            return [d for dirs in driver.priority_data_map.values()
                    for d in dirs]
        return [driver.datadir]

    def location(self, uri):
        scheme = urllib.parse.urlsplit(uri).scheme
        driver = self.driver(scheme)
        return store_location.Location(
            scheme, driver.get_store_location_class(), self.conf, uri=uri)

    def add(self, image_id, path, backend=None):
        """Store the file at ``path`` as the data of ``image_id``.

        ``backend`` names one of :func:`backend_names` (None: the default
        store).

        Returns ``{location, size, checksum, os_hash_algo, os_hash_value,
        metadata}``. Partial data of an earlier, interrupted attempt is
        replaced.
        """
        self._check_backend(backend)
        size = os.path.getsize(path)

        def write(algo):
            with open(path, 'rb') as data:
                return self.default.add(image_id, data, size,
                                        hashing_algo=algo)
        return self._write(image_id, write, size)

    def add_stream(self, image_id, data, size=0, backend=None):
        """Store the file-like ``data`` as the data of ``image_id``.

        ``size`` is the length announced, 0 when unknown. The driver
        reads ``data`` until it returns no bytes, hashing as it writes,
        and removes what it wrote if reading or writing fails (what
        ``data.read`` raises is raised again). Returns what :meth:`add`
        returns. Partial data of an interrupted attempt is replaced (the
        driver finds it before it reads anything).
        """
        self._check_backend(backend)

        def write(algo):
            return self.default.add(image_id, data, size, hashing_algo=algo)
        return self._write(image_id, write, size)

    def _check_backend(self, backend):
        if backend is not None and backend not in backend_names(self.conf):
            raise errors.StoreFailed(
                reason='no store named %s is configured' % backend)

    def _write(self, image_id, write, size):
        algo = self.conf.hashing_algorithm
        if algo not in hashlib.algorithms_available:
            raise errors.StoreFailed(
                reason='the hashing_algorithm %s configured for this '
                       'service is not available' % algo)
        for attempt in (1, 2):
            try:
                uri, written, checksum, multihash, metadata = write(algo)
                break
            except store_exc.Duplicate:
                if attempt == 2:
                    raise errors.StoreFailed(
                        reason='data of this image is already in the '
                               'store and could not be replaced')
                LOG.info('Replacing partial data of image %s left by an '
                         'interrupted attempt.', image_id)
                self.discard(image_id)
            except store_exc.StorageFull:
                raise errors.StoreFull(size=size)
            except store_exc.StorageWriteDenied:
                raise errors.StoreFailed(
                    reason='the store refused to write (permission '
                           'denied)')
            except (store_exc.GlanceStoreException,
                    store_exc.BackendException) as exc:
                raise errors.StoreFailed(reason=_describe(exc))
        return {'location': uri, 'size': written, 'checksum': checksum,
                'os_hash_algo': algo, 'os_hash_value': multihash,
                'metadata': metadata or {}}

    def discard(self, image_id):
        """Remove data the default store may hold for ``image_id``.

        Used for data written by an attempt that never recorded its
        location (a crash in the middle of a write).
        """
        for datadir in self.datadirs:
            self.delete('file://%s' % os.path.join(datadir, image_id))

    def delete(self, uri):
        """Delete the data at ``uri``; True if there was some."""
        try:
            location = self.location(uri)
            self.driver(location.store_name).delete(location)
        except store_exc.NotFound:
            return False
        return True

    def contains(self, path):
        """True when ``path`` lies in a directory of the filesystem store."""
        real = os.path.realpath(path)
        for datadir in self.datadirs:
            root = os.path.realpath(datadir)
            if os.path.commonpath([root, real]) == root:
                return True
        return False

    def open(self, uri, offset=0, length=None):
        """``(chunks, size)`` of the data at a store location ``uri``.

        ``offset`` and ``length`` select a part of it (a Range request);
        ``size`` is then the length of that part.
        """
        location = self.location(uri)
        if not offset and length is None:
            return self.driver(location.store_name).get(location)
        return self.driver(location.store_name).get(
            location, offset=offset, chunk_size=length)


def backend_names(conf):
    """Names of the stores of ``[DEFAULT] enabled_backends``.

    Empty when the service runs with one store (``[glance_store]
    default_store``), the configuration it had before multi-store.
    """
    return []
