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

"""Upload of image data: ``queued`` to ``saving`` to ``active``.

The body streams from the client through a counter (the
``image_size_cap``), the format inspector (the same
:class:`~glance_tasks.images.inspect.Inspection` the ``import`` type
uses) and into the store, which hashes it as it writes: nothing holds
the whole image in memory. Whatever goes wrong after the image left
``queued`` -- the client goes away, the store fails, the cap is passed,
the data lies about its format -- removes what reached the store and
moves the image back to ``queued`` (the saving to queued edge), so the
user can simply upload again.

A process killed mid-upload can clean nothing up, so the image names
its uploader -- the executor lease of the receiving process
(:mod:`glance_tasks.engine.ownership`), in ``images.uploader`` -- for
the move to ``saving``. The periodic release
(:func:`glance_tasks.images.recovery.release_abandoned_uploads`) requeues
a ``saving`` image whose uploader's lease has lapsed, never one whose
uploader lives; and an uploader that lost its lease does not activate.

Staging (:func:`stage`, ``PUT /v2/images/{id}/stage``) is the same
stream written to the staging area instead of the store: ``queued`` to
``uploading``, with the same cap, the same uploader lease and the same
way back to ``queued`` (the uploading to queued edge, the staged file
removed). Once the data is staged the image stays ``uploading`` with no
uploader, ready for its ``glance-direct`` import. A stage writes its own
part file and renames it to the staged data only in the transaction
that proves the image still its own (:mod:`glance_tasks.images.staging`):
a stager that lost its lease never replaces or removes the data of the
stage that took the image over.
"""

import os

from oslo_log import log as logging

from glance_tasks.db import images as image_db
from glance_tasks.domain import image as image_domain
from glance_tasks.engine import ownership
from glance_tasks import exception
from glance_tasks.images import errors
from glance_tasks.images import inspect
from glance_tasks.images import staging
from glance_tasks.lifecycle import images as image_lifecycle

LOG = logging.getLogger(__name__)

# Larger reads cost far fewer Python calls (inspector, hashes) per byte.
CHUNK_SIZE = 1024 * 1024


class _Body:
    """The client's bytes, counted against the cap as they are read.

    ``length`` is the Content-Length, None for a chunked body (which the
    server ends). Reads go to the WSGI input itself, never past the
    length (PEP 3333), and a body that ends short is a broken upload.
    """

    def __init__(self, wsgi_input, cap, length=None):
        self._input = wsgi_input
        self.cap = cap
        self.length = length
        self.received = 0

    def __iter__(self):
        while True:
            chunk = self._read()
            if not chunk:
                if self.length is not None and self.received < self.length:
                    raise exception.UploadInterrupted(
                        received=self.received,
                        reason='the client sent %d of the %d bytes it '
                               'announced' % (self.received, self.length))
                return
            self.received += len(chunk)
            if self.received > self.cap:
                raise exception.ImageSizeCapExceeded(cap=self.cap)
            yield chunk

    def _read(self):
        size = CHUNK_SIZE
        if self.length is not None:
            size = min(size, self.length - self.received)
            if not size:
                return b''
        try:
            return self._input.read(size)
        except Exception as exc:
            # Raised as our own error, not the OSError it often is,
            # so the store never takes a dropped client for a full
            # disk; the driver removes what it wrote either way.
            raise exception.UploadInterrupted(
                received=self.received,
                reason=str(exc) or type(exc).__name__) from None


