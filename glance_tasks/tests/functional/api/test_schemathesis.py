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

"""Schemathesis fuzzes every operation of /v2/openapi.json: no 5xx.

Schemathesis reads the document the app serves and generates requests
from it, valid (positive) and schema-violating (negative) ones, sent in
process to the real WSGI app on SQLite, as a project member and as an
admin. Seeded images are offered as path ids beside generated ones, so
the image operations reach real images. Every answer must be no server
error and conform to the document: its status codes, content types,
headers and response schemas.

Not run: ``positive_data_acceptance`` and ``negative_data_rejection``.
Glance's API answers some schema-valid requests with 400 (a marker that
names no item, a task input that the type's own schema refuses, a time
filter that is not ``[op:]ISO-8601``) and takes some values a JSON
schema cannot describe (Glance's ``in:`` and ``gt:`` operators), which
those checks would report though the behaviour is Glance's.

``test_fuzz`` stays beside this: it sends what schemathesis does not
(bytes that are not UTF-8 in paths, queries and identity headers, bodies
that are not JSON, wrong content types) on SQLite and PostgreSQL.
"""

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
import schemathesis
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as openapi_checks
import testtools

from glance_tasks.api import image_body
from glance_tasks.tests.functional.api import fixtures

# Per operation, per generation mode and per identity: about 25 s for
# the two identities on two cores.
EXAMPLES = 12
MEMBER = {'X-Project-Id': fixtures.PROJECT_A, 'X-Roles': 'member,reader'}
ADMIN = {'X-Project-Id': fixtures.PROJECT_A, 'X-Roles': 'admin'}
CHECKS = [st_checks.not_a_server_error,
          openapi_checks.status_code_conformance,
          openapi_checks.content_type_conformance,
          openapi_checks.response_headers_conformance,
          openapi_checks.response_schema_conformance]
MODES = (schemathesis.GenerationMode.POSITIVE,
         schemathesis.GenerationMode.NEGATIVE)

# Glance's JSON patch media types carry JSON.
schemathesis.serializer.alias(list(image_body.PATCH_MEDIA_TYPES),
                              'application/json')


class TestSchemathesis(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.env = fixtures.APIEnvironment()
        self.addCleanup(self.env.stop)
        self.image_ids = sorted(self.env.seed_images().values())
        self.schema = schemathesis.openapi.from_wsgi('/v2/openapi.json',
                                                     self.env.app)
        self.operations = [result.ok() for result in
                           self.schema.get_all_operations()]

    def _strategy(self, operation, mode):
        generated = operation.as_strategy(generation_mode=mode)
        if '{image_id}' not in operation.path:
            return generated
        return st.one_of([generated] + [
            operation.as_strategy(generation_mode=mode,
                                  path_parameters={'image_id': image_id})
            for image_id in self.image_ids])

    def _fuzz(self, operation, mode, headers):
        """Run one operation's examples; the first failure, or None."""
        if mode == schemathesis.GenerationMode.NEGATIVE and not (
                operation.path_parameters or operation.query or
                operation.headers or operation.body):
            return None  # nothing in it can be made invalid

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=self._strategy(operation, mode))
        def examples(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS,
                                   headers=headers)

        try:
            examples()
        except BaseException as exc:  # schemathesis' FailureGroup too
            return '%s (%s): %s' % (operation.label, mode.value, exc)
        return None

    def _run(self, headers):
        self.assertGreaterEqual(len(self.operations), 20)
        failures = [failure for operation in self.operations
                    for mode in MODES
                    for failure in [self._fuzz(operation, mode, headers)]
                    if failure is not None]
        self.assertEqual([], failures, '\n\n'.join(failures))

    def test_as_a_project_member(self):
        self._run(MEMBER)

    def test_as_an_admin(self):
        self._run(ADMIN)
