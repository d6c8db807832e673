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

"""The interoperable import: stage, import, and ``/v2/info/import``.

``PUT /v2/images/{id}/stage`` streams the data into the staging area
(:func:`glance_tasks.images.upload.stage`): ``queued → uploading``.
``POST /v2/images/{id}/import`` starts an ``api_image_import`` task: in
one transaction the task is created, the image's import lock
(``os_glance_import_task``) taken and the image moved (``uploading →
importing`` for glance-direct, ``queued → importing`` for web-download;
copy-image leaves it ``active``); the executor is told once that
committed. Glance's preconditions and messages throughout.
"""

import os

from oslo_log import log as logging
import webob
import webob.exc

from glance_tasks.api.handlers import image_data
from glance_tasks.api.handlers import images as image_handlers
from glance_tasks.api import import_request
from glance_tasks.api import policy
from glance_tasks.api import util
from glance_tasks.conf import interop_import
from glance_tasks.db import requesters as requester_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.images import errors
from glance_tasks.images import staging
from glance_tasks.images import upload as image_upload
from glance_tasks.images import url_filter
from glance_tasks.policies import images as rules

LOG = logging.getLogger(__name__)

TASK_TYPE = 'api_image_import'
IMPORTING_TO_STORES = 'os_glance_importing_to_stores'


def stage(req):
    """``PUT /v2/images/{image_id}/stage``: 204 once the data is staged."""
    conf = req.state.conf
    if interop_import.GLANCE_DIRECT not in conf.enabled_import_methods:
        raise exception.ImportMethodUnavailable(
            method=interop_import.GLANCE_DIRECT)
    image = image_handlers.find_image(req)
    policy.authorize(req, rules.MODIFY_IMAGE, {'project_id': image.owner})
    if req.content_type != image_data.OCTET_STREAM:
        raise webob.exc.HTTPUnsupportedMediaType(
            explanation="Content-Type '%s' is not supported; send image "
                        "data as %s." % (req.content_type or '(none)',
                                         image_data.OCTET_STREAM))
    image_upload.stage(image_handlers.lifecycle(req), req.context, image,
                       req.body_file_raw, req.content_length,
                       lease=req.state.service.upload_lease)
    return util.no_content()


def import_info(req):
    """``GET /v2/info/import``: the import methods, as Glance lists them."""
    return util.json_response({'import-methods': {
        'description': 'Import methods available.',
        'type': 'array',
        'value': list(req.state.conf.enabled_import_methods)}})


def import_image(req):
    """``POST /v2/images/{image_id}/import``: 202, the task started."""
    conf = req.state.conf
    request = import_request.parse(util.json_body(req), conf)
    method = request['method']['name']
    image = image_handlers.find_image(req)
    policy.authorize(req, rules.COPY_IMAGE if method ==
                     interop_import.COPY_IMAGE else rules.MODIFY_IMAGE,
                     {'project_id': image.owner})
    # Refused at once as Glance does; checked again under the row lock.
    _check_status(image, method)
    backend = import_request.targets(
        conf, request, req.headers.get(import_request.STORE_HEADER),
        existing=image_handlers.stores_of(req, image))
    if backend == []:
        LOG.info('Image %s is in every store already; nothing to copy.',
                 image.id)
        return _accepted()
    if method == interop_import.WEB_DOWNLOAD:
        _check_uri(conf, request['method']['uri'])
    endpoint = None
    if method == interop_import.GLANCE_DOWNLOAD:
        endpoint = _remote_endpoint(req, request['method'])
    _start_task(req, image, request, backend, endpoint)
    return _accepted()


def _remote_endpoint(req, method):
    """glance-download: the other region's image endpoint, or a 400.

    Glance looks the endpoint up when the task runs, and fails the task
    when there is none; it is resolved here, from the caller's catalog,
    so that a wrong region is said at once. The URL the data will come
    from must pass the import filtering, as a web-download's.
    """
    import_request.glance_download(method)
    if req.state.conf.api.auth_strategy != 'keystone':
        raise exception.Invalid(
            message='The glance-download import method needs [api] '
                    'auth_strategy = keystone: it finds the other '
                    "region's image service in the caller's Keystone "
                    'catalog and calls it with their token, and this '
                    'service runs without Keystone.')
    region = method['glance_region']
    interface = method['glance_service_interface']
    endpoint = import_request.glance_endpoint(
        req.context.service_catalog, region, interface)
    if endpoint is None:
        raise exception.Invalid(
            message="No image service endpoint of region '%s' with "
                    "interface '%s' is in your Keystone service catalog; "
                    "check glance_region and glance_service_interface."
                    % (region, interface))
    _check_uri(req.state.conf, '%s/v2/images/%s/file' % (
        endpoint, method['glance_image_id']))
    return endpoint


