"""The real format of staged image data, and whether it is safe to keep.

oslo.utils' format inspector (``imageutils.format_inspector``) reads the
headers of the file in Python; when the installed oslo.utils lacks it,
``qemu-img info --output=json`` runs under resource limits instead. Both
refuse a format other than the one the user named, a backing file and an
external data file, and give the virtual size.
"""

import json
import os

from oslo_concurrency import processutils
from oslo_log import log as logging
from oslo_utils import units

from glance_tasks.images import errors

try:
    from oslo_utils.imageutils import format_inspector
except ImportError:  # oslo.utils older than 7.3
    format_inspector = None

LOG = logging.getLogger(__name__)

# Formats whose data is plain bytes: what the inspector may call them.
RAW_LIKE = frozenset({'raw', 'gpt'})
RAW_DISK_FORMATS = frozenset({'raw', 'ami', 'ari', 'aki'})
# qemu's names of the formats Glance names otherwise.
QEMU_NAMES = {'vhd': 'vpc'}
FROM_QEMU = {qemu: ours for ours, qemu in QEMU_NAMES.items()}

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


def qemu_env():
    """The environment of qemu-img: C locale, so errors are English."""
    return {'LC_ALL': 'C', 'LANG': 'C',
            'PATH': os.environ.get('PATH', os.defpath)}


QEMU_LIMITS = processutils.ProcessLimits(address_space=units.Gi,
                                         cpu_time=30)


def matches(expected, actual):
    if expected in RAW_DISK_FORMATS:
        return actual in RAW_LIKE
    return expected == actual


def inspect(path, expected_format, use_qemu=None):
    """Inspect the file at ``path``; return ``{format, virtual_size}``.

    Raises :class:`~errors.FormatMismatch`, :class:`~errors.UnsafeImage`
    or :class:`~errors.InvalidImageData`.
    """
    if use_qemu is None:
        use_qemu = format_inspector is None
    if use_qemu:
        return _with_qemu(path, expected_format)
    return _with_inspector(path, expected_format)


def detect(path, chunk_size=64 * 1024):
    """oslo.utils' ``detect_file_format``, reading 64 KiB at a time.

    The same single pass through every inspector, stopping as soon as a
    format is decided; larger reads cost far fewer Python calls.
    """
    with open(path, 'rb') as f:
        wrapper = format_inspector.InspectWrapper(f)
        try:
            while wrapper.read(chunk_size):
                if wrapper.format:
                    return wrapper.format
        finally:
            wrapper.close()
        return wrapper.format


def _with_inspector(path, expected):
    try:
        inspector = detect(path)
    except format_inspector.ImageFormatError as exc:
        raise errors.InvalidImageData(format=expected, reason=exc)
    actual = str(inspector)
    if not matches(expected, actual):
        raise errors.FormatMismatch(actual=actual, expected=expected)
    try:
        inspector.safety_check()
    except format_inspector.SafetyCheckFailed as exc:
        reasons = [SAFETY_WORDS.get(name, '%s (%s)' % (name, failure))
                   for name, failure in sorted(exc.failures.items())]
        raise errors.UnsafeImage(reason='; '.join(reasons),
                                 format=_target(expected))
    except format_inspector.ImageFormatError as exc:
        raise errors.InvalidImageData(format=expected, reason=exc)
    if actual in RAW_LIKE:
        virtual_size = os.path.getsize(path)
    else:
        virtual_size = inspector.virtual_size
    return {'format': expected if actual in RAW_LIKE else actual,
            'virtual_size': virtual_size}


def _target(expected):
    return 'raw' if expected in RAW_DISK_FORMATS else expected


def qemu_info(path):
    """``qemu-img info --output=json`` of ``path``, under limits."""
    try:
        out, _err = processutils.execute(
            'qemu-img', 'info', '--output=json', path,
            prlimit=QEMU_LIMITS, env_variables=qemu_env())
    except processutils.ProcessExecutionError as exc:
        raise errors.InspectionFailed(
            reason=(exc.stderr or exc.description or '').strip()
            or 'qemu-img info failed')
    except OSError as exc:
        raise errors.InspectionFailed(reason='qemu-img could not run (%s)'
                                      % exc)
    return json.loads(out)


def _with_qemu(path, expected):
    info = qemu_info(path)
    actual = FROM_QEMU.get(info.get('format'), info.get('format'))
    if not matches(expected, actual):
        raise errors.FormatMismatch(actual=actual, expected=expected)
    reasons = []
    if info.get('backing-filename'):
        reasons.append(SAFETY_WORDS['backing_file'])
    data = (info.get('format-specific') or {}).get('data') or {}
    if data.get('data-file'):
        reasons.append(SAFETY_WORDS['data_file'])
    if reasons:
        raise errors.UnsafeImage(reason='; '.join(reasons),
                                 format=_target(expected))
    return {'format': expected if actual in RAW_LIKE else actual,
            'virtual_size': info.get('virtual-size')}
