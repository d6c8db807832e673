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

"""glance-download: an active image of another region, copied here.

The import call found the other region's image endpoint in the caller's
Keystone catalog (the task's input ``glance_endpoint``) and recorded the
caller's token in ``task_requesters``; the atoms read it there, never
from the flow's saved state, so a process taking the task over after a
crash has it too. Three atoms take the place of web-download's
``download``:

``import-metadata``
    ``GET <endpoint>/v2/images/<id>`` with the token: the remote image
    must be ``active``. Provides its size, hashes, formats and the
    properties named by ``[glance_download_properties]
    extra_properties``, with the undo record: this image's values before
    the change.
``set-metadata``
    Those formats and properties set on the image, in one update. Its
    revert applies the undo record (saved before anything was written,
    so a run again after a crash keeps it exact).
``glance-download``
    ``GET <endpoint>/v2/images/<id>/file`` into the staging file, by
    :func:`glance_tasks.images.fetch.download` (the import filtering,
    resumed transfers; the token goes to the endpoint's host only). The
    size must be the remote image's, and the data must match the remote
    image's ``os_hash_algo``/``os_hash_value`` when it has them (Glance
    checks the size only).
"""

import http.client
import json

from oslo_log import log as logging
from oslo_utils import units

from glance_tasks.conf import glance_download as gd_conf
from glance_tasks.db import requesters as requester_db
from glance_tasks import exception
from glance_tasks.i18n import _
from glance_tasks.images import errors as image_errors
from glance_tasks.images import fetch
from glance_tasks.images.import_plugins import inject_image_metadata
from glance_tasks.images import staging
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types.api_image_import import data

LOG = logging.getLogger(__name__)

# The largest remote image record read (Glance's are a few KiB).
MAX_METADATA = units.Mi
FIELD = 'glance_image_id'
METHOD = 'glance-download'
FORMATS = ('disk_format', 'container_format')
TOKEN_HEADER = 'X-Auth-Token'


class TokenRefused(image_errors.ImageTaskError):
    msg_fmt = _('The image service of region %(region)s refused the token '
                'of the user who started this import (HTTP %(status)d): it '
                'has expired or was revoked. Import the image again with '
                'glance-download.')


class RemoteImageNotFound(image_errors.ImageTaskError):
    msg_fmt = _('The source image %(remote_id)s was not found in region '
                '%(region)s (HTTP 404); check glance_image_id and '
                'glance_region.')


class RemoteNotActive(image_errors.ImageTaskError):
    msg_fmt = _('Source image status should be active instead of '
                '%(status)s')


class RemoteUnreadable(image_errors.ImageTaskError):
    msg_fmt = _('The image service of region %(region)s did not describe '
                'image %(remote_id)s as an image: %(reason)s.')


class SizeMismatch(image_errors.ImageTaskError):
    msg_fmt = _('%(received)d bytes of image %(remote_id)s arrived from '
                'region %(region)s, but the source image has %(size)d; the '
                'image stays queued. Import it again.')


class HashMismatch(image_errors.ImageTaskError):
    msg_fmt = _('The data of image %(remote_id)s downloaded from region '
                '%(region)s does not match the source image: its '
                '%(algo)s hash is %(actual)s, the source image says '
                '%(expected)s. The image stays queued; import it again.')


class TokenMissing(image_errors.ImageTaskError):
    msg_fmt = _('The token of the user who started this import is not '
                'recorded (the task started before this service could '
                'keep it); import the image again with glance-download.')


def token_of(services, task_id):
    """The token of the user who started ``task_id``, from the table."""
    requester = requester_db.get(services.admin_context, task_id)
    if requester is None or not requester.auth_token:
        raise TokenMissing()
    return requester.auth_token