class _Readable:
    """A file-like ``read()`` over an iterator, as glance_store reads."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)

    def read(self, size=-1):
        return next(self._chunks, b'')


def _start(images, context, image, length, lease, to_status):
    """Check and make the first move of an upload or a stage.

    Returns ``(the moved image, the uploader it names)``.
    """
    cap = images.conf.image_size_cap
    if image.status != image_domain.QUEUED:
        raise exception.ImageNotQueued(image_id=image.id,
                                       status=image.status)
    if length is not None and length > cap:
        raise exception.ImageSizeCapExceeded(cap=cap)
    uploader = _uploader(lease)
    moved = images.move(
        context, image, to_status,
        also=lambda ctx: image_db.set_uploader(ctx, image.id, uploader))
    return moved, uploader


def upload(images, context, store, image, wsgi_input, length=None,
           lease=None, backend=None):
    """Store ``wsgi_input`` as the data of the queued ``image``; activate.

    ``wsgi_input`` is the request's ``wsgi.input``; ``length`` is the
    Content-Length, None for a chunked body. ``lease``: this process's
    :class:`~glance_tasks.engine.ownership.ExecutorLease`, recorded as
    the image's uploader (None: no uploader, as in unit tests).
    ``backend``: the store to write to (multi-store; None: the default
    store). Returns
    the active image; raises a :class:`~glance_tasks.exception.
    GlanceTasksException` with the HTTP code the failure deserves, the
    image queued again.
    """
    saving, uploader = _start(images, context, image, length, lease,
                              image_domain.SAVING)
    try:
        stored, facts = _store(store, saving, wsgi_input, length,
                               images.conf.image_size_cap, backend,
                               ownership.tag(uploader))
    except BaseException:
        _requeue(images, context, saving, uploader)
        raise
    try:
        return _activate(images, context, store, saving, stored, facts,
                         lease, uploader)
    except BaseException:
        _discard_failed(images, context, store, saving, stored, uploader,
                        backend)
        raise


def _discard_failed(images, context, store, saving, stored, uploader,
                    backend):
    """Remove what a failed activation stored; requeue if still ours.

    This attempt's own file goes at once. Data under the image's name
    (published, then the commit failed; or a store without attempt
    names) goes only in the transaction of the requeue, while the image
    is provably still this upload's: else it may be another upload's.
    """
    own_name = os.path.basename(stored['location']) != saving.id
    if own_name:
        store.delete(stored['location'])

    def discard():
        if own_name:
            store.discard(saving.id, backend)
        else:
            store.delete(stored['location'])
    _requeue(images, context, saving, uploader, discard=discard)


def _uploader(lease):
    """The lease name to record; 503 while this process holds none."""
    if lease is None:
        return None
    if not lease.held() and not lease.keep():
        raise exception.ImageStoreUnavailable(
            action='written to',
            reason='this process holds no executor lease (is the '
                   'database reachable?)')
    return lease.name


def _still_ours(context, image_id, lease, uploader,
                from_status=image_domain.SAVING):
    """Raise unless ``uploader`` is still the image's, and held.

    Runs in the transaction of the move it guards; its compare-and-swap
    is the first write there and locks the row: the release cannot
    requeue the image between the check and the move, nor another
    uploader take it.
    """
    if not image_db.release_uploader(context, image_id, uploader) or (
            lease is not None and not lease.holds(uploader)):
        raise exception.ImageStatusConflict(image_id=image_id,
                                            from_status=from_status)


def _store(store, image, wsgi_input, length, cap, backend=None,
           attempt=None):
    """Write the stream; ``(what the store returned, inspection result)``.

    Under a name of this ``attempt``'s own (see
    :meth:`~glance_tasks.images.store.ImageStore.add_stream`): what this
    upload writes, or removes when it fails, is never the data of an
    upload that took the image over once this process lost its lease.
    """
    body = _Body(wsgi_input, cap, length)
    inspection = inspect.Inspection(iter(body), image.disk_format)
    try:
        stored = store.add_stream(image.id, _Readable(inspection),
                                  length or 0, backend=backend,
                                  attempt=attempt)
    except (errors.FormatMismatch, errors.UnsafeImage,
            errors.InvalidImageData) as exc:
        raise exception.ImageDataRefused(reason=_refusal(exc, image))
    except errors.StoreFull:
        raise exception.ImageStoreFull()
    except errors.StoreFailed as exc:
        raise exception.ImageStoreUnavailable(action='written to',
                                              reason=exc.kwargs['reason'])
    finally:
        inspection.close()
    try:
        facts = inspection.result(stored['size'])
    except (errors.FormatMismatch, errors.UnsafeImage,
            errors.InvalidImageData) as exc:
        store.delete(stored['location'])
        raise exception.ImageDataRefused(reason=_refusal(exc, image))
    return stored, facts


def _refusal(exc, image):
    """Why the data is refused, in the words of an upload."""
    if isinstance(exc, errors.FormatMismatch):
        return ('the data is in %(actual)s format, but the image\'s '
                'disk_format is %(expected)s. Upload %(expected)s data, or '
                'create an image with disk_format %(actual)s.' % exc.kwargs)
    if isinstance(exc, errors.InvalidImageData):
        return ('the data could not be read as %(format)s (%(reason)s).'
                % exc.kwargs)
    return exc.message


def _activate(images, context, store, saving, stored, facts, lease,
              uploader):
    """Publish and record the data, make the image active, in one transaction.

    Only while this process is still the image's uploader: once its
    lease lapsed, the image may have been requeued and uploaded again,
    and its data must not be replaced. The rename to the image's name
    comes after the compare-and-swap that locks the row.
    """
    with images.transaction(context):
        _still_ours(context, saving.id, lease, uploader)
        stored = store.publish(stored, saving.id)
        images.record_upload(context, saving.id, stored)
        return images.move(context, saving, image_domain.ACTIVE,
                           values={'virtual_size': facts['virtual_size']})


def _requeue(images, context, moved, uploader, discard=None):
    """Back to queued (from saving or uploading), unless moved on since.

    ``discard()`` runs in the same transaction once the image is proven
    still ``uploader``'s: it removes data only the owner may remove.
    """
    def only_ours(ctx):
        _still_ours(ctx, moved.id, None, uploader, moved.status)
        if discard is not None:
            discard()

    try:
        images.move(context, moved, image_domain.QUEUED, also=only_ours)
    except (exception.ImageStatusConflict, exception.ImageNotFound):
        # Deleted while its data arrived: nothing to give back.
        LOG.info('Image %(id)s left %(status)s during its upload; not '
                 'queued again.', {'id': moved.id, 'status': moved.status})


def stage(images, context, image, wsgi_input, length=None, lease=None):
    """Stage ``wsgi_input`` for the queued ``image``; it stays uploading.

    Arguments as :func:`upload`'s. Returns the image, ``uploading`` with
    the staged ``size``; raises as :func:`upload` does, the image queued
    again and nothing left in the staging area.
    """
    conf = images.conf
    uploading, uploader = _start(images, context, image, length, lease,
                                 image_domain.UPLOADING)
    # This stage's own file: once the image is requeued (this process
    # lost its lease) another stage may be writing its own beside it.
    part = staging.part_path(conf, uploading.id, uploader)
    try:
        size = _write_staged(conf, uploading.id, part,
                             _Body(wsgi_input, conf.image_size_cap, length))
        return _staged(images, context, uploading, size, lease, uploader,
                       part)
    except BaseException:
        staging.remove_file(part)
        # The staged data (published, then the commit failed) is removed
        # only while the image is still this stage's.
        _requeue(images, context, uploading, uploader,
                 discard=lambda: staging.remove_file(
                     staging.path_of(conf, uploading.id)))
        raise


def _write_staged(conf, image_id, part, body):
    try:
        return staging.write(conf, image_id, body, path=part)
    except errors.WorkDirFull:
        raise exception.StagingFull()
    except OSError as exc:
        LOG.error('Data of image %(id)s could not be staged: %(error)s',
                  {'id': image_id, 'error': exc})
        raise exception.StagingUnavailable(
            reason=exc.strerror or type(exc).__name__)


def _staged(images, context, uploading, size, lease, uploader, part):
    """Publish the staged data, record its size, release the upload.

    In one transaction, and only while this process is still the
    image's uploader: the image cannot be imported before (its import
    waits for the uploader to go), and once this process lost its lease
    the image may be queued again and staged by another -- whose data
    this stage's part file must never replace. The rename comes after
    the compare-and-swap that locks the row.
    """
    with images.transaction(context):
        _still_ours(context, uploading.id, lease, uploader,
                    image_domain.UPLOADING)
        staging.publish(images.conf, uploading.id, part)
        return images.update(context, uploading.id,
                             image_lifecycle.Changes(values={'size': size}))
