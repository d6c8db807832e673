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

"""``/v2/images/{image_id}/file``: upload and download of image data.

Both directions stream: the upload body goes to the store as it arrives
(:mod:`glance_tasks.images.upload`), the download is the store's chunks
as the response body. Each finished download writes Glance's
``image.send`` notification to the outbox when the body has been sent
(Ceilometer's ``image.download`` and ``image.serve`` meters read it).
"""

from oslo_log import log as logging
import webob
import webob.exc

from glance_tasks.api.handlers import images as image_handlers
from glance_tasks.api import policy
from glance_tasks import context as gt_context
from glance_tasks.db import api as db_api
from glance_tasks.db import images as image_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.images import store
from glance_tasks.images import upload as image_upload
from glance_tasks.notifications import events
from glance_tasks.policies import image_data as rules

LOG = logging.getLogger(__name__)

OCTET_STREAM = 'application/octet-stream'
IMAGE_SEND = 'image.send'
STORE_HEADER = 'X-Image-Meta-Store'


def upload(req):
    """``PUT /v2/images/{image_id}/file``: 204 once the image is active."""
    image = image_handlers.find_image(req)
    policy.authorize(req, rules.UPLOAD_IMAGE, {'project_id': image.owner})
    if req.content_type != OCTET_STREAM:
        raise webob.exc.HTTPUnsupportedMediaType(
            explanation="Content-Type '%s' is not supported; send image "
                        "data as %s." % (req.content_type or '(none)',
                                         OCTET_STREAM))
    image_upload.upload(image_handlers.lifecycle(req), req.context,
                        req.state.service.services.image_store, image,
                        req.body_file_raw, req.content_length,
                        lease=req.state.service.upload_lease,
                        backend=_target_store(req))
    return webob.Response(status=204, content_type=None)


def _target_store(req):
    """The store named by Glance's ``X-Image-Meta-Store``; 400 if unknown.

    Multi-store only (None otherwise: the one store); without the header,
    ``[glance_store] default_backend``. Checked before the image leaves
    ``queued``.
    """
    names = store.backend_names(req.state.conf)
    if not names:
        return None
    name = req.headers.get(STORE_HEADER)
    if name is None:
        return store.default_backend(req.state.conf)
    if name not in names:
        raise exception.Invalid(
            message="Store '%s' named by %s is not available on this "
                    "node; the stores are: %s." %
                    (name[:100], STORE_HEADER, ', '.join(names)))
    return name


def download(req):
    """``GET /v2/images/{image_id}/file``: the data, or a part of it."""
    image = image_handlers.find_image(req)
    policy.authorize(req, rules.DOWNLOAD_IMAGE, {'project_id': image.owner})
    if (image.status == image_domain.DEACTIVATED
            and not policy.is_admin(req)):
        raise exception.ImageDataForbidden(image_id=image.id,
                                           status=image.status)
    locations = image_db.get_locations(req.context, image.id)
    if not locations or image.size is None:
        return webob.Response(status=204, content_type=None)
    offset, length = _requested_span(req, image.size)
    image_store = req.state.service.services.image_store
    first = locations[0]
    try:
        chunks, sent_size = image_store.open(
            first['url'], offset, length,
            backend=(first['metadata'] or {}).get('store'))
    except Exception as exc:
        LOG.warning('Data of image %(id)s could not be read from the '
                    'store: %(error)s', {'id': image.id, 'error': exc})
        raise exception.ImageStoreUnavailable(
            action='read from', reason='the store did not give it.')
    response = webob.Response(status=200 if length is None else 206,
                              content_type=OCTET_STREAM)
    response.app_iter = _Sent(chunks, _send_payload(req, image),
                              req.state.conf,
                              counted=req.method != 'HEAD')
    # Set after app_iter, which resets them (webob).
    response.headers['Content-Length'] = str(sent_size)
    if length is None:
        # Glance's header: the md5 hex digest, which glanceclient and
        # openstacksdk compare with the md5 of what they received.
        if image.checksum:
            response.headers['Content-MD5'] = image.checksum
    else:
        response.headers['Content-Range'] = 'bytes %d-%d/%d' % (
            offset, offset + length - 1, image.size)
    return response


def _requested_span(req, size):
    """``(offset, length)`` of a Range request; ``(0, None)`` for all."""
    if 'Range' not in req.headers:
        return 0, None
    requested = req.range
    if requested is None:
        raise webob.exc.HTTPRequestRangeNotSatisfiable(
            explanation="The Range header '%s' is not understood; use "
                        "one range of bytes, as bytes=0-1023." %
                        req.headers['Range'][:100],
            headers={'Content-Range': 'bytes */%d' % size})
    span = requested.range_for_length(size)
    if span is None:
        raise webob.exc.HTTPRequestRangeNotSatisfiable(
            explanation='The range %s is outside the image data, which has '
                        '%d bytes.' % (requested, size),
            headers={'Content-Range': 'bytes */%d' % size})
    start, stop = span
    return start, stop - start


def _send_payload(req, image):
    """Glance's ``image.send`` payload, less ``bytes_sent``."""
    context = req.context
    return {'image_id': image.id, 'owner_id': image.owner,
            'receiver_tenant_id': context.project_id,
            'receiver_user_id': context.user_id,
            'destination_ip': req.remote_addr}


class _Sent:
    """The store's chunks as a response body; ``image.send`` on close.

    The WSGI server closes the body once it is sent, or once the client
    went away: the notification then counts the bytes really sent, and
    is committed to the outbox, from which the relay delivers it even if
    the message bus is down right now.
    """

    def __init__(self, chunks, payload, conf, counted=True):
        self._chunks = chunks
        self._payload = payload
        self._conf = conf
        self._counted = counted
        self._sent = 0

    def __iter__(self):
        for chunk in self._chunks:
            self._sent += len(chunk)
            yield chunk

    def close(self):
        close = getattr(self._chunks, 'close', None)
        if close is not None:
            close()
        if not self._counted:
            return
        payload = dict(self._payload, bytes_sent=self._sent)
        context = gt_context.get_admin_context()
        try:
            with db_api.context_manager.writer.using(context):
                events.enqueue(self._conf, context, IMAGE_SEND, payload,
                               notify_context={
                                   'user_id': payload['receiver_user_id'],
                                   'project_id':
                                       payload['receiver_tenant_id']})
        except Exception:
            # The data is sent; a lost meter sample is not worth an error
            # the client can no longer receive.
            LOG.exception('image.send of image %s could not be recorded.',
                          payload['image_id'])