def copied_properties(conf, remote):
    """The remote image's properties a glance-download copies.

    Those whose names start with a prefix of ``[glance_download_properties]
    extra_properties``; never the reserved ``os_glance`` namespace nor an
    image field (``os_hash_value``, ``os_hidden``, ...), and only string
    values (what extra properties are).
    """
    prefixes = conf.glance_download_properties.extra_properties
    return {name: value for name, value in remote.items()
            if isinstance(value, str)
            and any(name.startswith(prefix) for prefix in prefixes if prefix)
            and not name.startswith(gd_conf.RESERVED_NAMESPACE)
            and name not in inject_image_metadata.NOT_PROPERTIES}


class _Remote(data._Step):
    """An atom calling the other region's image service for this task."""

    def __init__(self, name, image_id, remote, endpoint, **kwargs):
        super().__init__(name, image_id, METHOD, **kwargs)
        self.remote_id = remote['glance_image_id']
        self.region = remote['glance_region']
        self.endpoint = endpoint

    def url(self, suffix=''):
        return '%s/v2/images/%s%s' % (self.endpoint, self.remote_id, suffix)

    def refused(self, exc):
        """The error of a remote's HTTP answer, in this method's words."""
        status = exc.kwargs.get('status')
        if status in (401, 403):
            return TokenRefused(region=self.region, status=status)
        if status == 404:
            return RemoteImageNotFound(remote_id=self.remote_id,
                                       region=self.region)
        return exc


def _read_json(source, what):
    body = bytearray()
    view = memoryview(bytearray(64 * units.Ki))
    while True:
        count = source.readinto(view)
        if not count:
            break
        body += view[:count]
        if len(body) > MAX_METADATA:
            raise what('the answer is larger than %d bytes' % MAX_METADATA)
    try:
        record = json.loads(bytes(body).decode('utf-8'))
    except ValueError:
        raise what('the answer is not JSON') from None
    if not isinstance(record, dict):
        raise what('the answer is not a JSON object')
    return record


class ImportMetadata(_Remote):
    """The remote image's record, and what copying it here will change.

    It only reads: the remote image (which must be ``active``) and this
    image's formats and properties as they are before any change, so
    that the undo record :class:`SetMetadata`'s revert uses is saved by
    TaskFlow before anything is written (a run again after a crash reads
    the same, nothing having changed).
    """

    default_provides = 'remote_image'

    def __init__(self, image_id, remote, endpoint):
        super().__init__('import-metadata', image_id, remote, endpoint)

    def execute(self, services, task_id):
        image, properties = self.claimed(services, task_id)
        remote = self._fetch(services, token_of(services, task_id))
        if remote.get('status') != 'active':
            raise RemoteNotActive(status=remote.get('status'))
        try:
            size = int(remote['size'])
        except (KeyError, TypeError, ValueError):
            raise RemoteUnreadable(region=self.region,
                                   remote_id=self.remote_id,
                                   reason='its size is not a number')
        values = {}
        for name in FORMATS:
            values[name] = remote.get(name)
            if not isinstance(values[name], str) or not values[name]:
                raise RemoteUnreadable(
                    region=self.region, remote_id=self.remote_id,
                    reason='it has no %s' % name)
        wanted = copied_properties(services.conf, remote)
        return {'size': size,
                'os_hash_algo': remote.get('os_hash_algo'),
                'os_hash_value': remote.get('os_hash_value'),
                'values': values, 'properties': wanted,
                'undo': {
                    'values': {name: getattr(image, name)
                               for name in FORMATS},
                    'added': sorted(name for name in wanted
                                    if name not in properties),
                    'replaced': {name: properties[name] for name in wanted
                                 if name in properties
                                 and properties[name] != wanted[name]}}}

    def _fetch(self, services, token):
        conf = services.conf

        def unreadable(reason):
            return RemoteUnreadable(region=self.region,
                                    remote_id=self.remote_id, reason=reason)
        try:
            with fetch.open_source(
                    conf, self.url(), conf.image_import.fetch_timeout,
                    headers={'Accept': 'application/json'}, field=FIELD,
                    auth_headers={TOKEN_HEADER: token}) as source:
                return _read_json(source, unreadable)
        except image_errors.SourceHTTPError as exc:
            raise self.refused(exc) from None
        except (OSError, http.client.HTTPException) as exc:
            raise unreadable('the connection failed (%s)' % exc) from None

    def revert(self, *args, **kwargs):
        """Nothing to undo: it only reads."""


