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

"""Streaming a URL to a file, against a real HTTP server."""

import os
import socket

from glance_tasks.images import errors
from glance_tasks.images import fetch
from glance_tasks.tests import base
from glance_tasks.tests.unit.images import fixtures as image_fixtures


class TestFetch(base.TestCase):

    def setUp(self):
        super().setUp()
        self.source_dir = os.path.join(self.state_path, 'source')
        self.server = self.useFixture(
            image_fixtures.ImageServer(self.source_dir))
        group = 'import_filtering_opts'
        self.conf.set_override('allowed_hosts', ['127.0.0.1'], group=group)
        self.conf.set_override('allowed_ports', [], group=group)
        self.conf.set_override('fetch_timeout', 5, group='image_import')
        self.dest = os.path.join(self.state_path, 'staged')
        self.source = image_fixtures.make_image(self.source_dir, 'a.raw',
                                                size=3 * 1024 * 1024 + 1)

    def fetch(self, url, cap=10 ** 9):
        with fetch.open_source(self.conf, url) as source:
            return source.length, source.copy_to(self.dest, cap, 5)

    def same_file(self):
        with open(self.source, 'rb') as a, open(self.dest, 'rb') as b:
            return a.read() == b.read()

    def test_streams_the_body(self):
        size = os.path.getsize(self.source)
        self.assertEqual((size, size), self.fetch(self.server.url('a.raw')))
        self.assertTrue(self.same_file())

    def test_without_content_length(self):
        size = os.path.getsize(self.source)
        self.assertEqual((None, size),
                         self.fetch(self.server.url('a.raw', 'nolength')))
        self.assertTrue(self.same_file())

    def test_a_retry_starts_over(self):
        with open(self.dest, 'wb') as f:
            f.write(b'x' * 10 * 1024 * 1024)
        self.fetch(self.server.url('a.raw'))
        self.assertTrue(self.same_file())

    def test_redirects_are_followed_and_checked(self):
        target = self.server.url('a.raw')
        hop = self.server.url('x', 'redirect', to=target)
        self.fetch(self.server.url('x', 'redirect', to=hop))
        self.assertTrue(self.same_file())

    def test_too_many_redirects(self):
        self.conf.set_override('max_redirects', 1, group='image_import')
        target = self.server.url('a.raw')
        hop = self.server.url('x', 'redirect', to=target)
        first = self.server.url('x', 'redirect', to=hop)
        error = self.assertRaises(errors.TooManyRedirects, self.fetch,
                                  first)
        self.assertIn('redirected more than 1 times', error.message)

    def test_redirect_to_file_refused(self):
        self.conf.set_override('allowed_schemes', ['http', 'file'],
                               group='import_filtering_opts')
        self.conf.set_override('allowed_file_directories', ['/'],
                               group='import_filtering_opts')
        error = self.assertRaises(
            errors.RedirectRefused, self.fetch,
            self.server.url('x', 'redirect', to='file:///etc/passwd'))
        self.assertIn('a redirect may not lead to a local file',
                      error.message)

    def test_404(self):
        error = self.assertRaises(errors.SourceHTTPError, self.fetch,
                                  self.server.url('nope.raw'))
        self.assertEqual(404, error.kwargs['status'])
        self.assertIn('check that import_from names an existing image',
                      error.message)

    def test_advice_names_the_callers_field(self):
        url = self.server.url('nope.raw')
        error = self.assertRaises(
            errors.SourceHTTPError, fetch.open_source, self.conf, url,
            field="the import method's uri")
        self.assertIn("check that the import method's uri names an "
                      "existing image", error.message)
        self.assertNotIn('import_from', error.message)
        error = self.assertRaises(
            errors.SourceHTTPError, fetch.download, self.conf, url,
            self.dest, 10 ** 9, 5, field="the import method's uri")
        self.assertIn("the import method's uri", error.message)

    def test_cap_while_streaming(self):
        error = self.assertRaises(errors.ImageTooLarge, self.fetch,
                                  self.server.url('a.raw', 'nolength'),
                                  1024 * 1024)
        self.assertEqual(1024 * 1024, error.kwargs['limit'])

    def test_lying_length(self):
        error = self.assertRaises(errors.SourceIncomplete, self.fetch,
                                  self.server.url('a.raw', 'lie'))
        self.assertEqual(os.path.getsize(self.source),
                         error.kwargs['received'])

    def test_chunked_transfer_broken_off(self):
        error = self.assertRaises(errors.SourceTruncated, self.fetch,
                                  self.server.url('a.raw', 'broken'))
        self.assertIn('broke off the transfer after', error.message)

    def test_silent_server_times_out(self):
        self.conf.set_override('fetch_timeout', 1, group='image_import')
        silent = socket.socket()
        self.addCleanup(silent.close)
        silent.bind(('127.0.0.1', 0))
        silent.listen(1)  # accepts the connection, never answers
        url = 'http://127.0.0.1:%d/a.raw' % silent.getsockname()[1]
        error = self.assertRaises(errors.SourceTimeout, self.fetch, url)
        self.assertIn('sent nothing for 1 seconds', error.message)

    def test_basic_auth_from_the_url_is_sent_and_never_shown(self):
        url = self.server.url('nope.raw').replace(
            'http://', 'http://user:pa%3Ass@')
        error = self.assertRaises(errors.SourceHTTPError, self.fetch, url)
        self.assertEqual(['Basic dXNlcjpwYTpzcw=='],  # user:pa:ss
                         self.server.auth_headers)
        self.assertNotIn('pa:ss', error.message)
        self.assertNotIn('user', error.message)
        self.assertIn(self.server.url('nope.raw'), error.message)

    def test_file_source(self):
        self.conf.set_override('allowed_schemes', ['file'],
                               group='import_filtering_opts')
        self.conf.set_override('allowed_file_directories',
                               [self.source_dir],
                               group='import_filtering_opts')
        size = os.path.getsize(self.source)
        self.assertEqual((size, size), self.fetch('file://' + self.source))
        self.assertTrue(self.same_file())


class TestSafeURL(base.TestCase):

    def test_safe_url(self):
        self.assertEqual('https://example.com:8443/a/b.img',
                         errors.safe_url('https://u:p@example.com:8443/a/'
                                         'b.img?X-Amz-Signature=abc#frag'))
        self.assertEqual('http://[::1]/x', errors.safe_url('http://[::1]/x'))
        self.assertEqual('file:///srv/x', errors.safe_url('file:///srv/x'))
