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

:func:`download` is what the import task types use: the same, over a bad
network. A transfer that breaks off is tried again (``[image_import]
fetch_retries`` times, waiting ``fetch_retry_backoff`` seconds, doubled
each time), resumed with an HTTP ``Range`` request where that is safe
(the source gave a strong ETag or a Last-Modified, and answers 206 for the
very bytes asked, with the same validator); otherwise it starts over. The
data's hash is checked when the caller gives one.
"""

import base64
import errno
import hashlib
import http.client
import os
import re
import socket
import ssl
import time
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
    404: 'check that %(field)s names an existing image.',
    410: 'the image is no longer available at that URL.',
}
DEFAULT_ADVICE = ('check %(field)s and the source server, then try '
                  'again.')
# The request field that named the URL, which the advice tells the user
# to check: each caller passes its own (web-download: "the import
# method's uri").
DEFAULT_FIELD = 'import_from'
# Answers worth asking again: the source is busy or broken for now.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# The longest wait between two attempts, however many there were.
MAX_BACKOFF = 60.0
# Digests of a fixed length that validation_data may name.
HASH_ALGOS = frozenset(
    name for name in hashlib.algorithms_guaranteed
    if not name.startswith('shake_'))
_CONTENT_RANGE = re.compile(r'^bytes (\d+)-(\d+)/(\d+)$')


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

    def __init__(self, url, length, reader, closer, status=200,
                 header=None):
        self.url = url
        self.length = length
        self.status = status
        self._reader = reader
        self._closer = closer
        self._header = header or (lambda name: None)

    def header(self, name):
        """The value of the response header ``name``, or None."""
        return self._header(name)

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


def advice_for(status, field=DEFAULT_FIELD):
    """What to do about an HTTP ``status``, naming the field ``field``."""
    return ADVICE.get(status, DEFAULT_ADVICE) % {'field': field}


def open_source(conf, url, timeout=None, headers=None,
                field=DEFAULT_FIELD, auth_headers=None):
    """Open ``url`` (after filtering it) and return a :class:`Source`.

    ``headers`` are sent with the request (to every hop); with a
    ``Range`` among them a 206 answer is accepted as well as a 200.
    ``auth_headers`` (credentials, such as ``X-Auth-Token``) are sent
    only to the scheme, host and port of ``url`` itself, never to a
    redirect elsewhere. ``timeout`` defaults to ``[image_import]
    fetch_timeout``. ``field`` names the request field the URL came
    from, for the advice of an error answer.
    """
    parts = url_filter.check_url(conf, url)
    if parts.scheme.lower() == 'file':
        if auth_headers:
            raise errors.URLRefused(
                url=errors.safe_url(url),
                reason='credentials are sent over HTTP(S) only.')
        return _open_file(url, parts)
    if timeout is None:
        timeout = conf.image_import.fetch_timeout
    return _open_http(conf, url, parts, timeout, headers or {}, field,
                      auth_headers or {})


def _origin(parts):
    scheme = parts.scheme.lower()
    return (scheme, (parts.hostname or '').lower(),
            parts.port or url_filter.DEFAULT_PORTS.get(scheme))


def _open_file(url, parts):
    path = os.path.realpath(urllib.parse.unquote(parts.path))
    try:
        f = open(path, 'rb')
    except OSError as exc:
        raise errors.SourceUnreachable(url=errors.safe_url(url),
                                       reason=_describe_os_error(exc))
    return Source(url, os.fstat(f.fileno()).st_size, f.readinto, f.close)


def _open_http(conf, url, parts, timeout, headers, field, auth_headers):
    opts = conf.image_import
    accepted = (200, 206) if 'Range' in headers else (200,)
    original = url
    origin = _origin(parts)
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
        sent = dict(headers)
        if _origin(parts) == origin:
            sent.update(auth_headers)
        response, conn = _request(parts, addresses, url, timeout, sent)
        if response.status in REDIRECTS:
            location = response.getheader('Location')
            conn.close()
            if not location:
                raise errors.SourceHTTPError(
                    url=errors.safe_url(url), status=response.status,
                    reason='redirect without a Location',
                    advice=DEFAULT_ADVICE % {'field': field})
            url = urllib.parse.urljoin(url, location)
            LOG.debug('Import source redirected to %s', errors.safe_url(url))
            continue
        if response.status not in accepted:
            conn.close()
            raise errors.SourceHTTPError(
                url=errors.safe_url(url), status=response.status,
                reason=response.reason or http.client.responses.get(
                    response.status, 'error'),
                advice=advice_for(response.status, field))
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
        return Source(url, length, response.readinto, conn.close,
                      status=response.status, header=response.getheader)
    raise errors.TooManyRedirects(url=errors.safe_url(original),
                                  limit=opts.max_redirects)


def _request(parts, addresses, url, timeout, extra_headers=None):
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
    headers.update(extra_headers or {})
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


def download(conf, url, path, max_size, timeout, validation_data=None,
             progress=None, field=DEFAULT_FIELD, auth_headers=None):
    """Fetch ``url`` into the file ``path``; return the bytes written.

    ``path`` is truncated first (a run again after a crash starts over).
    A broken transfer is tried again and resumed where it can be (see the
    module's docstring); when the attempts run out the error says how
    many bytes of how many arrived (:class:`~errors.TransferIncomplete`,
    :class:`~errors.TransferTruncated`), or is the last attempt's own
    error when no data ever came. More than ``max_size`` bytes, announced
    or received, is :class:`~errors.ImageTooLarge`; ``timeout`` is the
    seconds to wait for a connection or the next piece of data.

    ``validation_data`` (``{"os_hash_algo", "os_hash_value"}``): the data
    is hashed as it is written to the file, across resumed parts, and a
    different hash is :class:`~errors.DataHashMismatch`. ``progress(n)``
    is called as each piece of data arrives, before it is written, with
    the number of bytes of the image received so far (0 again when a
    transfer starts over); what it raises ends the download. ``field``
    and ``auth_headers`` are as for :func:`open_source`.

    On failure ``path`` is left as it is; the caller removes it.
    """
    digest = _Digest.of(validation_data)
    opts = conf.image_import
    attempts = opts.fetch_retries + 1
    with open(path, 'wb') as out:
        transfer = _Transfer(out, max_size, digest, progress)
        for attempt in range(1, attempts + 1):
            try:
                _attempt(conf, url, timeout, transfer, field, auth_headers)
                break
            except _RETRYABLE as exc:
                if not _worth_retrying(exc):
                    raise
                if attempt == attempts:
                    raise _gave_up(url, transfer, attempts, exc)
                delay = min(opts.fetch_retry_backoff * 2 ** (attempt - 1),
                            MAX_BACKOFF)
                LOG.warning('Fetching %s failed after %d bytes (%s); '
                            'attempt %d of %d in %.1f seconds.',
                            errors.safe_url(url), transfer.received,
                            _reason_of(exc), attempt + 1, attempts, delay)
                time.sleep(delay)
    if digest is not None:
        digest.check(url)
    return transfer.received


class _Interrupted(Exception):
    """The body stopped before its end; ``reason`` says how, in words."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _worth_retrying(exc):
    """False for an HTTP answer that will be the same next time (404)."""
    return not isinstance(exc, errors.SourceHTTPError) or \
        exc.kwargs.get('status') in RETRY_STATUSES


_RETRYABLE = (_Interrupted, errors.SourceUnreachable, errors.SourceTimeout,
              errors.SourceHTTPError)


def _reason_of(exc):
    if isinstance(exc, _Interrupted):
        return exc.reason
    return exc.message


def _usable(algo):
    """True for a hash this Python can compute (FIPS may forbid some)."""
    if algo not in HASH_ALGOS:
        return False
    try:
        hashlib.new(algo)
    except ValueError:
        return False
    return True


class _Digest:
    """The hash validation_data asks for, computed as the file is written.

    Hashing what is written, in order, covers resumed parts with no second
    pass: resuming always continues the very file (and hash state) the
    earlier attempt left, and starting over resets both together. A
    download after a crash starts over too, so the file never holds bytes
    this hash has not seen.
    """

    def __init__(self, algo, expected):
        self.algo = algo
        self.expected = expected.lower()
        self.reset()

    @classmethod
    def of(cls, validation_data):
        if not validation_data:
            return None
        algo = validation_data.get('os_hash_algo')
        value = validation_data.get('os_hash_value')
        if not _usable(algo) or not isinstance(value, str) or not value:
            raise errors.InvalidImportInput(
                reason='validation_data needs os_hash_algo, one of %s, '
                       'and os_hash_value, the hex digest of the data '
                       '(got os_hash_algo %r).'
                       % (', '.join(sorted(HASH_ALGOS)), algo))
        return cls(algo, value)

    def reset(self):
        self._hash = hashlib.new(self.algo)

    def update(self, data):
        self._hash.update(data)

    def check(self, url):
        actual = self._hash.hexdigest()
        if actual != self.expected:
            raise errors.DataHashMismatch(url=errors.safe_url(url),
                                          algo=self.algo, actual=actual,
                                          expected=self.expected)


class _Transfer:
    """What a download has so far: the file, its length, how to resume."""

    def __init__(self, out, max_size, digest, progress):
        self.out = out
        self.max_size = max_size
        self.digest = digest
        self.progress = progress or (lambda received: None)
        self.received = 0
        self.total = None      # the whole image's length, once known
        self.validator = None  # (strong ETag, Last-Modified) of the data
        # How the attempts went, for the message when they all fail.
        self.how = 'none got data to resume from'

    def resume_offset(self):
        """Where the next request may start: 0 unless resuming is safe."""
        if not self.received:
            return 0
        if not any(self.validator or ()):
            self.how = ('starting over each time: the source gives no '
                        'ETag or Last-Modified to resume by safely')
            return 0
        self.how = 'resuming where the data stopped'
        return self.received

    def restart(self, how):
        self.out.seek(0)
        self.out.truncate()
        self.received = 0
        if self.digest is not None:
            self.digest.reset()
        self.how = how
        self.progress(0)

    def write(self, chunk):
        arrived = self.received + len(chunk)
        # Told before the checks: data came, even data refused.
        self.progress(arrived)
        if arrived > self.max_size:
            raise errors.ImageTooLarge(limit=self.max_size,
                                       detail='more than that was received')
        try:
            self.out.write(chunk)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise errors.WorkDirFull(received=self.received)
            raise
        if self.digest is not None:
            self.digest.update(chunk)
        self.received = arrived


def _validator_of(source):
    etag = source.header('ETag')
    if etag and etag.startswith('W/'):
        etag = None  # a weak ETag does not promise the same bytes
    return etag, source.header('Last-Modified')


def _range_headers(offset, validator):
    if not offset:
        return {}
    etag, last_modified = validator
    # If-Range: a source whose data changed sends all of it (200).
    return {'Range': 'bytes=%d-' % offset,
            'If-Range': etag or last_modified}


def _resumes(source, offset, transfer):
    """True if ``source`` (a 206) carries exactly the bytes from offset."""
    match = _CONTENT_RANGE.match(source.header('Content-Range') or '')
    if not match:
        return False
    start, end, total = (int(group) for group in match.groups())
    return (start == offset and end == total - 1
            and transfer.total in (None, total)
            and _validator_of(source) == transfer.validator)


def _open_aligned(conf, url, timeout, transfer, field, auth_headers=None):
    """Open the source where the file ends (or from 0, restarting it)."""
    offset = transfer.resume_offset()
    try:
        source = open_source(conf, url, timeout,
                             _range_headers(offset, transfer.validator),
                             field=field, auth_headers=auth_headers)
    except errors.SourceHTTPError as exc:
        if not offset or exc.kwargs['status'] != 416:
            raise
        # "Range Not Satisfiable": the data is not what the file began.
        transfer.restart('starting over: the source refused the Range '
                         'request')
        return _open_aligned(conf, url, timeout, transfer, field,
                             auth_headers)
    if source.status == 206:
        if _resumes(source, offset, transfer):
            transfer.total = int(
                source.header('Content-Range').rsplit('/', 1)[1])
            return source
        # Other bytes than asked for, or the data changed: from 0.
        source.close()
        transfer.restart('starting over: the source answered the Range '
                         'request with other bytes or other data')
        return _open_aligned(conf, url, timeout, transfer, field,
                             auth_headers)
    if transfer.received:
        how = transfer.how  # why resume_offset did not ask for a Range
        if _validator_of(source) != transfer.validator:
            how = 'starting over: the image changed at the source'
        elif offset:
            how = ('starting over each time: the source answers a Range '
                   'request with all the data')
        transfer.restart(how)
    transfer.total = source.length
    transfer.validator = _validator_of(source)
    return source


def _attempt(conf, url, timeout, transfer, field, auth_headers=None):
    """One request: append the body to the file, up to its end."""
    with _open_aligned(conf, url, timeout, transfer, field,
                       auth_headers) as source:
        if transfer.total is not None and \
                transfer.total > transfer.max_size:
            raise errors.ImageTooLarge(
                limit=transfer.max_size,
                detail='the source announced %d bytes' % transfer.total)
        view = memoryview(bytearray(CHUNK_SIZE))
        while True:
            try:
                count = source.readinto(view)
            except http.client.IncompleteRead as exc:
                # What came before the break is good data: keep it.
                if exc.partial:
                    transfer.write(exc.partial)
                count = None
            except (socket.timeout, TimeoutError):
                raise _Interrupted('nothing arrived for %d seconds'
                                   % timeout)
            except (OSError, http.client.HTTPException) as exc:
                raise _Interrupted(_describe_os_error(exc))
            if count is None:
                raise _Interrupted('the connection closed early')
            if not count:
                break
            transfer.write(view[:count])
    if transfer.total is not None and transfer.received < transfer.total:
        raise _Interrupted('the connection closed early')


def _gave_up(url, transfer, attempts, exc):
    """The error of a download whose last attempt failed with ``exc``."""
    began = transfer.received or transfer.total is not None
    if not began and not isinstance(exc, _Interrupted):
        return exc  # no data ever came: the source's own error says why
    tries = '%d attempt%s' % (attempts, '' if attempts == 1 else 's')
    how = transfer.how if attempts > 1 else 'retries are off'
    kwargs = dict(url=errors.safe_url(url), received=transfer.received,
                  tries=tries, how=how, reason=_reason_of(exc))
    if transfer.total is None:
        return errors.TransferTruncated(**kwargs)
    return errors.TransferIncomplete(announced=transfer.total, **kwargs)
