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

"""The first atoms: claim the image, get its data staged, inspect it.

Each method gets the data to the same place, the image's staging file
(:func:`glance_tasks.images.staging.path_of`), and provides ``staged``:
``{"path": file, "disk_format": fmt}``, what the import plugins and the
store atoms take.
"""

import errno
import os

from glance_store import exceptions as store_exc
from oslo_log import log as logging

from glance_tasks.db import images as image_db
from glance_tasks.images import errors as image_errors
from glance_tasks.images import fetch
from glance_tasks.images import inspect
from glance_tasks.images import staging
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types.api_image_import import claim
from glance_tasks.task_types.api_image_import import errors
from glance_tasks.task_types.api_image_import import progress
from glance_tasks.task_types import base

LOG = logging.getLogger(__name__)


def size_cap(conf):
    """The largest image an import may bring: both caps hold.

    Glance's ``[DEFAULT] image_size_cap`` (what a stage or upload may
    send) and ``[image_import] max_image_size`` (what ``import`` fetches).
    """
    return min(conf.image_size_cap, conf.image_import.max_image_size)


class _Step(base.Atom):
    """An atom of one import: the image, the method, the lock check."""

    def __init__(self, name, image_id, method, **kwargs):
        super().__init__(name=name, **kwargs)
        self.image_id = image_id
        self.method = method

    def claimed(self, services, task_id):
        return claim.claimed(services.admin_context, self.image_id,
                             task_id, self.method)

    def progress(self, services, task_id):
        return progress.Progress(services, task_id, self.image_id,
                                 self.method)


class ClaimImage(_Step):
    """Check that this task holds the image's import lock.

    Its revert gives the image back, whatever failed after it: the lock
    and ``os_glance_importing_to_stores`` dropped, every target store
    added to ``os_glance_failed_import``, ``importing → queued``
    (copy-image: still ``active``) and the staged data removed. An image
    deleted meanwhile only has its staged data removed; an image locked
    by another task is not touched at all.
    """

    # image_id: what the import plugins take from the flow.
    default_provides = ('notify_context', 'image_id')

    def __init__(self, image_id, method, stores):
        super().__init__('claim-image', image_id, method)
        self.stores = [store for store in stores if store]

    def execute(self, services, task_id):
        context = services.admin_context
        _image, properties = self.claimed(services, task_id)
        if self.method == claim.COPY_IMAGE and not self.stores:
            # Writing "again" to the image's one store would replace
            # the very data it copies.
            raise errors.CopyNeedsStores(image_id=self.image_id)
        # A new attempt on stores that failed before: not failed (yet).
        failed = claim.names(properties.get(claim.FAILED))
        still_failed = [name for name in failed if name not in self.stores]
        if still_failed != failed:
            services.images.update(
                context, self.image_id, image_lifecycle.Changes(
                    set_properties={claim.FAILED:
                                    claim.joined(still_failed)}),
                notify_context=services.notify_context)
        return services.notify_context, self.image_id

    def revert(self, services, task_id, result=None, flow_failures=None,
               **kwargs):
        context = services.admin_context
        try:
            _image, properties = claim.read(context, self.image_id)
        except errors.ImageDeletedDuringImport:
            staging.remove(services.conf, self.image_id)
            return
        if properties.get(claim.LOCK) != task_id:
            return  # another task's import: nothing here is ours
        if claim.give_back(services, self.image_id, task_id, self.method,
                           self.stores, services.notify_context):
            LOG.info('Import of image %(image)s by task %(task)s failed; '
                     'its lock is released.',
                     {'image': self.image_id, 'task': task_id})
        staging.remove(services.conf, self.image_id)


