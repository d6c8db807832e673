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

"""``image_conversion``: ``qemu-img convert`` to ``[image_conversion]
output_format``.

The data's real format is checked first with the same inspection as every
import (:mod:`glance_tasks.images.inspect`): it must be the format the
data dict (or else the image) claims, with no backing file, external data
file or other unsafe feature, before ``qemu-img`` ever reads it. Data
already in the target format, and ISO images (Glance keeps those as they
are), pass on untouched. The converted file is written beside the source
as ``<source>.<format>`` (so removing the image's staged files removes it
too), inspected again (``qemu-img`` must have written what was asked),
and checked against ``[image_import] max_image_size``. The source file is
kept: after a crash the atom runs again from it; the flow removes all
staged files at its end.
"""

from oslo_log import log as logging

from glance_tasks.images import convert
from glance_tasks.images import errors
from glance_tasks.images.import_plugins import base
from glance_tasks.images import inspect
from glance_tasks.images import staging

LOG = logging.getLogger(__name__)

# Kept as they are whatever the output format, as Glance does.
UNCONVERTED = frozenset({'iso'})


def converted_path(data, target):
    return '%s.%s' % (data['path'], target)


def _check_converted(dest, source_format, target):
    """What qemu-img wrote must be what was asked, and safe.

    A format hidden inside another (a qcow2 as the data of a qcow2) would
    come out as the inner one: refused, as Glance does.
    """
    try:
        inspect.inspect(dest, target)
    except errors.FormatMismatch as exc:
        raise errors.ConversionFailed(
            source=source_format, target=target,
            reason='the converted data reads as %s, not %s'
            % (exc.kwargs['actual'], target))


class ImageConversion(base.ImportPlugin):
    """Convert the data; the result names the new file and its format."""

    def execute(self, services, image_id, data):
        conf = services.conf
        target = conf.image_conversion.output_format
        claimed = data.get('disk_format') or \
            base.current_image(services, image_id).disk_format
        found = inspect.inspect(data['path'], claimed)
        source_format = found['format']
        if source_format in UNCONVERTED or \
                not convert.needed(source_format, target):
            return dict(data, disk_format=claimed)
        cap = conf.image_import.max_image_size
        if target == 'raw' and (found['virtual_size'] or 0) > cap:
            raise errors.ImageTooLarge(
                limit=cap, detail='its virtual size, %d bytes, is what '
                'conversion to raw would store' % found['virtual_size'])
        dest = converted_path(data, target)
        convert.convert(data['path'], source_format, dest, target)
        _check_converted(dest, source_format, target)
        size = staging.size_of(dest)
        if size > cap:
            raise errors.ImageTooLarge(
                limit=cap, detail='converted to %s it has %d bytes'
                % (target, size))
        LOG.info('Image %s converted from %s to %s (%d bytes).', image_id,
                 source_format, target, size)
        return {'path': dest, 'disk_format': target}

    def revert(self, services, image_id, data, result=None, **kwargs):
        if isinstance(result, dict):
            if result['path'] != data['path']:
                staging.remove_file(result['path'])
            return
        # It failed, or ran before a crash: a partial file may remain.
        target = services.conf.image_conversion.output_format
        staging.remove_file(converted_path(data, target))
