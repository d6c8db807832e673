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

"""The image store: glance_store drivers, configured as Glance does.

Single store (``[glance_store] default_store``, ``stores``): data is
written with the driver of ``default_store`` (the filesystem driver under
``$state_path/images`` by default). Multi-store (``[DEFAULT]
enabled_backends = fast:file, slow:file``): one driver per named store,
each configured by the option group of its name, data written to the
store asked for or to ``[glance_store] default_backend``, and every
result names its store in ``metadata: {"store": name}`` -- the location
metadata from which an image's ``stores`` are derived, as in Glance.

The driver computes the size, the md5 ``checksum`` and the
``hashing_algorithm`` multihash in the same pass that writes the data, as
in Glance. Locations are glance_store URIs (``file:///.../images/<id>``).

glance_store keeps process-wide state for multi-store: its global
``CONF``, and the scheme-to-store map that ``create_multi_stores`` fills
and ``glance_store.get_store_from_store_identifier`` reads. None of it
is used here: each :class:`ImageStore` loads its own driver instances
with stevedore, bound to the ``ConfigOpts`` it was given (the driver
reads ``conf[<store name>]``), keeps them in its own dict, and builds
:class:`glance_store.location.Location` objects itself instead of asking
the global map. So two configurations in one process (tests) never
share a store, in single or multi-store alike.
"""

import hashlib
import os
import urllib.parse

from glance_store import exceptions as store_exc
from glance_store import location as store_location
from oslo_log import log as logging
from stevedore import driver as stevedore_driver

from glance_tasks.common import files
from glance_tasks.conf import store as store_conf
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


class ConfigurationError(RuntimeError):
    """The multi-store configuration cannot work; says which option."""


def backend_names(conf):
    """Names of the stores of ``[DEFAULT] enabled_backends``, in order.

    Empty when the service runs with one store (``[glance_store]
    default_store``), the configuration it had before multi-store.
    Glance's reserved stores (``os_glance_*``) are never among them.
    """
    return [name for name in (conf.enabled_backends or {})
            if not name.startswith(store_conf.RESERVED_PREFIX)]


def backend_type(conf, name):
    """The store type (``file``, ``http``...) of the store ``name``."""
    return (conf.enabled_backends or {})[name]


def default_backend(conf):
    """``[glance_store] default_backend`` in multi-store; else None."""
    if not backend_names(conf):
        return None
    return conf.glance_store.default_backend


def check_config(conf):
    """Raise :class:`ConfigurationError` unless multi-store can work.

    As Glance refuses to start: a reserved ``os_glance_`` name among
    ``enabled_backends``, no ``default_backend`` or one that is not
    enabled, a type glance_store has no driver for; and two file stores
    in one directory. Registers the stores' option groups. Single
    store: nothing to check here. The API and engine commands call it
    before they start, so a bad configuration is refused at once.
    """
    enabled = conf.enabled_backends or {}
    if not enabled:
        return
    reserved = sorted(name for name in enabled
                      if name.startswith(store_conf.RESERVED_PREFIX))
    if reserved:
        raise ConfigurationError(
            "[DEFAULT] enabled_backends: the prefix 'os_glance_' is "
            "reserved for the service's own stores (%s)" %
            ', '.join(reserved))
    default = conf.glance_store.default_backend
    if not default:
        raise ConfigurationError(
            '[glance_store] default_backend must name one of the stores '
            'of [DEFAULT] enabled_backends (%s)' % ', '.join(enabled))
    if default not in enabled:
        raise ConfigurationError(
            '[glance_store] default_backend %s is not one of the stores '
            'of [DEFAULT] enabled_backends (%s)' %
            (default, ', '.join(enabled)))
    for name, store_type in enabled.items():
        if store_conf.driver_class(store_type) is None:
            raise ConfigurationError(
                '[DEFAULT] enabled_backends: store %s has the type %s, '
                'for which glance_store has no driver here' %
                (name, store_type))
    store_conf.register_backend_opts(conf)
    _check_distinct_datadirs(conf, enabled)


