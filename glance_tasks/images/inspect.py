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

"""The real format of image data, and whether it is safe to keep.

One routine for a staged file and for a stream read from a store:
:class:`Inspection` passes the data through oslo.utils' format inspector
(``imageutils.format_inspector``, which reads the headers in Python, no
``qemu-img``), then :meth:`Inspection.result` refuses a format other than
the one the user named, a backing file, an external data file and the
other unsafe features the inspector knows, and gives the virtual size.
:func:`inspect` is that routine over a file, stopping as soon as the
format is decided.
"""

import functools
import os

from oslo_log import log as logging
from oslo_utils.imageutils import format_inspector

from glance_tasks.images import errors

LOG = logging.getLogger(__name__)

# Formats whose data is plain bytes: what the inspector may call them.
RAW_LIKE = frozenset({'raw', 'gpt'})
RAW_DISK_FORMATS = frozenset({'raw', 'ami', 'ari', 'aki'})
# Larger reads cost far fewer Python calls than the inspector's default.
CHUNK_SIZE = 64 * 1024

SAFETY_WORDS = {
    'backing_file': 'it has a backing file, so its data depends on another '
                    'file',
    'data_file': 'it names an external data file',
    'unknown_features': 'it uses qcow2 features this service does not '
                        'know',
    'descriptor': 'its VMDK descriptor refers to other files',
    'footer': 'its VMDK footer is invalid',
    'mbr': 'its partition table is invalid',
    'banned': 'its format is not allowed',
    'inner_backing_file': 'the image inside it has a backing file',
    'inner_data_file': 'the image inside it names an external data file',
}


def matches(expected, actual):
    """True if data the inspector calls ``actual`` is ``expected``."""
    if expected in RAW_DISK_FORMATS:
        return actual in RAW_LIKE
    return expected == actual


class Inspection:
    """The format of image data, worked out while the data passes.

    Iterate over it to get the chunks of ``chunks`` (an iterator of
    bytes) as they are inspected; then :meth:`close` it and ask for its
    :meth:`result`. ``expected_format`` is the disk format the user
    named.
    """

    def __init__(self, chunks, expected_format):
        self.expected = expected_format
        self._wrapper = format_inspector.InspectWrapper(_Chunks(chunks))

    def __iter__(self):
        try:
            yield from self._wrapper
        except format_inspector.ImageFormatError as exc:
            raise errors.InvalidImageData(format=self.expected, reason=exc)

    @property
    def decided(self):
        """True once the format is known (or known to be contradictory)."""
        try:
            return bool(self._wrapper.format)
        except format_inspector.ImageFormatError:
            return True  # result() says why

    def close(self):
        self._wrapper.close()

    def result(self, size):
        """``{format, virtual_size}`` of the data read, ``size`` bytes.

        Raises :class:`~errors.FormatMismatch`,
        :class:`~errors.UnsafeImage` or :class:`~errors.InvalidImageData`.
        """
        expected = self.expected
        try:
            detected = self._wrapper.format
        except format_inspector.ImageFormatError as exc:
            raise errors.InvalidImageData(format=expected, reason=exc)
        actual = str(detected)
        if not matches(expected, actual):
            raise errors.FormatMismatch(actual=actual, expected=expected)
        _check_safety(detected, expected)
        if actual in RAW_LIKE:
            return {'format': expected, 'virtual_size': size}
        return {'format': actual, 'virtual_size': detected.virtual_size}


def _check_safety(detected, expected):
    try:
        detected.safety_check()
    except format_inspector.SafetyCheckFailed as exc:
        reasons = [SAFETY_WORDS.get(name, '%s (%s)' % (name, failure))
                   for name, failure in sorted(exc.failures.items())]
        raise errors.UnsafeImage(reason='; '.join(reasons),
                                 format=_target(expected))
    except format_inspector.ImageFormatError as exc:
        raise errors.InvalidImageData(format=expected, reason=exc)


def _target(expected):
    """The format to convert an unsafe image to, as qemu-img names it."""
    return 'raw' if expected in RAW_DISK_FORMATS else expected


def inspect(path, expected_format):
    """Inspect the file at ``path``; return ``{format, virtual_size}``.

    Reads only until the format is decided. Raises what
    :meth:`Inspection.result` raises.
    """
    with open(path, 'rb') as f:
        inspection = Inspection(iter(functools.partial(f.read, CHUNK_SIZE),
                                     b''), expected_format)
        try:
            for _chunk in inspection:
                if inspection.decided:
                    break
        finally:
            inspection.close()
    return inspection.result(os.path.getsize(path))


class _Chunks:
    """An iterator of chunks, as bytes, as the inspector wants its source."""

    def __init__(self, chunks):
        self._chunks = chunks

    def __iter__(self):
        return self

    def __next__(self):
        return bytes(next(self._chunks))
