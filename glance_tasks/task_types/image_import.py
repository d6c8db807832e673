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

"""``import``: create an image and fill it with data fetched from a URL.

Glance's input: ``{"import_from": URL, "import_from_format": fmt,
"image_properties": {...}}``. The flow, one atom per step, each with a
``revert`` undoing exactly its own effect:

=================  ==========================  ==============================
atom               does                        revert
=================  ==========================  ==============================
``create-image``   URL filtering and formats   deletes the image if it is
                   checked; image ``queued``,  still ``queued`` (nothing was
                   owner = task owner, task's  fetched)
                   ``image_id`` set
``fetch``          ``queued → saving``,        staged files removed,
                   streams the URL to the      ``saving → killed``
                   work dir, size cap
``inspect``        real format, safety,        nothing to undo
                   ``virtual_size``
``convert``        ``qemu-img convert`` (only  converted file removed
                   with ``conversion_format``)
``store``          glance_store write with     store data and location
                   size, md5, multihash;       removed, hashes cleared
                   ``image.upload``
``activate``       ``saving → active``         nothing to undo
=================  ==========================  ==============================

So a failure before any data arrived deletes the image; a failure after
leaves it ``killed`` with its partial data and staged files removed. Atoms
are idempotent: after a crash TaskFlow runs the interrupted one again.
"""

from oslo_log import log as logging
from oslo_utils import uuidutils
from taskflow.patterns import linear_flow

from glance_tasks.db import images as image_db
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import image as image_domain
from glance_tasks import exception
from glance_tasks.images import convert
from glance_tasks.images import errors
from glance_tasks.images import fetch
from glance_tasks.images import inspect
from glance_tasks.images import properties as image_props
from glance_tasks.images import recovery
from glance_tasks.images import staging
from glance_tasks.images import url_filter
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types import base

LOG = logging.getLogger(__name__)

# Formats whose data the inspection can check.
IMPORT_FORMATS = ['raw', 'qcow2', 'vhd', 'vhdx', 'vmdk', 'vdi', 'iso',
                  'ami', 'ari', 'aki']


def _current(context, image_id, *statuses):
    """The image if it is in one of ``statuses``, else ImageGone."""
    image = image_lifecycle.get(context, image_id)
    if image is None:
        raise errors.ImageGone(image_id=image_id, status='deleted')
    if image.status not in statuses:
        raise errors.ImageGone(image_id=image_id,
                               status='moved to %s' % image.status)
    return image


def _advance(images, context, image_id, from_status, to_status,
             notify_context, done, properties=None):
    """Move the image ``from_status`` → ``to_status`` by compare-and-swap.

    No read first: the swap checks the status itself. An image found
    already in one of the ``done`` statuses (this atom ran before a crash)
    is fine; any other status means someone else moved it: ImageGone.
    """
    try:
        return images.move(
            context, image_domain.Image(id=image_id, status=from_status),
            to_status, notify_context=notify_context,
            properties=properties)
    except exception.ImageStatusConflict:
        return _current(context, image_id, *done)
    except exception.ImageNotFound:
        raise errors.ImageGone(image_id=image_id, status='deleted')


def _same_data_format(a, b):
    raw = inspect.RAW_DISK_FORMATS
    return a == b or (a in raw and b in raw)


def check_source(conf, url, source_format, disk_format):
    """Refuse a URL or a format combination before creating anything."""
    parts = url_filter.check_url(conf, url)
    if parts.scheme.lower() != 'file':
        url_filter.resolve(conf, parts, url)
    target = conf.image_import.conversion_format
    if (disk_format and not convert.needed(source_format, target)
            and not _same_data_format(disk_format, source_format)):
        raise errors.InvalidImportInput(
            reason='image_properties.disk_format is %s but '
                   'import_from_format is %s, and this cloud does not '
                   'convert images to %s. Make them agree.'
                   % (disk_format, source_format, disk_format))


