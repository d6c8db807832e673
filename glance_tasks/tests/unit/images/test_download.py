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

"""fetch.download over a bad network: real HTTP sources that misbehave.

Every source here is a real HTTP server on 127.0.0.1 (see
:mod:`.flaky_source`) that really closes the connection mid-body; nothing
below the HTTP client is replaced.
"""

import hashlib
import os
import time

from oslo_utils import units

from glance_tasks.images import errors
from glance_tasks.images import fetch
from glance_tasks.tests import base
from glance_tasks.tests.unit.images import fixtures as image_fixtures
from glance_tasks.tests.unit.images import flaky_source

DATA = bytes(range(256)) * (3 * 4096) + b'!'  # 3 MiB + 1 byte
SHA256 = hashlib.sha256(DATA).hexdigest()
MIB = units.Mi


class DownloadTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        group = 'import_filtering_opts'
        self.conf.set_override('allowed_hosts', ['127.0.0.1'], group=group)
        self.conf.set_override('allowed_ports', [], group=group)
        self.conf.set_override('fetch_retry_backoff', 0,
                               group='image_import')
        self.source = self.useFixture(flaky_source.FlakySource(DATA))
        self.dest = os.path.join(self.state_path, 'staged')
        self.seen = []

    def download(self, url, cap=10 ** 9, validation_data=None):
        return fetch.download(self.conf, url, self.dest, cap, 5,
                              validation_data=validation_data,
                              progress=self.seen.append)

    def written(self):
        with open(self.dest, 'rb') as f:
            return f.read()

    def ranges(self):
        return [asked for _route, asked, _if_range in self.source.requests]


class TestResume(DownloadTestCase):

    def test_dropped_mid_body_is_resumed_with_range(self):
        size = self.download(self.source.url('range', drop=MIB),
                             validation_data={'os_hash_algo': 'sha256',
                                              'os_hash_value': SHA256})
        self.assertEqual(len(DATA), size)
        self.assertEqual(DATA, self.written())
        # Three drops, three resumes, each from where the data stopped,
        # conditional on the ETag of the first answer.
        self.assertEqual([None, 'bytes=%d-' % MIB, 'bytes=%d-' % (2 * MIB),
                          'bytes=%d-' % (3 * MIB)], self.ranges())
        self.assertEqual({'"v1"'}, {if_range for _r, asked, if_range
                                    in self.source.requests if asked})
        # Progress counts the bytes the file holds, never going back.
        self.assertEqual(sorted(self.seen), self.seen)
        self.assertEqual(len(DATA), self.seen[-1])

    def test_resume_needs_a_retry_left(self):
        self.conf.set_override('fetch_retries', 2, group='image_import')
        error = self.assertRaises(errors.TransferIncomplete, self.download,
                                  self.source.url('range', drop=MIB))
        self.assertEqual(3 * MIB, error.kwargs['received'])
        self.assertEqual(
            'Only %d of the %d bytes the source %s announced arrived, '
            'after 3 attempts (resuming where the data stopped); the last '
            'one ended: the connection closed early. The image data is '
            'incomplete. Try again later, or check the source server.'
            % (3 * MIB, len(DATA), self.source.url('range')),
            error.message)

    def test_silent_source_is_resumed(self):
        size = fetch.download(self.conf,
                              self.source.url('stall', drop=MIB, fails=1,
                                              stall=3),
                              self.dest, 10 ** 9, 1)
        self.assertEqual(len(DATA), size)
        self.assertEqual(DATA, self.written())
        self.assertEqual([None, 'bytes=%d-' % MIB], self.ranges())

    def test_without_validators_it_starts_over(self):
        self.download(self.source.url('novalidator', drop=MIB, fails=1))
        self.assertEqual(DATA, self.written())
        # Resuming without an ETag or a date could splice two versions.
        self.assertEqual([None, None], self.ranges())
        self.assertEqual(1, self.seen.count(0))

    def test_data_changed_between_attempts_starts_over(self):
        self.download(self.source.url('changing', drop=MIB, fails=1))
        # If-Range made the source send the new data whole.
        self.assertEqual(DATA[::-1], self.written())
        self.assertEqual([(None, None), ('bytes=%d-' % MIB, '"v1"')],
                         [r[1:] for r in self.source.requests])

    def test_changed_etag_on_a_206_starts_over(self):
        # The source ignores If-Range: the client compares the ETag itself.
        self.download(self.source.url('changing206', drop=MIB, fails=1))
        self.assertEqual(DATA[::-1], self.written())
        self.assertEqual([None, 'bytes=%d-' % MIB, None], self.ranges())

    def test_range_not_satisfiable_starts_over(self):
        self.download(self.source.url('unsatisfiable', drop=MIB, fails=1))
        self.assertEqual(DATA, self.written())
        self.assertEqual([None, 'bytes=%d-' % MIB, None], self.ranges())

    def test_other_bytes_than_asked_start_over(self):
        self.download(self.source.url('badrange', drop=MIB, fails=1))
        self.assertEqual(DATA, self.written())
        # The 206 for bytes 0- was dropped, and the data asked again whole.
        self.assertEqual([None, 'bytes=%d-' % MIB, None], self.ranges())

    def test_hash_checked_across_resumed_parts(self):
        error = self.assertRaises(
            errors.DataHashMismatch, self.download,
            self.source.url('range', drop=MIB),
            validation_data={'os_hash_algo': 'sha256',
                             'os_hash_value': 'ab' * 32})
        self.assertEqual(SHA256, error.kwargs['actual'])
        self.assertEqual(4, len(self.source.requests))


