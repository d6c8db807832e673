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

"""A task service with the image task types in a child process.

For the image crash tests; see :mod:`..child_service` for the command
line. It creates ``import`` tasks and prints, with the task, its image's
id, status and checksum.
"""

import sys

from glance_tasks import context as gt_context
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types import image_import
from glance_tasks.task_types import location_import
from glance_tasks.tests.functional import child_service


def image_fields(task):
    context = gt_context.get_admin_context()
    image = image_lifecycle.get(context, task.image_id) \
        if task.image_id else None
    return {'image_id': task.image_id,
            'image_status': image.status if image else None,
            'checksum': image.checksum if image else None}


def main(argv=None):
    return child_service.main(
        sys.argv[1:] if argv is None else argv, 'import-child',
        [image_import.Import, location_import.LocationImport], 'import',
        report=image_fields)


if __name__ == '__main__':
    sys.exit(main())
