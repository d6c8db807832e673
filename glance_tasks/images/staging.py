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

"""Staging files of an import, under ``[image_import] work_dir``."""

import contextlib
import os

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def work_dir(conf):
    path = conf.image_import.work_dir
    os.makedirs(path, exist_ok=True)
    return path


def path_of(conf, image_id, suffix=''):
    """Where the data of ``image_id`` is staged (``suffix``: converted)."""
    return os.path.join(work_dir(conf), image_id + suffix)


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
