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

"""A stand-in ``api_image_import`` type for tests of the import call.

The API's tests check what the call guarantees -- the answer, the task
row, the lock, the statuses -- not what the flow then does, so their
task must neither finish nor touch the image while they look. Its one
atom waits until :data:`RELEASE` is set (a test sets it in its cleanup)
and does nothing else. Its input schema is the contract's, so a call
whose task input strays from it fails.
"""

import threading

from taskflow.patterns import linear_flow

from glance_tasks.task_types import base

RELEASE = threading.Event()
WAIT = 60

_HASH = {'type': 'object', 'additionalProperties': False,
         'required': ['os_hash_algo', 'os_hash_value'],
         'properties': {'os_hash_algo': {'type': 'string'},
                        'os_hash_value': {'type': 'string'}}}
INPUT_SCHEMA = {
    'type': 'object', 'additionalProperties': False,
    'required': ['image_id', 'import_req', 'backend'],
    'properties': {
        'image_id': {'type': 'string'},
        'backend': {'type': ['array', 'null'], 'items': {'type': 'string'}},
        'import_req': {
            'type': 'object', 'additionalProperties': False,
            'required': ['method', 'all_stores', 'all_stores_must_succeed'],
            'properties': {
                'method': {
                    'type': 'object', 'additionalProperties': False,
                    'required': ['name'],
                    'properties': {'name': {'type': 'string'},
                                   'uri': {'type': 'string'},
                                   'validation_data': _HASH}},
                'stores': {'type': 'array', 'items': {'type': 'string'}},
                'all_stores': {'type': 'boolean'},
                'all_stores_must_succeed': {'type': 'boolean'}}}},
}


class Wait(base.Atom):
    """Waits for the test to let it go; changes nothing."""

    def __init__(self):
        super().__init__(name='wait-for-the-test', provides=base.RESULT)

    def execute(self):
        RELEASE.wait(WAIT)
        return {}

    def revert(self, *args, **kwargs):
        """Nothing to undo."""


def build_flow(task_id, task_input):
    return linear_flow.Flow('stub-import-%s' % task_id).add(Wait())


class StubImport(base.TaskType):
    name = 'api_image_import'
    description = 'Waits; for tests of the import call only.'
    flow_factory = 'glance_tasks.tests.functional.api.import_stub.build_flow'
    input_schema = INPUT_SCHEMA
