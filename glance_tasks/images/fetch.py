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

"""Fetching image data: stream a URL to a file, never holding it in memory.

:func:`open_source` opens the URL after :mod:`.url_filter` allowed it,
connecting to the addresses it checked, and follows redirects itself so
that every hop is checked the same way. :meth:`Source.copy_to` then streams
the body to a file in fixed-size chunks, counting the bytes against the
size cap as they arrive and noticing a source that sends fewer bytes than
it announced.
"""

import base64
import errno
import http.client
import os
import socket
import ssl
import urllib.parse

from oslo_log import log as logging
from oslo_utils import units

from glance_tasks.images import errors
from glance_tasks.images import url_filter

LOG = logging.getLogger(__name__)

CHUNK_SIZE = units.Mi
REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = 'glance-tasks-import/1.0'
ADVICE = {
    401: 'the source needs credentials this service cannot give; use a '
         'URL that can be fetched without them.',
    403: 'the source refuses to serve the image; check its permissions.',
    404: 'check that import_from names an existing image.',
    410: 'the image is no longer available at that URL.',
}
DEFAULT_ADVICE = ('check import_from and the source server, then try '
                  'again.')


class _PinnedConnectionMixin:
    """Connect to addresses already checked, never resolving again."""

    def _pinned_socket(self):
        last_error = None
        for family, address in self.gt_addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.timeout)
                sock.connect((address, self.port))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError as exc:
                sock.close()
                last_error = exc
        raise last_error


class PinnedHTTPConnection(_PinnedConnectionMixin,
                           http.client.HTTPConnection):
    def connect(self):
        self.sock = self._pinned_socket()


class PinnedHTTPSConnection(_PinnedConnectionMixin,
                            http.client.HTTPSConnection):
    def connect(self):
        sock = self._pinned_socket()
        self.sock = self._context.wrap_socket(sock,
                                              server_hostname=self.host)


class Source:
    """An opened source of image data: its length (if known) and body."""

    def __init__(self, url, length, reader, closer):
        self.url = url
        self.length = length
        self._reader = reader
        self._closer = closer

    def close(self):
        self._closer()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def readinto(self, buffer):
        return self._reader(buffer)

    def chunks(self, max_size, timeout):
        """Yield the body in chunks (views of one reused buffer).

        Raises :class:`~errors.ImageTooLarge` as soon as more than
        ``max_size`` bytes arrived, :class:`~errors.SourceIncomplete` when
        the source sent less than it announced, and says in words what
        else went wrong with the transfer.
        """
        view = memoryview(bytearray(CHUNK_SIZE))
        received = 0
        safe = errors.safe_url(self.url)
        while True:
            try:
                count = self.readinto(view)
            except http.client.IncompleteRead:
                count = None
            except (socket.timeout, TimeoutError):
                raise errors.SourceTimeout(url=safe, timeout=timeout)
            except (OSError, http.client.HTTPException) as exc:
                raise errors.SourceUnreachable(
                    url=safe, reason='the connection failed after %d '
                    'bytes (%s)' % (received, _describe_os_error(exc)))
            if count is None and self.length is None:
                raise errors.SourceTruncated(url=safe, received=received)
            if count is None:
                raise errors.SourceIncomplete(
                    url=safe, received=received, announced=self.length)
            if not count:
                break
            received += count
            if received > max_size:
                raise errors.ImageTooLarge(
                    limit=max_size, detail='more than that was received')
            yield view[:count]
        if self.length is not None and received != self.length:
            raise errors.SourceIncomplete(url=safe, received=received,
                                          announced=self.length)

    def copy_to(self, path, max_size, timeout):
        """Stream the body into ``path``; return the number of bytes.

        ``path`` is truncated first, so a retry starts over. See
        :meth:`chunks` for the errors.
        """
        received = 0
        with open(path, 'wb') as out:
            for chunk in self.chunks(max_size, timeout):
                received += len(chunk)
                try:
                    out.write(chunk)
                except OSError as exc:
                    if exc.errno in (errno.ENOSPC, errno.EDQUOT,
                                     errno.EFBIG):
                        raise errors.WorkDirFull(received=received)
                    raise
        return received