class CreateImage(base.Atom):
    """Check the source; create the ``queued`` image; tie it to the task.

    The image id is recorded on the task in the same transaction, so a run
    again after a crash finds the image instead of creating a second one.
    A source the filtering refuses creates no image at all.
    """

    default_provides = ('image_id', 'notify_context')

    def __init__(self, import_from, source_format, image_properties):
        super().__init__(name='create-image')
        self._url = import_from
        self._source_format = source_format
        self._properties = dict(image_properties)

    def _values(self):
        values = {name: self._properties[name]
                  for name in image_props.BASE_PROPERTIES
                  if name in self._properties}
        values.setdefault('disk_format', self._source_format)
        values.setdefault('container_format', 'bare')
        return values, image_props.extra(self._properties)

    def execute(self, services, task_id):
        conf = services.conf
        context = services.admin_context
        task_row = task_db.get(context, task_id, include_expired=True)
        # Image events of a task carry the ids of the request that made it.
        notify_context = services.notify_context
        if task_row.image_id:
            # Run again after a crash: the image was already created.
            _current(context, task_row.image_id, image_domain.QUEUED,
                     image_domain.SAVING)
            return task_row.image_id, notify_context
        check_source(conf, self._url, self._source_format,
                     self._properties.get('disk_format'))
        values, extra = self._values()
        values.update(id=uuidutils.generate_uuid(), owner=task_row.owner)
        image = services.images.create(context, values, extra,
                                       task_id=task_id,
                                       notify_context=notify_context)
        LOG.info('Task %s created image %s.', task_id, image.id)
        return image.id, notify_context

    def revert(self, services, task_id, result=None, flow_failures=None,
               **kwargs):
        context = services.admin_context
        if self.failed(result):
            task_row = task_db.get(context, task_id, include_expired=True)
            image_id = task_row.image_id
            notify_context = services.notify_context
        else:
            image_id, notify_context = result
        image = image_lifecycle.get(context, image_id) if image_id else None
        # Only an image still without data is deleted; once data arrived
        # the fetch's revert left it killed, as Glance does.
        if image is not None and image.status == image_domain.QUEUED:
            services.images.delete(context, image,
                                   notify_context=notify_context)
            LOG.info('Task %s deleted image %s: no data was fetched.',
                     task_id, image_id)


class FetchData(base.Atom):
    """Stream the source into the work dir; the image goes to ``saving``."""

    default_provides = 'staged'

    def __init__(self, import_from, properties):
        super().__init__(name='fetch')
        self._url = import_from
        self._properties = properties

    def execute(self, services, image_id, notify_context):
        conf = services.conf
        context = services.admin_context
        path = staging.path_of(conf, image_id)
        saving = []

        def data_arrived(received=None):
            # Data is coming: saving (already so if this runs again).
            if not saving:
                saving.append(_advance(
                    services.images, context, image_id, image_domain.QUEUED,
                    image_domain.SAVING, notify_context,
                    done=(image_domain.SAVING,),
                    properties=self._properties))

        opts = conf.image_import
        size = fetch.download(conf, self._url, path, opts.max_image_size,
                              opts.fetch_timeout, progress=data_arrived,
                              field='import_from')
        data_arrived()  # an empty image too
        LOG.info('Image %s: fetched %d bytes.', image_id, size)
        return {'path': path, 'size': size}

    def revert(self, services, image_id, notify_context, result=None,
               **kwargs):
        conf = services.conf
        context = services.admin_context
        staging.remove(conf, image_id)
        image = image_lifecycle.get(context, image_id)
        if image is not None and image.status == image_domain.SAVING:
            services.images.move(context, image, image_domain.KILLED,
                                 notify_context=notify_context,
                                 properties=self._properties)
            LOG.info('Image %s killed: its data could not be imported.',
                     image_id)


class InspectData(base.Atom):
    """Check the real format and safety of the staged data."""

    default_provides = 'inspection'

    def __init__(self, source_format):
        super().__init__(name='inspect')
        self._source_format = source_format

    def execute(self, staged):
        found = inspect.inspect(staged['path'], self._source_format)
        LOG.debug('Staged file %s: %s', staged['path'], found)
        return found

    def revert(self, *args, **kwargs):
        """Nothing to undo: inspection only reads."""


class ConvertData(base.Atom):
    """Convert to ``[image_import] conversion_format``, if it is set.

    Always in the flow: the option is read when the atom runs, by the
    engine that runs it, so the flow is the same whichever process
    builds it. Unset, or already in that format, the data stays as it is
    (the result is None).
    """

    default_provides = 'converted'

    def __init__(self):
        super().__init__(name='convert')

    def execute(self, services, image_id, staged, inspection):
        conf = services.conf
        target = conf.image_import.conversion_format
        source_format = inspection['format']
        if not convert.needed(source_format, target):
            return None
        cap = conf.image_import.max_image_size
        if target == 'raw' and (inspection['virtual_size'] or 0) > cap:
            raise errors.ImageTooLarge(
                limit=cap, detail='its virtual size, %d bytes, is what '
                'conversion to raw would store'
                % inspection['virtual_size'])
        dest = staging.path_of(conf, image_id, '.' + target)
        convert.convert(staged['path'], source_format, dest, target)
        size = staging.size_of(dest)
        if size > cap:
            raise errors.ImageTooLarge(
                limit=cap, detail='converted to %s it has %d bytes'
                % (target, size))
        LOG.info('Image %s converted from %s to %s.', image_id,
                 source_format, target)
        return {'path': dest, 'disk_format': target}

    def revert(self, services, image_id, result=None, **kwargs):
        if isinstance(result, dict):
            staging.remove_file(result['path'])
            return
        # It failed (or ran before a crash): a partial file may remain.
        target = services.conf.image_import.conversion_format
        if target:
            staging.remove_file(staging.path_of(services.conf, image_id,
                                                '.' + target))