class TestNoRange(DownloadTestCase):

    def test_source_ignoring_range_is_fetched_again_whole(self):
        size = self.download(self.source.url('norange', drop=MIB, fails=2))
        self.assertEqual(len(DATA), size)
        self.assertEqual(DATA, self.written())
        # It was asked to resume, answered 200: the file started over.
        self.assertEqual([None, 'bytes=%d-' % MIB, 'bytes=%d-' % MIB],
                         self.ranges())
        self.assertEqual(2, self.seen.count(0))

    def test_source_ignoring_range_fails_clearly_after_the_retries(self):
        url = self.source.url('norange', drop=MIB)
        error = self.assertRaises(errors.TransferIncomplete, self.download,
                                  url)
        self.assertEqual(4, len(self.source.requests))  # 1 + 3 retries
        self.assertEqual(
            'Only %d of the %d bytes the source %s announced arrived, '
            'after 4 attempts (starting over each time: the source '
            'answers a Range request with all the data); the last one '
            'ended: the connection closed early. The image data is '
            'incomplete. Try again later, or check the source server.'
            % (MIB, len(DATA), self.source.url('norange')), error.message)
        # Still what the SourceIncomplete of open_source/copy_to is.
        self.assertIsInstance(error, errors.SourceIncomplete)

    def test_retries_off(self):
        self.conf.set_override('fetch_retries', 0, group='image_import')
        error = self.assertRaises(errors.TransferIncomplete, self.download,
                                  self.source.url('range', drop=MIB))
        self.assertIn('after 1 attempt (retries are off)', error.message)
        self.assertEqual(1, len(self.source.requests))

    def test_backoff_doubles(self):
        self.conf.set_override('fetch_retry_backoff', 0.2,
                               group='image_import')
        self.conf.set_override('fetch_retries', 2, group='image_import')
        started = time.monotonic()
        self.assertRaises(errors.TransferIncomplete, self.download,
                          self.source.url('norange', drop=MIB))
        # 0.2 s before the first retry, 0.4 s before the second.
        self.assertGreaterEqual(time.monotonic() - started, 0.6)