def _accepted():
    return webob.Response(status=202, content_type=None)


def _check_uri(conf, uri):
    """400 for a URL the import filtering plainly refuses.

    Only what the URL itself shows (scheme, host, port, file directory);
    what its host resolves to is checked by the task, which fails
    saying why.
    """
    try:
        url_filter.check_url(conf, uri)
    except errors.URLRefused as exc:
        raise exception.Invalid(message=exc.message) from None


def _check_status(image, method):
    """Glance's 409s for an import the image's status does not allow."""
    status = image.status
    if status == image_domain.ACTIVE and method != interop_import.COPY_IMAGE:
        reason = 'Image with status active cannot be target for import'
    elif status != image_domain.ACTIVE and (
            method == interop_import.COPY_IMAGE):
        reason = 'Only images with status active can be targeted for copying'
    elif (status != image_domain.QUEUED
          and method in (interop_import.WEB_DOWNLOAD,
                         interop_import.GLANCE_DOWNLOAD)):
        reason = ("Image needs to be in 'queued' state to use '%s' method"
                  % method)
    elif (status != image_domain.UPLOADING
          and method == interop_import.GLANCE_DIRECT):
        reason = ("Image needs to be staged before 'glance-direct' method "
                  "can be used")
    elif not image.container_format:
        reason = "'container_format' needs to be set before import"
    elif not image.disk_format:
        reason = "'disk_format' needs to be set before import"
    else:
        return
    raise exception.ImportNotAllowed(reason=reason)


def _checker(conf, method):
    """The preconditions, as checked on the locked row."""

    def check(image, properties, uploader):
        _check_status(image, method)
        if method != interop_import.GLANCE_DIRECT:
            return
        if uploader is not None:
            raise exception.ImportNotAllowed(
                reason='The data of image %s is still being staged; import '
                       'it once its stage call has answered.' % image.id)
        if not os.path.exists(staging.path_of(conf, image.id)):
            raise exception.ImportNotAllowed(
                reason='Image %s has no staged data in the staging area of '
                       'this service; stage it again (staging must be a '
                       'directory every API process shares).' % image.id)
    return check


def _to_status(method):
    return {interop_import.GLANCE_DIRECT: image_domain.IMPORTING,
            interop_import.WEB_DOWNLOAD: image_domain.IMPORTING,
            interop_import.GLANCE_DOWNLOAD: image_domain.IMPORTING}.get(
                method)


def _start_task(req, image, request, backend, endpoint=None):
    """Create the task and take the image's lock in one transaction.

    The requester (user, roles; for glance-download the token) is
    recorded with it: whichever engine runs the task reads them there.
    """
    method = request['method']['name']
    service = req.state.service
    images = image_handlers.lifecycle(req)
    task_input = {'image_id': image.id, 'import_req': request,
                  'backend': backend}
    token = None
    if endpoint is not None:
        task_input['glance_endpoint'] = endpoint
        token = req.context.auth_token
    properties = {}
    if backend is not None:
        properties[IMPORTING_TO_STORES] = ','.join(backend)

    def claim(context, task):
        images.claim_import(context, image.id, task,
                            to_status=_to_status(method),
                            check=_checker(req.state.conf, method),
                            set_properties=properties)
        requester_db.record(context, task.id, req.context.user_id,
                            req.context.roles, auth_token=token)
    try:
        return service.create_task(req.context, TASK_TYPE, task_input,
                                   image_id=image.id, also=claim)
    except (exception.UnknownTaskType, exception.TaskTypeDisabled):
        LOG.error('Image import needs the task type %s, which is not '
                  'enabled ([task] enabled_task_types).', TASK_TYPE)
        raise exception.ImportMethodUnavailable(method=method) from None
