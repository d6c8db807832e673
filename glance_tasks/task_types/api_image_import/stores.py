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

"""The last atoms: the data written to each target store, then active.

One :class:`StoreTo` per target store (one, unnamed, in single-store).
With ``all_stores_must_succeed`` false a store that fails is recorded in
``os_glance_failed_import`` and the import goes on; true, it fails the
import. :class:`Complete` then needs one store to have taken the data,
and moves the image ``importing → active`` with the lock dropped, in one
transaction.
"""

import os

from oslo_log import log as logging

from glance_tasks.db import images as image_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.images import errors as image_errors
from glance_tasks.images import staging
from glance_tasks.images import store as store_mod
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.notifications import events
from glance_tasks.task_types.api_image_import import claim
from glance_tasks.task_types.api_image_import import data
from glance_tasks.task_types.api_image_import import errors
from glance_tasks.task_types.api_image_import import progress
from glance_tasks.task_types import base

LOG = logging.getLogger(__name__)

# What stops the whole import, never only one store.
_STOPS = (errors.ImageDeletedDuringImport, errors.ImportLockLost,
          errors.TaskAborted)


def _describe(exc):
    if isinstance(exc, image_errors.ImageTaskError):
        return exc.message
    return image_errors.StoreFailed(
        reason=str(exc) or type(exc).__name__).message


def result_name(store):
    """What the :class:`StoreTo` of ``store`` provides."""
    return 'stored-%s' % (store or 'default')


def location_of(context, image_id, store):
    """The image's location in ``store`` (None: its only store), or None."""
    for location in image_db.get_locations(context, image_id):
        if store is None or (location['metadata'] or {}).get(
                'store') == store:
            return location
    return None


class StoreTo(data._Step):
    """Write the staged data to one store; record the location there.

    An import (not copy-image) records the size, checksum and multihash
    with its first location, as an upload does (``image.upload``).
    """

    def __init__(self, image_id, method, store, must_succeed,
                 source='staged'):
        name = 'store-%s' % store if store else 'store'
        super().__init__(name, image_id, method,
                         provides=result_name(store),
                         rebind={'staged': source})
        self.store = store
        self.must_succeed = must_succeed or store is None

    @property
    def copying(self):
        return self.method == claim.COPY_IMAGE

    def execute(self, services, task_id, staged, inspection=None):
        context = services.admin_context
        image, _properties = self.claimed(services, task_id)
        recorded = location_of(context, self.image_id, self.store)
        if recorded is not None and self.copying:
            # Already there (this atom ran before a crash, or it was):
            # kept, and not removed by a revert.
            return {'store': self.store, 'kept': recorded['url']}
        if recorded is not None:
            return {'store': self.store, 'location': recorded['url']}
        try:
            stored = self._write(services, task_id, staged['path'])
        except Exception as exc:
            if self.must_succeed or isinstance(exc, _STOPS):
                raise
            why = _describe(exc)
            self._record_failure(services)
            LOG.warning('Image %(image)s could not be written to store '
                        '%(store)s; the import goes on: %(why)s',
                        {'image': self.image_id, 'store': self.store,
                         'why': why})
            return {'store': self.store, 'failed': why}
        try:
            self._record(services, image, stored, staged, inspection)
        except exception.ImageNotFound:
            services.image_store.delete(stored['location'],
                                        backend=self.store)
            raise errors.ImageDeletedDuringImport(image_id=self.image_id)
        except Exception:
            services.image_store.delete(stored['location'],
                                        backend=self.store)
            raise
        return {'store': self.store, 'location': stored['location']}

    def _write(self, services, task_id, path):
        count = self.progress(services, task_id)
        with open(path, 'rb') as f:
            stored = services.image_store.add_stream(
                self.image_id, progress.Reader(f, count),
                os.path.getsize(path), backend=self.store)
        try:
            count.report()
        except _STOPS:
            services.image_store.delete(stored['location'],
                                        backend=self.store)
            raise
        return stored

    def _record(self, services, image, stored, staged, inspection):
        """Location (and data facts) and the store list, in one commit."""
        context = services.admin_context
        metadata = dict(stored.get('metadata') or {})
        if self.store:
            metadata['store'] = self.store
        stored = dict(stored, metadata=metadata)
        with services.images.transaction(context):
            properties = image_db.get_properties(context, self.image_id)
            importing = claim.names(properties.get(claim.IMPORTING_TO))
            if self.store in importing:
                importing.remove(self.store)
                image_db.set_property(context, self.image_id,
                                      claim.IMPORTING_TO,
                                      claim.joined(importing))
            if self.copying:
                if image.checksum and stored['checksum'] != image.checksum:
                    raise image_errors.StoreFailed(
                        reason='the copy written has the checksum %s, not '
                        'the image\'s %s'
                        % (stored['checksum'], image.checksum))
                image_db.add_location(context, self.image_id,
                                      stored['location'], metadata)
                services.images.announce(
                    context, events.IMAGE_UPDATE,
                    image_db.update(context, self.image_id, {}),
                    services.notify_context)
            else:
                values = {'virtual_size': (inspection or {}).get(
                    'virtual_size')}
                if staged.get('disk_format') not in (None,
                                                     image.disk_format):
                    values['disk_format'] = staged['disk_format']  # plugin
                services.images.record_upload(
                    context, self.image_id, stored, values,
                    notify_context=services.notify_context)
        LOG.info('Image %(image)s written to store %(store)s: %(size)d '
                 'bytes.', {'image': self.image_id,
                            'store': self.store or 'default',
                            'size': stored['size']})

    def _record_failure(self, services):
        context = services.admin_context
        with services.images.transaction(context):
            properties = image_db.get_properties(context, self.image_id)
            importing = [name for name in claim.names(
                properties.get(claim.IMPORTING_TO)) if name != self.store]
            failed = claim.names(properties.get(claim.FAILED)) + [self.store]
            services.images.update(
                context, self.image_id, image_lifecycle.Changes(
                    set_properties={claim.IMPORTING_TO:
                                    claim.joined(importing),
                                    claim.FAILED: claim.joined(failed)}),
                notify_context=services.notify_context)

    def revert(self, services, result=None, **kwargs):
        context = services.admin_context
        uri = None if self.failed(result) else result.get('location')
        if uri is not None:
            self._forget(context, services, uri)
            services.image_store.delete(uri, backend=self.store)
        elif self.failed(result) and self._may_discard(services.conf):
            # A write that failed or was cut short leaves partial data
            # without a location.
            services.image_store.discard(self.image_id, backend=self.store)

    def _may_discard(self, conf):
        """True if what this store holds of the image can only be ours.

        Not the image's one store in copy-image: its own data lies
        there. Not a store that is not configured: there is none.
        """
        if self.store is None:
            return not self.copying
        return self.store in store_mod.backend_names(conf)

    def _forget(self, context, services, uri):
        """Drop the location at ``uri``; the data facts with the last."""
        with services.images.transaction(context):
            locations = image_db.get_locations(context, self.image_id)
            for location in locations:
                if location['url'] == uri:
                    image_db.delete_location(context, self.image_id,
                                             location['id'])
            if not self.copying and all(location['url'] == uri
                                        for location in locations):
                try:
                    image_db.update(context, self.image_id,
                                    dict(image_lifecycle.NO_UPLOAD))
                except exception.ImageNotFound:
                    pass  # deleted meanwhile: nothing to clear


