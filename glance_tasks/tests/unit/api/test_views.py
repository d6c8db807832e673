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

"""Serializers: Glance's fields, absent versus null, date format."""

import datetime

import jsonschema

from glance_tasks.api import schemas
from glance_tasks.api import views
from glance_tasks.domain import image as image_domain
from glance_tasks.domain import task as task_domain
from glance_tasks.tests import base

NOW = datetime.datetime(2026, 11, 27, 7, 18, 17, 123456)
TASK_ID = '11111111-2222-4333-8444-555555555555'


def _task(**values):
    fields = dict(id=TASK_ID, type='noop', status='pending', owner='p',
                  input={'atoms': 1}, created_at=NOW)
    fields.update(values)
    return task_domain.Task(**fields)


class TestTaskViews(base.TestCase):

    def test_pending_task_as_glance_writes_it(self):
        view = views.task(_task())
        self.assertEqual({
            'id': TASK_ID, 'type': 'noop', 'status': 'pending',
            'owner': 'p', 'input': {'atoms': 1}, 'result': None,
            'message': '', 'created_at': '2026-11-27T07:18:17Z',
            'updated_at': '2026-11-27T07:18:17Z',
            'self': '/v2/tasks/' + TASK_ID, 'schema': '/v2/schemas/task',
        }, view)

    def test_optional_fields_appear_when_set(self):
        view = views.task(_task(status='success', result={'image_id': 'i'},
                                expires_at=NOW, image_id='i', user_id='u',
                                request_id='req-1'))
        self.assertEqual('2026-11-27T07:18:17Z', view['expires_at'])
        self.assertEqual(('i', 'u', 'req-1'), (view['image_id'],
                                               view['user_id'],
                                               view['request_id']))

    def test_stub_has_no_input_result_or_message(self):
        view = views.task_stub(_task(message='m', result={}))
        self.assertFalse({'input', 'result', 'message'} & set(view))

    def test_views_satisfy_the_served_schemas(self):
        # glanceclient validates every body against these schemas.
        for task in (_task(), _task(owner=None, status='failure',
                                    message='x', expires_at=NOW)):
            for body, schema in (
                    (views.task(task), schemas.task(['noop'])),
                    ({'tasks': [views.task_stub(task)]},
                     schemas.tasks(['noop']))):
                validator = jsonschema.validators.validator_for(schema)
                self.assertEqual([], [error.message for error in
                                      validator(schema).iter_errors(body)])

    def test_image_task_is_glance_row_shaped(self):
        view = views.image_task(_task(image_id='i'))
        self.assertEqual('2026-11-27T07:18:17.123456', view['created_at'])
        self.assertIsNone(view['deleted_at'])
        self.assertFalse(view['deleted'])


class TestImageView(base.TestCase):

    def test_image_with_properties(self):
        image = image_domain.Image(id=TASK_ID, name='n', status='active',
                                   disk_format='raw',
                                   container_format='bare', owner='p',
                                   created_at=NOW)
        view = views.image(image, {'hw_arch': 'x86_64', 'name': 'shadow'})
        self.assertEqual('n', view['name'])
        self.assertEqual('x86_64', view['hw_arch'])
        self.assertEqual([], view['tags'])
        self.assertEqual('/v2/images/%s/file' % TASK_ID, view['file'])
        jsonschema.validate(view, schemas.image())