def _describe_os_error(exc):
    if isinstance(exc, ConnectionRefusedError):
        return 'connection refused'
    if isinstance(exc, ssl.SSLError):
        return 'TLS error: %s' % (exc.reason or exc)
    return getattr(exc, 'strerror', None) or str(exc) or \
        type(exc).__name__


def open_source(conf, url):
    """Open ``url`` (after filtering it) and return a :class:`Source`."""
    parts = url_filter.check_url(conf, url)
    if parts.scheme.lower() == 'file':
        return _open_file(url, parts)
    return _open_http(conf, url, parts)


def _open_file(url, parts):
    path = os.path.realpath(urllib.parse.unquote(parts.path))
    try:
        f = open(path, 'rb')
    except OSError as exc:
        raise errors.SourceUnreachable(url=errors.safe_url(url),
                                       reason=_describe_os_error(exc))
    return Source(url, os.fstat(f.fileno()).st_size, f.readinto, f.close)


def _open_http(conf, url, parts):
    opts = conf.image_import
    original = url
    for hop in range(opts.max_redirects + 1):
        if hop:
            try:
                parts = url_filter.check_url(conf, url)
                if parts.scheme.lower() == 'file':
                    raise errors.URLRefused(
                        url=errors.safe_url(url),
                        reason='a redirect may not lead to a local file.')
                addresses = url_filter.resolve(conf, parts, url)
            except errors.URLRefused as exc:
                raise errors.RedirectRefused(
                    url=errors.safe_url(original),
                    target=errors.safe_url(url),
                    reason=exc.kwargs['reason'])
        else:
            addresses = url_filter.resolve(conf, parts, url)
        response, conn = _request(parts, addresses, url, opts.fetch_timeout)
        if response.status in REDIRECTS:
            location = response.getheader('Location')
            conn.close()
            if not location:
                raise errors.SourceHTTPError(
                    url=errors.safe_url(url), status=response.status,
                    reason='redirect without a Location',
                    advice=DEFAULT_ADVICE)
            url = urllib.parse.urljoin(url, location)
            LOG.debug('Import source redirected to %s', errors.safe_url(url))
            continue
        if response.status != 200:
            conn.close()
            raise errors.SourceHTTPError(
                url=errors.safe_url(url), status=response.status,
                reason=response.reason or http.client.responses.get(
                    response.status, 'error'),
                advice=ADVICE.get(response.status, DEFAULT_ADVICE))
        length = response.getheader('Content-Length')
        try:
            length = int(length) if length is not None else None
        except ValueError:
            length = None
        if response.getheader('Content-Encoding', 'identity') not in (
                'identity', ''):
            conn.close()
            raise errors.SourceHTTPError(
                url=errors.safe_url(url), status=response.status,
                reason='compressed transfer (Content-Encoding %s)'
                % response.getheader('Content-Encoding'),
                advice='serve the image file as it is.')
        return Source(url, length, response.readinto, conn.close)
    raise errors.TooManyRedirects(url=errors.safe_url(original),
                                  limit=opts.max_redirects)


def _request(parts, addresses, url, timeout):
    scheme = parts.scheme.lower()
    port = parts.port or url_filter.DEFAULT_PORTS[scheme]
    cls = PinnedHTTPSConnection if scheme == 'https' else \
        PinnedHTTPConnection
    conn = cls(parts.hostname, port, timeout=timeout)
    conn.gt_addresses = addresses
    path = parts.path or '/'
    if parts.query:
        path += '?' + parts.query
    headers = {'User-Agent': USER_AGENT, 'Accept-Encoding': 'identity'}
    if parts.username or parts.password:
        token = '%s:%s' % (urllib.parse.unquote(parts.username or ''),
                           urllib.parse.unquote(parts.password or ''))
        headers['Authorization'] = 'Basic %s' % base64.b64encode(
            token.encode('utf-8')).decode('ascii')
    try:
        conn.request('GET', path, headers=headers)
        return conn.getresponse(), conn
    except (socket.timeout, TimeoutError):
        conn.close()
        raise errors.SourceTimeout(url=errors.safe_url(url),
                                   timeout=timeout)
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        raise errors.SourceUnreachable(url=errors.safe_url(url),
                                       reason=_describe_os_error(exc))
