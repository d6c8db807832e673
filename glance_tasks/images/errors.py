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

"""Why an image task failed, in words the user can act on.

Each becomes the task's ``message`` as it is (the runner uses the
``message`` of a :class:`~glance_tasks.exception.GlanceTasksException`).
URLs in messages go through :func:`safe_url` first: no credentials, no
query string (which may hold a signed token).
"""

import urllib.parse

from glance_tasks import exception
from glance_tasks.i18n import _


def safe_url(url):
    """``url`` without user info, query and fragment, for messages."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ''
        if ':' in host:
            host = '[%s]' % host
        port = parts.port
        netloc = host if port is None else '%s:%d' % (host, port)
    except ValueError:
        return '(an unparsable URL)'
    if parts.scheme == 'file':
        return 'file://%s' % parts.path
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, '',
                                    ''))


class ImageTaskError(exception.GlanceTasksException):
    """Base of the errors of the image task types."""


class URLRefused(ImageTaskError):
    msg_fmt = _('The URL %(url)s is refused by this cloud\'s import '
                'filtering: %(reason)s Ask the cloud operator if this source '
                'should be allowed.')


class RedirectRefused(ImageTaskError):
    msg_fmt = _('The source %(url)s redirected to %(target)s, which is '
                'refused by this cloud\'s import filtering: %(reason)s')


class TooManyRedirects(ImageTaskError):
    msg_fmt = _('The source %(url)s redirected more than %(limit)d times; '
                'give import_from the final URL of the image.')


class SourceHTTPError(ImageTaskError):
    msg_fmt = _('The source %(url)s answered HTTP %(status)d (%(reason)s); '
                '%(advice)s')


class SourceUnreachable(ImageTaskError):
    msg_fmt = _('Could not fetch %(url)s: %(reason)s. Check that the URL is '
                'right and that the server is reachable from this cloud, '
                'then try again.')


class SourceIncomplete(ImageTaskError):
    msg_fmt = _('The source %(url)s stopped sending after %(received)d of '
                'the %(announced)d bytes it announced; the image data is '
                'incomplete. Try again, or check the source server.')


class SourceTruncated(ImageTaskError):
    msg_fmt = _('The source %(url)s broke off the transfer after '
                '%(received)d bytes; the image data is incomplete. Try '
                'again, or check the source server.')


class SourceTimeout(ImageTaskError):
    msg_fmt = _('The source %(url)s sent nothing for %(timeout)d seconds; '
                'the import gave up. Try again, or use a faster source.')


class ImageTooLarge(ImageTaskError):
    msg_fmt = _('The image is larger than %(limit)d bytes, the largest '
                'image this cloud accepts (%(detail)s). Import a smaller '
                'image, or ask the cloud operator to raise the limit.')


class FormatMismatch(ImageTaskError):
    msg_fmt = _('The image data is in %(actual)s format, but '
                'import_from_format says %(expected)s. Set '
                'import_from_format (and disk_format) to %(actual)s and '
                'try again.')


class UnsafeImage(ImageTaskError):
    msg_fmt = _('The image is refused as unsafe: %(reason)s. Upload a '
                'self-contained image (for example convert it with '
                '"qemu-img convert -O %(format)s" first).')


class InvalidImageData(ImageTaskError):
    msg_fmt = _('The image data could not be read as %(format)s: '
                '%(reason)s. Check that the file is not damaged and that '
                'import_from_format is right.')


class StoreFull(ImageTaskError):
    msg_fmt = _('The image store has no space left for this image '
                '(%(size)s bytes). Try again later, or ask the cloud '
                'operator to free space in the image store.')


class WorkDirFull(ImageTaskError):
    msg_fmt = _('The import staging area has no space left for this image '
                '(%(received)d bytes received so far). Try again later, or '
                'ask the cloud operator to free space in [image_import] '
                'work_dir.')


class StoreFailed(ImageTaskError):
    msg_fmt = _('The image data could not be written to the image store: '
                '%(reason)s. Try again; if it keeps failing, tell the '
                'cloud operator.')


class ConversionFailed(ImageTaskError):
    msg_fmt = _('The image could not be converted from %(source)s to '
                '%(target)s: %(reason)s.')


class InspectionFailed(ImageTaskError):
    msg_fmt = _('The image data could not be inspected: %(reason)s.')


class ImageGone(ImageTaskError):
    msg_fmt = _('Image %(image_id)s was %(status)s while the task worked '
                'on it; the task stopped.')


class InvalidImportInput(ImageTaskError):
    msg_fmt = _('%(reason)s')


class LocationRefused(ImageTaskError):
    msg_fmt = _('The location %(url)s cannot be added: %(reason)s')


class ValidationMismatch(ImageTaskError):
    msg_fmt = _('The data at %(url)s does not match validation_data: its '
                '%(field)s is %(actual)s, validation_data says '
                '%(expected)s. Check the location and the hash.')


class TransferIncomplete(SourceIncomplete):
    """The source ended short on every attempt of a download."""

    msg_fmt = _('Only %(received)d of the %(announced)d bytes the source '
                '%(url)s announced arrived, after %(tries)s (%(how)s); the '
                'last one ended: %(reason)s. The image data is incomplete. '
                'Try again later, or check the source server.')


class TransferTruncated(SourceTruncated):
    """A source without a length broke off on every attempt."""

    msg_fmt = _('Only %(received)d bytes arrived from the source %(url)s, '
                'which announced no length, after %(tries)s (%(how)s); the '
                'last one ended: %(reason)s. The image data is incomplete. '
                'Try again later, or check the source server.')


class DataHashMismatch(ImageTaskError):
    msg_fmt = _('The data fetched from %(url)s does not match '
                'validation_data: its %(algo)s hash is %(actual)s, but '
                'validation_data says %(expected)s. Either the source sent '
                'other data or the hash is wrong; check both and try '
                'again.')


class ImportPluginUnknown(ImageTaskError):
    msg_fmt = _('The import plugins %(names)s named in [image_import_opts] '
                'image_import_plugins are not installed (installed: '
                '%(installed)s); the cloud operator must fix the '
                'configuration.')