def _check_distinct_datadirs(conf, enabled):
    # Two file stores in one directory would hold one file per image:
    # deleting the data from one store would delete it from both.
    seen = {}
    for name in (name for name in enabled if enabled[name] == 'file'):
        for datadir in _configured_datadirs(conf[name]):
            other = seen.setdefault(os.path.realpath(datadir), name)
            if other != name:
                raise ConfigurationError(
                    'stores %s and %s share the directory %s; give each '
                    'file store its own [<store>] '
                    'filesystem_store_datadir' % (other, name, datadir))


def _configured_datadirs(group):
    """Directories of a file store's group, priorities left out."""
    if group.filesystem_store_datadir:
        return [group.filesystem_store_datadir]
    dirs = []
    for entry in group.filesystem_store_datadirs or ():
        path, _, priority = entry.strip().rpartition(':')
        dirs.append(path if path and priority.isdigit() else entry.strip())
    return dirs


class ImageStore:
    """The glance_store drivers of one configuration."""

    def __init__(self, conf):
        self.conf = conf
        self._drivers = {}
        # Multi-store: {store name: driver}, the default store first.
        self._backends = {}
        self.default_backend = None
        if not conf.enabled_backends:
            self.default_scheme = conf.glance_store.default_store
            self.default = self.driver(self.default_scheme, must_write=True)
            return
        check_config(conf)
        self.default_backend = conf.glance_store.default_backend
        for name in [self.default_backend] + backend_names(conf):
            if name not in self._backends:
                self._backends[name] = self._load_backend(
                    name, must_write=name == self.default_backend)
        self.default = self._backends[self.default_backend]
        self.default_scheme = self.default.get_schemes()[0]

    @property
    def multi(self):
        """True when configured by ``[DEFAULT] enabled_backends``."""
        return bool(self._backends)

    def driver(self, scheme, must_write=False):
        """The configured single-store driver serving ``scheme``."""
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

    def _load_backend(self, name, must_write):
        """The driver of store ``name``, reading ``conf[name]``.

        A store other than the default that cannot be configured for
        writing stays readable (glance_store disables its ``add``, and
        logs why), as in Glance.
        """
        driver = stevedore_driver.DriverManager(
            DRIVERS_NAMESPACE, backend_type(self.conf, name),
            invoke_on_load=True, invoke_args=[self.conf, name]).driver
        try:
            driver.configure(re_raise_bsc=must_write)
        except store_exc.BadStoreConfiguration as exc:
            raise ConfigurationError(
                'the default store %s cannot be written: %s' %
                (name, _describe(exc))) from None
        return driver

    def backend(self, name):
        """The driver of the store ``name``; StoreFailed if unknown."""
        if name is None and self.multi:
            name = self.default_backend
        if name is None:
            return self.default
        driver = self._backends.get(name)
        if driver is None:
            raise errors.StoreFailed(
                reason='no store named %s is configured' % name)
        return driver

    def enabled_schemes(self):
        """Schemes of the enabled stores (locations they can serve)."""
        if self.multi:
            return sorted({scheme for driver in self._backends.values()
                           for scheme in driver.get_schemes()})
        names = {DRIVER_OF_SCHEME.get(store, store)
                 for store in self.conf.glance_store.stores}
        names.add(DRIVER_OF_SCHEME[self.default_scheme])
        return sorted(scheme for scheme, name in DRIVER_OF_SCHEME.items()
                      if name in names)

    @property
    def datadirs(self):
        """Directories of the filesystem stores, the default's first.

        Single store: those of the filesystem driver, if it is the
        default. Multi-store: those of every ``file`` store.
        """
        if not self.multi:
            if DRIVER_OF_SCHEME[self.default_scheme] != 'file':
                return []
            return _datadirs(self.default)
        return [datadir for name in self._backends
                for datadir in self.datadirs_of(name)]

    def datadirs_of(self, name):
        """Directories of the store ``name`` ([] unless a file store)."""
        driver = self.backend(name)
        if 'file' not in driver.get_schemes():
            return []
        return _datadirs(driver)

    def backend_of(self, uri):
        """The name of the store holding ``uri``; None if none does.

        A ``file`` URI belongs to the store whose directory holds it;
        another URI to the first store serving its scheme. Always None
        in single store.
        """
        scheme = urllib.parse.urlsplit(uri).scheme
        for name, driver in self._backends.items():
            if scheme not in driver.get_schemes():
                continue
            if scheme in ('file', 'filesystem'):
                if _inside(_file_path(uri), self.datadirs_of(name)):
                    return name
                continue
            return name
        return None

    def store_of(self, location):
        """The store of a location row (``{url, metadata}``), or None.

        Its ``metadata["store"]``, as Glance records it; for a location
        recorded before multi-store was configured, the store holding
        its URI.
        """
        if not self.multi:
            return None
        return ((location.get('metadata') or {}).get('store')
                or self.backend_of(location['url']))

    def location(self, uri, backend=None):
        """``(driver, glance_store Location)`` of ``uri``.

        ``backend``: the store recorded for it (the location's
        ``metadata["store"]``); None to find it from the URI.
        """
        scheme = urllib.parse.urlsplit(uri).scheme
        if not self.multi:
            driver = self.driver(scheme)
        else:
            backend = backend or self.backend_of(uri)
            if backend is None:
                raise store_exc.UnknownScheme(scheme=scheme)
            driver = self.backend(backend)
        return driver, store_location.Location(
            scheme, driver.get_store_location_class(), self.conf, uri=uri,
            backend=backend)

    def add(self, image_id, path, backend=None):
        """Store the file at ``path`` as the data of ``image_id``.

        ``backend`` names one of :func:`backend_names` (None: the default
        store).

        Returns ``{location, size, checksum, os_hash_algo, os_hash_value,
        metadata}`` (``metadata["store"]``: the store's name, in
        multi-store). Partial data of an earlier, interrupted attempt is
        replaced.
        """
        driver = self.backend(backend)
        size = os.path.getsize(path)

        def write(algo):
            with open(path, 'rb') as data:
                return driver.add(image_id, data, size, hashing_algo=algo)
        return self._write(image_id, write, size, backend)

    def add_stream(self, image_id, data, size=0, backend=None,
                   attempt=None):
        """Store the file-like ``data`` as the data of ``image_id``.

        ``size`` is the length announced, 0 when unknown; ``backend`` as
        in :meth:`add`. The driver reads ``data`` until it returns no
        bytes, hashing as it writes, and removes what it wrote if reading
        or writing fails (what ``data.read`` raises is raised again).
        Returns what :meth:`add` returns. Partial data of an interrupted
        attempt is replaced (the driver finds it before it reads
        anything).

        ``attempt``: a tag of the writer (an upload's lease,
        :func:`glance_tasks.engine.ownership.tag`). In a file store the
        data is then written under a name of its own,
        :func:`object_name`, that no other attempt writes, deletes or
        replaces, and :meth:`publish` gives it the image's name once the
        writer has proven the image still its own: an uploader that lost
        the image to another never touches the other's data.
        """
        driver = self.backend(backend)
        name = image_id
        if attempt is not None and 'file' in driver.get_schemes():
            name = object_name(image_id, attempt)

        def write(algo):
            return driver.add(name, data, size, hashing_algo=algo)
        return self._write(name, write, size, backend)

    def _write(self, image_id, write, size, backend):
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
                self.discard(image_id, backend)
            except store_exc.StorageFull:
                raise errors.StoreFull(size=size)
            except store_exc.StorageWriteDenied:
                raise errors.StoreFailed(
                    reason='the store refused to write (permission '
                           'denied)')
            except (store_exc.GlanceStoreException,
                    store_exc.BackendException) as exc:
                raise errors.StoreFailed(reason=_describe(exc))
        metadata = dict(metadata or {})
        if self.multi:
            # What Glance records, whatever the driver itself returns.
            metadata['store'] = backend or self.default_backend
        return {'location': uri, 'size': written, 'checksum': checksum,
                'os_hash_algo': algo, 'os_hash_value': multihash,
                'metadata': metadata}

    def publish(self, stored, image_id):
        """``stored`` (from :meth:`add_stream`) under the image's name.

        A file written under an attempt's own name is renamed, in its
        directory, to the image's id (atomically, the directory synced);
        the result names the new location. Anything else is returned as
        it is. Call it only while the image is provably the caller's
        (its row locked, in the transaction that records the location).
        """
        uri = stored['location']
        if urllib.parse.urlsplit(uri).scheme not in ('file', 'filesystem'):
            return stored
        path = _file_path(uri)
        if os.path.basename(path) == image_id:
            return stored
        final = os.path.join(os.path.dirname(path), image_id)
        files.rename_durably(path, final)
        return dict(stored, location='file://%s' % final)

    def discard(self, image_id, backend=None):
        """Remove data a store may hold for ``image_id``.

        ``backend``: the store (None: the default store). Used for data
        written by an attempt that never recorded its location (a crash
        in the middle of a write). Only that store is looked at: in
        multi-store the image may well have good data in another.
        """
        name = backend or self.default_backend
        dirs = self.datadirs_of(name) if self.multi else self.datadirs
        for datadir in dirs:
            self.delete('file://%s' % os.path.join(datadir, image_id),
                        backend=name)

    def discard_everywhere(self, image_id):
        """:meth:`discard` in every store, and every attempt's own file.

        Only for an image that has no data in any store (``saving``:
        which store a dead uploader was writing to is not recorded), its
        row locked with its lapsed uploader: no live upload has a file
        then (see :meth:`add_stream`); those of uploads that lost the
        image earlier go too.
        """
        for name in self._backends or [None]:
            self.discard(image_id, name)
            dirs = self.datadirs_of(name) if self.multi else self.datadirs
            prefix = object_name(image_id, '')
            for datadir in dirs:
                for entry in _names_in(datadir):
                    if entry.startswith(prefix):
                        self.delete('file://%s' % os.path.join(
                            datadir, entry), backend=name)

    def delete(self, uri, backend=None):
        """Delete the data at ``uri``; True if there was some.

        ``backend`` as in :meth:`location`.
        """
        try:
            driver, location = self.location(uri, backend)
            driver.delete(location)
        except store_exc.NotFound:
            return False
        return True

    def contains(self, path):
        """True when ``path`` lies in a directory of a filesystem store."""
        return _inside(path, self.datadirs)

    def open(self, uri, offset=0, length=None, backend=None):
        """``(chunks, size)`` of the data at a store location ``uri``.

        ``offset`` and ``length`` select a part of it (a Range request);
        ``size`` is then the length of that part. ``backend`` as in
        :meth:`location`.
        """
        driver, location = self.location(uri, backend)
        if not offset and length is None:
            return driver.get(location)
        return driver.get(location, offset=offset, chunk_size=length)

    def describe(self, name):
        """``(type, properties)`` of the store ``name``.

        As Glance's ``/v2/info/stores/detail`` shows them.
        """
        store_type = backend_type(self.conf, name)
        driver = self.backend(name)
        properties = {}
        if store_type == 'file':
            properties = {
                'data_dir': getattr(driver, 'datadir', None),
                'chunk_size': driver.chunk_size,
                'thin_provisioning': driver.thin_provisioning,
            }
        return store_type, properties


def object_name(image_id, attempt=None):
    """The name data of ``image_id`` is stored under (see add_stream)."""
    if attempt is None:
        return image_id
    return '%s.upload-%s' % (image_id, attempt)


def _names_in(directory):
    try:
        return os.listdir(directory)
    except FileNotFoundError:
        return []


def _datadirs(driver):
    if getattr(driver, 'multiple_datadirs', False):
        return [d for dirs in driver.priority_data_map.values()
                for d in dirs]
    return [driver.datadir]


def _file_path(uri):
    parts = urllib.parse.urlsplit(uri)
    return urllib.parse.unquote(parts.netloc + parts.path)


def _inside(path, directories):
    real = os.path.realpath(path)
    for datadir in directories:
        root = os.path.realpath(datadir)
        if os.path.commonpath([root, real]) == root:
            return True
    return False
