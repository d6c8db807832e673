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

"""The import body and its target stores, as Glance checks them."""

from glance_tasks.api import import_request
from glance_tasks import exception
from glance_tasks.tests import base
from glance_tasks.tests import multi_store

WEB = {'name': 'web-download', 'uri': 'https://example.com/i.raw'}


class TestParse(base.TestCase):

    def parse(self, body):
        return import_request.parse(body, self.conf)

    def refused(self, body, *words):
        error = self.assertRaises(exception.Invalid, self.parse, body)
        for word in words:
            self.assertIn(word, error.message)
        return error

    def test_defaults_are_filled_in(self):
        self.assertEqual({'method': {'name': 'glance-direct'},
                          'all_stores': False,
                          'all_stores_must_succeed': True},
                         self.parse({'method': {'name': 'glance-direct'}}))

    def test_web_download_keeps_uri_and_normalizes_the_hash(self):
        parsed = self.parse({'method': dict(WEB, validation_data={
            'os_hash_algo': 'sha256', 'os_hash_value': 'AB' * 32}),
            'stores': ['a'], 'all_stores_must_succeed': False})
        self.assertEqual({'name': 'web-download',
                          'uri': 'https://example.com/i.raw',
                          'validation_data': {'os_hash_algo': 'sha256',
                                              'os_hash_value': 'ab' * 32}},
                         parsed['method'])
        self.assertEqual(['a'], parsed['stores'])
        self.assertFalse(parsed['all_stores_must_succeed'])

    def test_glances_messages(self):
        self.refused({}, "Import request requires a 'method' field.")
        self.refused({'method': {}},
                     "Import request requires a 'name' field.")
        self.refused({'method': {'name': 'x'}},
                     "Unknown import method name 'x'")
        self.refused({'method': WEB, 'all_stores': 1},
                     "'all_stores' must be boolean value only")

    def test_a_method_not_enabled(self):
        self.conf.set_override('enabled_import_methods', ['glance-direct'])
        self.refused({'method': WEB}, "'web-download'",
                     'offers: glance-direct')

    def test_null_is_absent(self):
        parsed = self.parse({'method': {'name': 'glance-direct',
                                        'uri': None}, 'stores': None})
        self.assertNotIn('stores', parsed)
        self.assertNotIn('uri', parsed['method'])

    def test_validation_data_is_for_web_download_only(self):
        self.refused({'method': {'name': 'copy-image', 'validation_data': {
            'os_hash_algo': 'sha256', 'os_hash_value': 'a' * 64}}},
            "'validation_data' is taken by the web-download method only")


class TestTargets(base.TestCase):

    def request(self, **body):
        body.setdefault('method', WEB)
        return import_request.parse(body, self.conf)

    def targets(self, request, header=None, existing=()):
        return import_request.targets(self.conf, request, header, existing)

    def test_single_store_has_no_targets(self):
        self.assertIsNone(self.targets(self.request()))
        self.assertIsNone(self.targets(self.request(
            all_stores_must_succeed=False)))
        for request, header in ((self.request(stores=['a']), None),
                                (self.request(all_stores=True), None),
                                (self.request(), 'a')):
            error = self.assertRaises(exception.Invalid, self.targets,
                                      request, header)
            self.assertIn('multi-store is not configured', error.message)

    def test_multi_store(self):
        multi_store.configure(self.conf)
        self.assertEqual(['fast'], self.targets(self.request()))
        self.assertEqual(['slow'], self.targets(self.request(), 'slow'))
        self.assertEqual(['fast', 'slow'], self.targets(self.request(
            all_stores=True)))
        self.assertEqual(['slow'], self.targets(self.request(
            stores=['slow', 'slow'])))
        self.assertRaises(exception.Invalid, self.targets,
                          self.request(stores=['nope']))

    def test_copy_image_leaves_out_the_stores_holding_the_image(self):
        multi_store.configure(self.conf)
        copy = {'name': 'copy-image'}
        self.assertEqual(['slow'], self.targets(self.request(
            method=copy, all_stores=True), existing={'fast'}))
        self.assertEqual([], self.targets(self.request(
            method=copy, all_stores=True), existing={'fast', 'slow'}))
        error = self.assertRaises(
            exception.Invalid, self.targets,
            self.request(method=copy, stores=['fast']), existing={'fast'})
        self.assertIn("Image is already present at store 'fast'",
                      error.message)