class VerifyStaged(_Step):
    """glance-direct: the data staged by ``PUT /v2/images/{id}/stage``."""

    default_provides = 'staged'

    def __init__(self, image_id, method):
        super().__init__('verify-staged', image_id, method)

    def execute(self, services, task_id):
        image, _properties = self.claimed(services, task_id)
        path = staging.path_of(services.conf, self.image_id)
        if not os.path.isfile(path):
            raise errors.NothingStaged(image_id=self.image_id)
        cap = size_cap(services.conf)
        size = staging.size_of(path)
        if size > cap:
            raise image_errors.ImageTooLarge(
                limit=cap, detail='%d bytes are staged' % size)
        return {'path': path, 'disk_format': image.disk_format}

    def revert(self, *args, **kwargs):
        """Nothing to undo: it only reads (the claim removes the data)."""


def _write(path, chunks, count):
    """Write ``chunks`` to ``path`` (truncated first); the bytes written."""
    written = 0
    with open(path, 'wb') as out:
        for chunk in chunks:
            try:
                out.write(chunk)
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                    raise image_errors.WorkDirFull(received=written)
                raise
            written += len(chunk)
            count(len(chunk))
    return written


class Download(_Step):
    """web-download: the URI fetched to the staging file.

    :func:`glance_tasks.images.fetch.download`, as the ``import`` task
    fetches: the URL filtering, the size cap, a broken transfer resumed,
    and with ``validation_data`` the data's hash checked.
    """

    default_provides = 'staged'

    def __init__(self, image_id, method, uri, validation_data=None):
        super().__init__('download', image_id, method)
        self.uri = uri
        self.validation = dict(validation_data or {})

    def execute(self, services, task_id):
        conf = services.conf
        image, _properties = self.claimed(services, task_id)
        path = staging.path_of(conf, self.image_id)
        count = self.progress(services, task_id)
        size = fetch.download(conf, self.uri, path, size_cap(conf),
                              conf.image_import.fetch_timeout,
                              validation_data=self.validation or None,
                              progress=count.at,
                              field="the import method's uri")
        count.report()
        LOG.info('Image %s: downloaded %d bytes.', self.image_id, size)
        return {'path': path, 'disk_format': image.disk_format}

    def revert(self, services, **kwargs):
        staging.remove_file(staging.path_of(services.conf, self.image_id))


class CopyExisting(_Step):
    """copy-image: the active image's data read from its location."""

    default_provides = 'staged'

    def __init__(self, image_id, method):
        super().__init__('copy-existing-data', image_id, method)

    def execute(self, services, task_id):
        conf = services.conf
        context = services.admin_context
        image, _properties = self.claimed(services, task_id)
        locations = image_db.get_locations(context, self.image_id)
        if not locations:
            raise errors.NothingToCopy(image_id=self.image_id,
                                       reason='it has no location')
        source = locations[0]
        try:
            chunks, _size = services.image_store.open(
                source['url'],
                backend=services.image_store.store_of(source))
        except (store_exc.GlanceStoreException,
                store_exc.BackendException) as exc:
            raise errors.NothingToCopy(
                image_id=self.image_id,
                reason=getattr(exc, 'msg', None) or str(exc))
        path = staging.path_of(conf, self.image_id)
        count = self.progress(services, task_id)
        try:
            size = _write(path, iter(chunks), count)
        finally:
            getattr(chunks, 'close', lambda: None)()
        count.report()
        LOG.info('Image %s: %d bytes read from its store to copy them.',
                 self.image_id, size)
        return {'path': path, 'disk_format': image.disk_format}

    def revert(self, services, **kwargs):
        staging.remove_file(staging.path_of(services.conf, self.image_id))


class Inspect(_Step):
    """The real format and safety of the data (the routine of uploads)."""

    default_provides = 'inspection'

    def __init__(self, image_id, method):
        super().__init__('inspect', image_id, method)

    def execute(self, services, task_id, staged):
        self.claimed(services, task_id)
        try:
            return inspect.inspect(staged['path'], staged['disk_format'])
        except image_errors.FormatMismatch as exc:
            # Said in this API's words: there is no import_from_format.
            raise errors.FormatMismatch(**exc.kwargs)

    def revert(self, *args, **kwargs):
        """Nothing to undo: inspection only reads."""
