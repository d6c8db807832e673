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

"""Converting staged image data with ``qemu-img convert``."""

import os

from oslo_concurrency import processutils
from oslo_log import log as logging

from glance_tasks.images import errors
from glance_tasks.images import inspect

LOG = logging.getLogger(__name__)

# qemu's names of the formats Glance names otherwise.
QEMU_NAMES = {'vhd': 'vpc'}


def qemu_env():
    """The environment of qemu-img: C locale, so errors are English."""
    return {'LC_ALL': 'C', 'LANG': 'C',
            'PATH': os.environ.get('PATH', os.defpath)}


def qemu_format(disk_format):
    if disk_format in inspect.RAW_DISK_FORMATS:
        return 'raw'
    return QEMU_NAMES.get(disk_format, disk_format)


def needed(source_format, target_format):
    """True when data in ``source_format`` must be converted."""
    return bool(target_format) and \
        qemu_format(source_format) != qemu_format(target_format)


def convert(source, source_format, dest, target_format):
    """Write ``source`` converted to ``target_format`` into ``dest``.

    The source format is given (``-f``), never probed: it was checked by
    the inspection before.
    """
    try:
        processutils.execute(
            'qemu-img', 'convert', '-f', qemu_format(source_format),
            '-O', qemu_format(target_format), source, dest,
            env_variables=qemu_env())
    except processutils.ProcessExecutionError as exc:
        raise errors.ConversionFailed(
            source=source_format, target=target_format,
            reason=(exc.stderr or exc.description or '').strip()
            or 'qemu-img convert failed')
    except OSError as exc:
        raise errors.ConversionFailed(source=source_format,
                                      target=target_format,
                                      reason='qemu-img could not run (%s)'
                                      % exc)