class TestDiscoveryHeaders(base.TestCase):

    def test_glances_header(self):
        self.assertEqual({'OpenStack-image-import-methods':
                          'glance-direct,web-download,copy-image'},
                         import_request.discovery_headers(self.conf))
        self.conf.set_override('enabled_import_methods', [])
        self.assertEqual({}, import_request.discovery_headers(self.conf))


REMOTE_ID = '8f0b0c36-5c5e-4b1e-9f55-0ad7b0c6a1d2'


class TestGlanceDownload(base.TestCase):
    """glance-download's fields, Glance's 400s, the catalog lookup."""

    def setUp(self):
        super().setUp()
        self.conf.set_override('enabled_import_methods',
                               ['web-download', 'glance-download'])

    def checked(self, **method):
        parsed = import_request.parse(
            {'method': dict(method, name='glance-download')}, self.conf)
        return import_request.glance_download(parsed['method'])

    def refused(self, message, **method):
        error = self.assertRaises(exception.Invalid, self.checked, **method)
        self.assertIn(message, error.message)

    def test_interface_defaults_to_public(self):
        self.assertEqual({'name': 'glance-download',
                          'glance_image_id': REMOTE_ID,
                          'glance_region': 'RegionTwo',
                          'glance_service_interface': 'public'},
                         self.checked(glance_image_id=REMOTE_ID,
                                      glance_region='RegionTwo'))

    def test_the_id_is_sent_in_its_usual_form(self):
        self.assertEqual(REMOTE_ID, self.checked(
            glance_image_id=REMOTE_ID.replace('-', '').upper(),
            glance_region='R')['glance_image_id'])

    def test_glances_400s(self):
        self.refused("'glance_region' needs to be set for glance-download "
                     "import method", glance_image_id=REMOTE_ID)
        self.refused("'glance_image_id' needs to be set for glance-download "
                     "import method", glance_region='R')
        self.refused('Remote image id does not look like a UUID: nope',
                     glance_image_id='nope', glance_region='R')
        self.refused('Unknown glance_service_interface',
                     glance_image_id=REMOTE_ID, glance_region='R',
                     glance_service_interface='private')
        self.refused("'uri' is taken by the web-download method only",
                     glance_image_id=REMOTE_ID, glance_region='R',
                     uri='http://x')

    def test_its_fields_belong_to_it_alone(self):
        error = self.assertRaises(
            exception.Invalid, import_request.parse,
            {'method': {'name': 'web-download', 'uri': 'http://x/i',
                        'glance_region': 'R'}}, self.conf)
        self.assertIn("Unknown field(s) 'glance_region'", error.message)

    def test_not_enabled_by_default(self):
        self.conf.clear_override('enabled_import_methods')
        self.assertNotIn('glance-download', self.conf.enabled_import_methods)
        error = self.assertRaises(exception.Invalid, self.checked,
                                  glance_image_id=REMOTE_ID,
                                  glance_region='R')
        self.assertIn("Unknown import method name 'glance-download'",
                      error.message)


CATALOG = [
    {'type': 'identity', 'endpoints': [
        {'region': 'RegionTwo', 'publicURL': 'http://keystone'}]},
    {'type': 'image', 'name': 'glance', 'endpoints': [
        {'region': 'RegionOne', 'publicURL': 'http://one:9292'},
        {'region': 'RegionTwo', 'publicURL': 'http://two:9292/',
         'internalURL': 'http://two-internal:9292'}]},
]


class TestGlanceEndpoint(base.TestCase):

    def test_region_compared_without_case(self):
        self.assertEqual('http://two:9292', import_request.glance_endpoint(
            CATALOG, 'regiontwo', 'public'))
        self.assertEqual('http://two-internal:9292',
                         import_request.glance_endpoint(
                             CATALOG, 'RegionTwo', 'internal'))

    def test_none_when_absent(self):
        for region, interface in (('RegionThree', 'public'),
                                  ('RegionTwo', 'admin')):
            self.assertIsNone(import_request.glance_endpoint(
                CATALOG, region, interface))
        self.assertIsNone(import_request.glance_endpoint(None, 'R', 'public'))
        self.assertIsNone(import_request.glance_endpoint(
            [{'type': 'image', 'endpoints': 'junk'}, 'junk'], 'R',
            'public'))