class SetMetadata(data._Step):
    """The remote image's formats and properties set here, in one update.

    Its revert applies the undo record :class:`ImportMetadata` saved:
    the formats as they were, the properties it replaced given their
    value back, those it added removed. Both are idempotent.
    """

    def __init__(self, image_id):
        super().__init__('set-metadata', image_id, METHOD)

    def execute(self, services, task_id, remote_image):
        self.claimed(services, task_id)
        services.images.update(
            services.admin_context, self.image_id, image_lifecycle.Changes(
                values=dict(remote_image['values']),
                set_properties=dict(remote_image['properties'])),
            notify_context=services.notify_context)
        LOG.info('Image %(image)s: formats and %(count)d properties copied '
                 'from the remote image.',
                 {'image': self.image_id,
                  'count': len(remote_image['properties'])})

    def revert(self, services, remote_image=None, **kwargs):
        if not remote_image:
            return
        undo = remote_image['undo']
        changes = image_lifecycle.Changes(
            values=dict(undo['values']),
            set_properties=dict(undo['replaced']),
            removed_properties=frozenset(undo['added']))
        try:
            services.images.update(services.admin_context, self.image_id,
                                   changes,
                                   notify_context=services.notify_context)
        except exception.ImageNotFound:
            return  # deleted meanwhile: its properties went with it
        LOG.info('Image %s: what glance-download copied to it is undone.',
                 self.image_id)


class GlanceDownload(_Remote):
    """The remote image's data fetched to the staging file, checked."""

    default_provides = 'staged'

    def __init__(self, image_id, remote, endpoint):
        super().__init__('glance-download', image_id, remote, endpoint)

    def execute(self, services, task_id, remote_image):
        conf = services.conf
        image, _properties = self.claimed(services, task_id)
        token = token_of(services, task_id)
        path = staging.path_of(conf, self.image_id)
        count = self.progress(services, task_id)
        try:
            size = fetch.download(
                conf, self.url('/file'), path, data.size_cap(conf),
                conf.image_import.fetch_timeout,
                validation_data=_validation_of(remote_image),
                progress=count.at, field=FIELD,
                auth_headers={TOKEN_HEADER: token})
        except image_errors.SourceHTTPError as exc:
            raise self.refused(exc) from None
        except image_errors.DataHashMismatch as exc:
            raise HashMismatch(remote_id=self.remote_id, region=self.region,
                               algo=exc.kwargs['algo'],
                               actual=exc.kwargs['actual'],
                               expected=exc.kwargs['expected']) from None
        count.report()
        if size != remote_image['size']:
            raise SizeMismatch(received=size, size=remote_image['size'],
                               remote_id=self.remote_id, region=self.region)
        LOG.info('Image %(image)s: %(size)d bytes downloaded from image '
                 '%(remote)s of region %(region)s.',
                 {'image': self.image_id, 'size': size,
                  'remote': self.remote_id, 'region': self.region})
        return {'path': path, 'disk_format': image.disk_format}

    def revert(self, services, **kwargs):
        staging.remove_file(staging.path_of(services.conf, self.image_id))


def _validation_of(remote_image):
    """The remote image's multihash, when it has one this service knows."""
    algo = remote_image.get('os_hash_algo')
    value = remote_image.get('os_hash_value')
    if not isinstance(value, str) or not value or \
            algo not in fetch.HASH_ALGOS:
        return None
    return {'os_hash_algo': algo, 'os_hash_value': value}
