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

"""``location_import``: make a ``queued`` image active from data in a store.

The "add location from zero to more than one" edge of the image status
machine, done safely: ``queued → importing``, the data at the location is
read once to compute its size, md5 checksum and multihash (and compared
with ``validation_data`` when given) while its format is inspected, then
the location is recorded and the image goes ``importing → active`` in one
transaction. A failure puts the image back to ``queued``.

Input: ``{"image_id": ..., "url": ..., "validation_data": {"os_hash_algo":
..., "os_hash_value": ..., "checksum": ...}, "in_place": false}``. With
``in_place`` (what a legacy ``PATCH add /locations/-`` runs) the image
stays ``queued`` while its data is read and goes ``queued → active`` in
the last transaction, the seed's "add location" edge; an upload started
meanwhile wins, and the task fails. The image must belong to
the task's owner and have its disk and container formats set. ``url`` is a
glance_store URI: ``file://`` inside the filesystem store's directories,
``http(s)://`` through the import URL filtering, or the scheme of another
store enabled in ``[glance_store] stores``.
"""

import hashlib
import urllib.parse

from glance_store import exceptions as store_exc
from oslo_log import log as logging
from taskflow.patterns import linear_flow

from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.images import errors
from glance_tasks.images import fetch
from glance_tasks.images import inspect
from glance_tasks.images import recovery
from glance_tasks.images import url_filter
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types import base

LOG = logging.getLogger(__name__)

