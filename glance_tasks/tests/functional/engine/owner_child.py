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

"""A task service process that imports images until told to stop.

For the ownership tests: ``python -m <this module> CONFIG URLS`` syncs
the database, starts the service (local executor), creates one
``import`` task per URL of the JSON list ``URLS``, prints
``{"ids": [...], "executor": NAME}`` and then keeps serving -- running
its tasks and sweeping for those of dead processes -- until its standard
input is closed; then it stops the service and exits 0.
"""

import json
import sys

from glance_tasks import context as gt_context
from glance_tasks.task_types import image_import
from glance_tasks.tests.functional import child_service


def _task_input(url, index):
    return {'import_from': url, 'import_from_format': 'raw',
            'image_properties': {'name': 'image-%d' % index,
                                 'disk_format': 'raw',
                                 'container_format': 'bare'}}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    config, urls = argv[0], json.loads(argv[1])
    args = child_service.parse([config, 'create', '{}'])
    service = child_service.start_service(args, 'owner-child',
                                          [image_import.Import])
    context = gt_context.RequestContext(project_id='project-a',
                                        user_id='user-a')
    ids = [service.create_task(context, 'import', _task_input(url, i)).id
           for i, url in enumerate(urls)]
    print(json.dumps({'ids': ids, 'executor': service.executor.owner}),
          flush=True)
    sys.stdin.read()  # until the test closes it
    service.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
