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

"""URL filtering: Glance's lists, then the addresses a host resolves to."""

import os

from glance_tasks.images import errors
from glance_tasks.images import url_filter
from glance_tasks.tests import base

GROUP = 'import_filtering_opts'


class FilterTestCase(base.TestCase):

    def set(self, **overrides):
        for name, value in overrides.items():
            self.conf.set_override(name, value, group=GROUP)

    def refused(self, url, resolve=False):
        def check():
            parts = url_filter.check_url(self.conf, url)
            if resolve:
                url_filter.resolve(self.conf, parts, url)
        return self.assertRaises(errors.URLRefused, check).message

    def allowed(self, url):
        parts = url_filter.check_url(self.conf, url)
        if parts.scheme != 'file':
            return url_filter.resolve(self.conf, parts, url)
        return parts


class TestGlanceLists(FilterTestCase):

    def test_defaults_allow_http_and_https_on_their_ports(self):
        for url in ('http://images.example.com/a.img',
                    'https://images.example.com:443/a'):
            parts = url_filter.check_url(self.conf, url)
            self.assertEqual(url, parts.geturl())

    def test_default_refuses_other_schemes(self):
        for url in ('ftp://example.com/a', 'gopher://example.com/',
                    'file:///etc/passwd', 'data:,hello'):
            self.assertIn('is not allowed (allowed: http, https)',
                          self.refused(url), url)

    def test_default_refuses_other_ports(self):
        message = self.refused('http://example.com:8080/a')
        self.assertEqual(
            "The URL http://example.com:8080/a is refused by this cloud's "
            "import filtering: Port 8080 is not allowed (allowed: 80, "
            "443). Ask the cloud operator if this source should be "
            "allowed.", message)

    def test_disallowed_lists_apply_when_allowed_is_empty(self):
        self.set(allowed_schemes=[], disallowed_schemes=['ftp'],
                 allowed_ports=[], disallowed_ports=[22],
                 disallowed_hosts=['evil.example.com'])
        self.assertIn('Scheme ftp', self.refused('ftp://example.com/'))
        self.assertIn('Port 22', self.refused('http://example.com:22/'))
        self.assertIn('Host evil.example.com',
                      self.refused('http://evil.example.com/'))
        url_filter.check_url(self.conf, 'http://example.com:8080/')

    def test_allowed_hosts_only(self):
        self.set(allowed_hosts=['mirror.example.com'])
        url_filter.check_url(self.conf, 'http://mirror.example.com/a')
        self.assertIn('Host other.example.com is not allowed',
                      self.refused('http://other.example.com/a'))

    def test_no_host(self):
        self.assertIn('names no host', self.refused('http:///path'))

    def test_credentials_never_in_the_message(self):
        message = self.refused('ftp://user:s3cret@example.com/a?token=x')
        self.assertNotIn('s3cret', message)
        self.assertNotIn('token', message)
        self.assertIn('ftp://example.com/a', message)


class TestAddresses(FilterTestCase):

    def test_non_public_addresses_refused(self):
        for host, words in (('127.0.0.1', 'a loopback'),
                            ('10.1.2.3', 'a private'),
                            ('192.168.0.10', 'a private'),
                            ('172.16.5.4', 'a private'),
                            ('169.254.169.254', 'a link-local'),
                            ('0.0.0.0', 'an unspecified'),
                            ('[::1]', 'a loopback'),
                            ('[fe80::1]', 'a link-local'),
                            ('[fd00::1]', 'a private'),
                            ('[::ffff:127.0.0.1]', 'a loopback'),
                            ('100.64.0.1', 'a non-public')):
            message = self.refused('http://%s/x' % host, resolve=True)
            self.assertIn('%s address; imports from loopback, link-local '
                          'and private networks are refused.' % words,
                          message)

    def test_a_name_resolving_to_loopback_is_refused(self):
        message = self.refused('http://localhost/x', resolve=True)
        self.assertIn('host localhost resolves to', message)
        self.assertIn('loopback address', message)

    def test_public_address_allowed(self):
        self.assertEqual([(2, '8.8.8.8')], [
            (family.value, address) for family, address in
            self.allowed('http://8.8.8.8/x')])

    def test_allowed_host_may_be_private(self):
        self.set(allowed_hosts=['10.1.2.3'])
        self.assertEqual([(2, '10.1.2.3')], [
            (family.value, address) for family, address in
            self.allowed('http://10.1.2.3/x')])

    def test_allowed_networks(self):
        self.set(allowed_networks=['10.0.0.0/8', 'not-a-network'])
        self.assertEqual([(2, '10.1.2.3')], [
            (family.value, address) for family, address in
            self.allowed('http://10.1.2.3/x')])
        self.assertIn('192.168.1.1',
                      self.refused('http://192.168.1.1/x', resolve=True))

    def test_unresolvable_name(self):
        parts = url_filter.check_url(self.conf,
                                     'http://no-such-host.invalid/x')
        error = self.assertRaises(errors.SourceUnreachable,
                                  url_filter.resolve, self.conf, parts,
                                  'http://no-such-host.invalid/x')
        self.assertIn('the host name no-such-host.invalid could not be '
                      'resolved', error.message)


class TestFileURLs(FilterTestCase):

    def setUp(self):
        super().setUp()
        self.allowed_dir = os.path.join(self.state_path, 'images-in')
        os.makedirs(self.allowed_dir)
        self.path = os.path.join(self.allowed_dir, 'a.img')
        open(self.path, 'wb').close()

    def test_refused_without_directories(self):
        self.set(allowed_schemes=['file'])
        self.assertIn('file:// imports are not enabled',
                      self.refused('file://' + self.path))

    def test_allowed_inside_a_named_directory(self):
        self.set(allowed_schemes=['file'],
                 allowed_file_directories=[self.allowed_dir])
        self.assertEqual(self.path, self.allowed('file://' + self.path).path)

    def test_outside_and_through_links(self):
        self.set(allowed_schemes=['file'],
                 allowed_file_directories=[self.allowed_dir])
        self.assertIn('outside the directories',
                      self.refused('file:///etc/passwd'))
        self.assertIn('outside the directories', self.refused(
            'file://%s/../../etc/passwd' % self.allowed_dir))
        link = os.path.join(self.allowed_dir, 'link')
        os.symlink('/etc/passwd', link)
        self.assertIn('outside the directories',
                      self.refused('file://' + link))

    def test_file_needs_the_scheme_too(self):
        self.set(allowed_file_directories=[self.allowed_dir])
        self.assertIn('Scheme file is not allowed',
                      self.refused('file://' + self.path))