class TestLyingSources(DownloadTestCase):

    def test_source_lying_about_its_content(self):
        url = self.source.url('liar').replace('http://',
                                              'http://user:secret@')
        error = self.assertRaises(
            errors.DataHashMismatch, self.download, url,
            validation_data={'os_hash_algo': 'sha256',
                             'os_hash_value': SHA256.upper()})
        self.assertEqual(
            'The data fetched from %s does not match validation_data: its '
            'sha256 hash is %s, but validation_data says %s. Either the '
            'source sent other data or the hash is wrong; check both and '
            'try again.' % (self.source.url('liar'),
                            hashlib.sha256(self.written()).hexdigest(),
                            SHA256), error.message)
        self.assertNotIn('secret', error.message)
        self.assertEqual(1, len(self.source.requests))  # not retried

    def test_source_ending_short_every_time(self):
        stop = MIB + 12345
        error = self.assertRaises(errors.TransferIncomplete, self.download,
                                  self.source.url('short', stop=stop))
        self.assertEqual((stop, len(DATA)), (error.kwargs['received'],
                                             error.kwargs['announced']))
        self.assertIn('Only %d of the %d bytes' % (stop, len(DATA)),
                      error.message)
        self.assertIn('after 4 attempts (resuming where the data '
                      'stopped)', error.message)
        self.assertEqual([None] + ['bytes=%d-' % stop] * 3, self.ranges())
        self.assertEqual(stop, os.path.getsize(self.dest))

    def test_announced_size_over_the_cap_is_not_retried(self):
        error = self.assertRaises(errors.ImageTooLarge, self.download,
                                  self.source.url('range'), MIB)
        self.assertEqual('the source announced %d bytes' % len(DATA),
                         error.kwargs['detail'])
        self.assertEqual(1, len(self.source.requests))
        self.assertEqual([], self.seen)

    def test_bad_validation_data_refused_before_fetching(self):
        for data in ({'os_hash_algo': 'md4', 'os_hash_value': 'ab'},
                     {'os_hash_algo': 'sha256'},
                     {'os_hash_algo': 'shake_128', 'os_hash_value': 'ab'}):
            error = self.assertRaises(errors.InvalidImportInput,
                                      self.download,
                                      self.source.url('range'),
                                      validation_data=data)
            self.assertIn('validation_data needs os_hash_algo',
                          error.message)
        self.assertEqual([], self.source.requests)


class TestOtherFailures(DownloadTestCase):

    def setUp(self):
        super().setUp()
        self.images = self.useFixture(image_fixtures.ImageServer(
            os.path.join(self.state_path, 'images')))
        self.image = image_fixtures.make_image(self.images.root, 'a.raw',
                                               size=300000)

    def test_404_is_not_retried(self):
        error = self.assertRaises(errors.SourceHTTPError, self.download,
                                  self.images.url('nope.raw'))
        self.assertEqual(404, error.kwargs['status'])
        self.assertEqual(['/nope.raw'], self.images.requests)

    def test_busy_source_is_asked_again(self):
        self.assertEqual(len(DATA), self.download(
            self.source.url('busy', fails=3)))
        self.assertEqual(DATA, self.written())
        self.assertEqual(4, len(self.source.requests))

    def test_busy_source_keeps_its_message(self):
        error = self.assertRaises(errors.SourceHTTPError, self.download,
                                  self.source.url('busy', fails=4))
        self.assertEqual(503, error.kwargs['status'])
        self.assertEqual(4, len(self.source.requests))

    def test_refused_connection_keeps_its_message(self):
        url = 'http://127.0.0.1:%d/a.raw' % base.free_port()
        error = self.assertRaises(errors.SourceUnreachable, self.download,
                                  url)
        self.assertEqual(
            'Could not fetch %s: connection refused. Check that the URL is '
            'right and that the server is reachable from this cloud, then '
            'try again.' % url, error.message)

    def test_chunked_source_broken_off_every_time(self):
        error = self.assertRaises(errors.TransferTruncated, self.download,
                                  self.images.url('a.raw', 'broken'))
        self.assertEqual(
            'Only 150000 bytes arrived from the source %s, which announced '
            'no length, after 4 attempts (starting over each time: the '
            'source gives no ETag or Last-Modified to resume by safely); '
            'the last one ended: the connection closed early. The image '
            'data is incomplete. Try again later, or check the source '
            'server.' % self.images.url('a.raw', 'broken'), error.message)
        self.assertEqual(4, len(self.images.requests))

    def test_plain_source(self):
        size = self.download(self.images.url('a.raw', 'nolength'))
        self.assertEqual(300000, size)
        with open(self.image, 'rb') as f:
            self.assertEqual(f.read(), self.written())
        self.assertEqual(300000, self.seen[-1])