class Complete(data._Step):
    """``importing → active`` (copy-image: still active), lock dropped.

    One transaction; then the staged data is removed. The task's result
    is ``{"image_id": ...}``, as Glance's.
    """

    default_provides = base.RESULT

    def __init__(self, image_id, method, stores):
        names = [result_name(store) for store in stores]
        super().__init__('complete-import', image_id, method,
                         requires=names)
        self._results = names

    def execute(self, services, task_id, **kwargs):
        context = services.admin_context
        image, properties = claim.read(context, self.image_id)
        if (image.status == image_domain.ACTIVE
                and claim.LOCK not in properties):
            # Run again after a crash: it committed the first time.
            staging.remove(services.conf, self.image_id)
            return {'image_id': self.image_id}
        image, properties = self.claimed(services, task_id)
        results = [kwargs[name] for name in self._results]
        if not any('location' in result or 'kept' in result
                   for result in results):
            raise errors.NoStoreSucceeded(reasons=' '.join(
                '%s: %s' % (result['store'], result['failed'])
                for result in results))
        changes = claim.lock_changes(properties)
        if self.method == claim.COPY_IMAGE:
            services.images.update(context, self.image_id, changes,
                                   notify_context=services.notify_context)
        else:
            services.images.move(
                context, image, image_domain.ACTIVE,
                notify_context=services.notify_context,
                also=lambda ctx: claim.apply_properties(ctx, self.image_id,
                                                        changes))
        staging.remove(services.conf, self.image_id)
        LOG.info('Image %s imported (%s).', self.image_id, self.method)
        return {'image_id': self.image_id}

    def revert(self, *args, **kwargs):
        """Nothing to undo: it commits all it does at once, last."""
