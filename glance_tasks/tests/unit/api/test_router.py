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

"""Routes as data: every declared path answers, others 405 or 404."""

import routes

from glance_tasks.api import router
from glance_tasks.tests import base


class TestMap(base.TestCase):

    def test_every_route_has_a_405_catch_all(self):
        routes_ = dict(router.ROUTES, **router.PUBLIC_ROUTES)
        mapper = router.make_map(routes_)
        for path, methods in routes_.items():
            concrete = path.replace('{task_id}', 't').replace(
                '{image_id}', 'i').replace('{tag_value}', 'g')
            match = mapper.match(environ={'PATH_INFO': concrete,
                                          'REQUEST_METHOD': 'TRACE'})
            self.assertIs(router.handle_405, match['action'], path)
            for method, handler in methods.items():
                match = mapper.match(environ={'PATH_INFO': concrete,
                                              'REQUEST_METHOD': method})
                self.assertIs(handler, match['action'])

    def test_allow_lists_head_with_get(self):
        mapper = router.make_map({'/x': {'GET': None, 'POST': None}})
        match = mapper.match(environ={'PATH_INFO': '/x',
                                      'REQUEST_METHOD': 'PUT'})
        self.assertEqual('GET, HEAD, POST', match['_methods'])

    def test_handlers_are_module_functions(self):
        for methods in list(router.ROUTES.values()) + list(
                router.PUBLIC_ROUTES.values()):
            for handler in methods.values():
                self.assertTrue(handler.__module__.startswith(
                    'glance_tasks.api.handlers.'), handler)
                self.assertTrue(handler.__doc__ is None or
                                handler.__doc__.strip())

    def test_mapper_type(self):
        self.assertIsInstance(router.make_map({}), routes.Mapper)