class StoreData(base.Atom):
    """Write the data to glance_store; record location, size and hashes."""

    default_provides = 'stored'

    def __init__(self, properties):
        super().__init__(name='store')
        self._properties = properties

    def execute(self, services, image_id, notify_context, staged, inspection,
                converted=None):
        conf = services.conf
        context = services.admin_context
        store = services.image_store
        image = _current(context, image_id, image_domain.SAVING)
        recorded = image.checksum and image_db.get_locations(context,
                                                             image_id)
        if recorded:
            # Run again after a crash: the upload was already recorded.
            staging.remove(conf, image_id)
            return {'location': recorded[0]['url']}
        data = converted or staged
        stored = store.add(image_id, data['path'])
        values = {'virtual_size': inspection['virtual_size']}
        if converted:
            values['disk_format'] = converted['disk_format']
        try:
            services.images.record_upload(context, image_id, stored, values,
                                          notify_context=notify_context,
                                          properties=self._properties)
        except Exception:
            store.delete(stored['location'])
            raise
        staging.remove(conf, image_id)
        LOG.info('Image %s stored: %d bytes, %s %s.', image_id,
                 stored['size'], stored['os_hash_algo'],
                 stored['os_hash_value'])
        return {'location': stored['location']}

    def revert(self, services, image_id, result=None, **kwargs):
        context = services.admin_context
        store = services.image_store
        uris = []
        if not self.failed(result):
            uris.append(result['location'])
        if image_lifecycle.get(context, image_id) is not None:
            uris.extend(services.images.forget_upload(context, image_id))
        remove_stored(store, image_id, uris)


def remove_stored(store, image_id, uris):
    """Delete the data at ``uris`` and any partial write of the image."""
    for uri in dict.fromkeys(uris):
        store.delete(uri)
    store.discard(image_id)


class ActivateImage(base.Atom):
    """``saving → active``; the task's result names the image."""

    default_provides = base.RESULT

    def __init__(self, properties):
        super().__init__(name='activate')
        self._properties = properties

    def execute(self, services, image_id, notify_context, stored):
        context = services.admin_context
        _advance(services.images, context, image_id, image_domain.SAVING,
                 image_domain.ACTIVE, notify_context,
                 done=(image_domain.ACTIVE,), properties=self._properties)
        return {'image_id': image_id}

    def revert(self, *args, **kwargs):
        """Nothing to undo: nothing runs after the image is active."""


def build_flow(task_id, task_input):
    """The flow factory named by :class:`Import`."""
    source_format = task_input['import_from_format']
    requested = task_input['image_properties']
    # Extra properties do not change during the import: the atoms know
    # them for the notifications without reading them back.
    extra = image_props.extra(requested)
    flow = linear_flow.Flow('import-%s' % task_id)
    flow.add(CreateImage(task_input['import_from'], source_format,
                         requested),
             FetchData(task_input['import_from'], extra),
             InspectData(source_format),
             ConvertData(),
             StoreData(extra),
             ActivateImage(extra))
    return flow


class Import(base.TaskType):
    name = 'import'
    description = ('Create an image and import its data from a URL '
                   '(Glance\'s import task).')
    flow_factory = __name__ + '.build_flow'
    input_schema = {
        'type': 'object',
        'properties': {
            'import_from': {'type': 'string', 'minLength': 1,
                            'maxLength': 4096},
            'import_from_format': {'enum': IMPORT_FORMATS},
            'image_properties': image_props.IMAGE_PROPERTIES_SCHEMA,
        },
        'required': ['import_from', 'import_from_format',
                     'image_properties'],
        'additionalProperties': False,
    }

    @classmethod
    def release_stranded(cls, services):
        """A ``saving`` image of an ended task: what the reverts do.

        The fetch's and the store's reverts: ``saving → killed``, the
        location, size and hashes dropped, then the staged files and the
        stored data removed.
        """
        def remove_data(image_id, dropped):
            staging.remove(services.conf, image_id)
            remove_stored(services.image_store, image_id, dropped)
        return recovery.release(services, image_domain.SAVING,
                                image_domain.KILLED, drop_upload=True,
                                after=remove_data)
