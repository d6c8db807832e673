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

"""The staging area: data of an import, before it reaches the store.

One file per image, ``<staging dir>/<image_id>`` (with a suffix for
converted data). The staging dir is Glance's ``[os_glance_staging_store]
filesystem_store_datadir`` when set, else ``[image_import] work_dir``.
``PUT /v2/images/{id}/stage`` writes there (:func:`write`), the
``import`` and ``api_image_import`` tasks read and fetch there, and
:func:`remove` takes every file of an image away.

A stage writes its own file first, ``<image_id>.part-<attempt>``
(:func:`part_path`, the attempt named after the stager's upload lease:
:func:`glance_tasks.engine.ownership.tag`),
and :func:`publish` renames it to :func:`path_of` only once the stager
has proven, in the transaction that ends the stage, that the image is
still its own. So a stager that lost its lease (and the image to
another stager) never writes, renames or removes anything but its own
part file.
"""

import contextlib
import errno
import os

from oslo_log import log as logging

from glance_tasks.common import files
from glance_tasks.engine import ownership
from glance_tasks.images import errors

LOG = logging.getLogger(__name__)


def work_dir(conf):
    """The staging directory, created if missing."""
    path = (conf.os_glance_staging_store.filesystem_store_datadir
            or conf.image_import.work_dir)
    os.makedirs(path, exist_ok=True)
    return path


def path_of(conf, image_id, suffix=''):
    """Where the data of ``image_id`` is staged (``suffix``: converted)."""
    return os.path.join(work_dir(conf), image_id + suffix)


def part_path(conf, image_id, uploader):
    """The file a stage by ``uploader`` writes before :func:`publish`."""
    return path_of(conf, image_id, '.part-' + ownership.tag(uploader))


def publish(conf, image_id, part):
    """Make the part file ``part`` the staged data of ``image_id``.

    An atomic rename, replacing whatever an earlier attempt left there;
    the directory is synced so the rename survives a crash. Call it
    only while the image is provably the caller's (its row locked, in
    the transaction that records the end of the stage).
    """
    path = path_of(conf, image_id)
    files.rename_durably(part, path)
    return path


def remove(conf, image_id):
    """Remove every staged file of ``image_id``; the names removed."""
    removed = []
    directory = work_dir(conf)
    for name in os.listdir(directory):
        if name == image_id or name.startswith(image_id + '.'):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, name))
                removed.append(name)
    if removed:
        LOG.debug('Removed staged files %s', ', '.join(removed))
    return removed


def remove_file(path):
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def size_of(path):
    return os.path.getsize(path)


def write(conf, image_id, chunks, path=None):
    """Write ``chunks`` as the staged data of ``image_id``; its size.

    ``path``: the file to write (a stage's :func:`part_path`; default
    :func:`path_of`). Replaces what an earlier attempt left in that file.
    What ``chunks`` raises is
    raised again; a full disk is :class:`~glance_tasks.images.errors.
    WorkDirFull`. Either way the partial file is the caller's to remove
    (:func:`remove`), with the status move that gives the image back.
    The data is on disk (fsync) when this returns: the import that reads
    it may run in another process, after this one died.
    """
    written = 0
    path = path or path_of(conf, image_id)
    try:
        with open(path, 'wb') as staged:
            for chunk in chunks:
                staged.write(chunk)
                written += len(chunk)
            staged.flush()
            os.fsync(staged.fileno())
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise errors.WorkDirFull(received=written) from None
        raise
    return written