UUID_PATTERN = ('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
                '[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
HASH_ALGOS = ['sha1', 'sha256', 'sha384', 'sha512', 'sha3_256', 'sha3_384',
              'sha3_512', 'blake2b', 'blake2s']


class BeginImport(base.Atom):
    """Check the image and the location; ``queued → importing``."""

    default_provides = 'notify_context'

    def __init__(self, image_id, url, in_place=False):
        super().__init__(name='begin-location-import')
        self._image_id = image_id
        self._url = url
        self._in_place = in_place

    def _check_url(self, conf, store):
        safe = errors.safe_url(self._url)
        scheme = urllib.parse.urlsplit(self._url).scheme.lower()
        if scheme not in store.enabled_schemes():
            raise errors.LocationRefused(
                url=safe, reason='no enabled image store serves the %s '
                'scheme (enabled: %s).'
                % (scheme or '(none)', ', '.join(store.enabled_schemes())))
        if scheme in ('file', 'filesystem'):
            path = urllib.parse.unquote(
                urllib.parse.urlsplit(self._url).netloc
                + urllib.parse.urlsplit(self._url).path)
            if not store.contains(path):
                raise errors.LocationRefused(
                    url=safe, reason='file locations must lie in the '
                    'directory of the filesystem image store.')
        if scheme in ('http', 'https'):
            url_filter.check_url(conf, self._url)

    def execute(self, services, task_id):
        conf = services.conf
        context = services.admin_context
        task_row = task_db.get(context, task_id, include_expired=True)
        notify_context = services.notify_context
        image = image_lifecycle.get(context, self._image_id)
        if image is None or (task_row.owner is not None
                             and image.owner != task_row.owner):
            raise exception.ImageNotFound(image_id=self._image_id)
        if (image.status == image_domain.IMPORTING
                and task_row.image_id == image.id):
            return notify_context  # run again after a crash
        if image.status != image_domain.QUEUED:
            raise errors.LocationRefused(
                url=errors.safe_url(self._url),
                reason='image %s is %s; a location can only be added to a '
                'queued image.' % (image.id, image.status))
        if not (image.disk_format and image.container_format):
            raise errors.LocationRefused(
                url=errors.safe_url(self._url),
                reason='set the disk_format and container_format of image '
                '%s first.' % image.id)
        self._check_url(conf, services.image_store)
        with services.images.transaction(context):
            task_db.set_image(context, task_id, image.id)
            if not self._in_place:
                services.images.move(context, image, image_domain.IMPORTING,
                                     notify_context=notify_context)
        return notify_context

    def revert(self, services, task_id, result=None, **kwargs):
        if not isinstance(result, dict):
            return  # it failed before moving the image: nothing to undo
        context = services.admin_context
        image = image_lifecycle.get(context, self._image_id)
        if image is not None and image.status == image_domain.IMPORTING:
            services.images.move(context, image,
                                 image_domain.QUEUED, notify_context=result)


def _chunks_of(conf, store, url):
    """``(iterator of chunks, announced size or None, closer)``."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme in ('http', 'https'):
        source = fetch.open_source(conf, url, field="the location's url")
        opts = conf.image_import
        return (source.chunks(opts.max_image_size, opts.fetch_timeout),
                source.length, source.close)
    try:
        data, size = store.open(url)
    except store_exc.NotFound:
        raise errors.LocationRefused(url=errors.safe_url(url),
                                     reason='there is no data there.')
    except (store_exc.GlanceStoreException,
            store_exc.BackendException) as exc:
        raise errors.LocationRefused(url=errors.safe_url(url),
                                     reason=str(exc))
    return iter(data), size, getattr(data, 'close', lambda: None)


class VerifyData(base.Atom):
    """Read the data once: size, md5, multihash and format inspection."""

    default_provides = 'verified'

    def __init__(self, image_id, url, validation_data, in_place=False):
        super().__init__(name='verify-location-data')
        self._image_id = image_id
        self._url = url
        self._validation = dict(validation_data or {})
        self._expected = _working_status(in_place)

    def execute(self, services):
        conf = services.conf
        image = image_lifecycle.get(services.admin_context, self._image_id)
        if image is None or image.status != self._expected:
            raise errors.ImageGone(image_id=self._image_id,
                                   status='changed')
        algo = self._validation.get('os_hash_algo') or conf.hashing_algorithm
        md5 = hashlib.md5(usedforsecurity=False)
        multihash = hashlib.new(algo)
        cap = conf.image_import.max_image_size
        chunks, announced, close = _chunks_of(conf, services.image_store,
                                              self._url)
        inspection = inspect.Inspection(chunks, image.disk_format)
        size = 0
        try:
            for chunk in inspection:
                size += len(chunk)
                if size > cap:
                    raise errors.ImageTooLarge(
                        limit=cap, detail='more than that is at the '
                        'location')
                md5.update(chunk)
                multihash.update(chunk)
        finally:
            close()
            inspection.close()
        if announced is not None and size != announced:
            raise errors.SourceIncomplete(url=errors.safe_url(self._url),
                                          received=size, announced=announced)
        found = inspection.result(size)
        verified = {'size': size, 'checksum': md5.hexdigest(),
                    'os_hash_algo': algo,
                    'os_hash_value': multihash.hexdigest(),
                    'virtual_size': found['virtual_size']}
        for field in ('checksum', 'os_hash_value'):
            expected = self._validation.get(field)
            if expected and expected.lower() != verified[field]:
                raise errors.ValidationMismatch(
                    url=errors.safe_url(self._url), field=field,
                    actual=verified[field], expected=expected)
        return verified

    def revert(self, *args, **kwargs):
        """Nothing to undo: verification only reads."""


class AddLocation(base.Atom):
    """Record the location and the data's facts; ``importing → active``."""

    default_provides = base.RESULT

    def __init__(self, image_id, url, in_place=False):
        super().__init__(name='add-location')
        self._image_id = image_id
        self._url = url
        self._expected = _working_status(in_place)

    def execute(self, services, notify_context, verified):
        context = services.admin_context
        image = image_lifecycle.get(context, self._image_id)
        if image is not None and image.status == image_domain.ACTIVE:
            return {'image_id': self._image_id}  # run again after a crash
        if image is None or image.status != self._expected:
            raise errors.ImageGone(image_id=self._image_id,
                                   status='changed')
        with services.images.transaction(context):
            image_db.add_location(context, image.id, self._url, {})
            services.images.move(context, image, image_domain.ACTIVE,
                                 values=dict(verified),
                                 notify_context=notify_context)
        return {'image_id': self._image_id}

    def revert(self, *args, **kwargs):
        """Nothing to undo: it commits all it does at once, last."""


def _working_status(in_place):
    """The status of the image while its data is read."""
    return image_domain.QUEUED if in_place else image_domain.IMPORTING


def build_flow(task_id, task_input):
    """The flow factory named by :class:`LocationImport`."""
    image_id = task_input['image_id']
    url = task_input['url']
    in_place = task_input.get('in_place', False)
    flow = linear_flow.Flow('location-import-%s' % task_id)
    flow.add(BeginImport(image_id, url, in_place),
             VerifyData(image_id, url, task_input.get('validation_data'),
                        in_place),
             AddLocation(image_id, url, in_place))
    return flow


class LocationImport(base.TaskType):
    name = 'location_import'
    description = ('Activate a queued image whose data is already in a '
                   'store, after hashing it.')
    flow_factory = __name__ + '.build_flow'
    input_schema = {
        'type': 'object',
        'properties': {
            'image_id': {'type': 'string', 'pattern': UUID_PATTERN},
            'url': {'type': 'string', 'minLength': 1, 'maxLength': 4096},
            'validation_data': {
                'type': 'object',
                'properties': {
                    'os_hash_algo': {'enum': HASH_ALGOS},
                    'os_hash_value': {'type': 'string',
                                      'pattern': '^[0-9a-fA-F]+$',
                                      'maxLength': 128},
                    'checksum': {'type': 'string',
                                 'pattern': '^[0-9a-fA-F]{32}$'},
                },
                'dependencies': {'os_hash_algo': ['os_hash_value'],
                                 'os_hash_value': ['os_hash_algo']},
                'additionalProperties': False,
            },
            'in_place': {'type': 'boolean'},
        },
        'required': ['image_id', 'url'],
        'additionalProperties': False,
    }

    @classmethod
    def release_stranded(cls, services):
        """An ``importing`` image of an ended task: back to ``queued``.

        What the revert of ``begin-location-import`` does; nothing was
        written anywhere else before the location is recorded.
        """
        # An image importing under Glance's import lock is an
        # api_image_import's, released by that type's hook.
        return recovery.release(services, image_domain.IMPORTING,
                                image_domain.QUEUED,
                                unless_property='os_glance_import_task')
