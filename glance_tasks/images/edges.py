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

"""Which call makes each edge of the image status table.

The table (:data:`glance_tasks.domain.image.TABLE`) says which moves are
allowed; this says how a user (or the service) makes each one. The
functional test ``tests/functional/api/test_status_table.py`` drives
every edge listed in :data:`CALLS` through the API and checks that the
moves it observed are exactly the table's edges less :data:`PENDING`.
"""

from glance_tasks.domain import image as image_domain

_Q = image_domain.QUEUED
_S = image_domain.SAVING
_U = image_domain.UPLOADING
_I = image_domain.IMPORTING
_A = image_domain.ACTIVE
_DA = image_domain.DEACTIVATED
_K = image_domain.KILLED
_PD = image_domain.PENDING_DELETE
_D = image_domain.DELETED

CALLS = {
    (_Q, _S): 'PUT /v2/images/{id}/file (upload starts)',
    (_S, _A): 'PUT /v2/images/{id}/file (data stored)',
    (_S, _Q): 'PUT /v2/images/{id}/file fails (or its process died)',
    (_S, _K): 'import task fails (POST /v2/tasks, type import)',
    (_S, _D): 'DELETE /v2/images/{id} during an upload',
    (_Q, _A): 'PATCH /v2/images/{id} add /locations/-',
    (_Q, _I): 'POST /v2/images/{id}/locations, or /import (web-download, '
              'glance-download)',
    (_I, _A): 'location_import (or api_image_import) task ends',
    (_I, _Q): 'location_import (or api_image_import) task fails',
    (_I, _D): 'DELETE /v2/images/{id} during an import',
    (_Q, _D): 'DELETE /v2/images/{id}',
    (_A, _D): 'DELETE /v2/images/{id}',
    (_A, _PD): 'DELETE /v2/images/{id} (delayed_delete)',
    (_PD, _D): 'scrubber (glance-tasks-manage images scrub)',
    (_PD, _A): 'glance-tasks-manage images restore',
    (_A, _DA): 'POST /v2/images/{id}/actions/deactivate',
    (_DA, _A): 'POST /v2/images/{id}/actions/reactivate',
    (_DA, _D): 'DELETE /v2/images/{id}',
    (_K, _D): 'DELETE /v2/images/{id}',
    (_Q, _U): 'PUT /v2/images/{id}/stage (stage starts)',
    (_U, _Q): 'PUT /v2/images/{id}/stage fails (or its process died)',
    (_U, _D): 'DELETE /v2/images/{id} while staging or staged',
    (_U, _I): 'POST /v2/images/{id}/import (glance-direct)',
}

# Edges no call makes yet (none: every edge of the table has its call).
# queued -> importing is made by the locations API and by POST
# /v2/images/{id}/import (web-download) alike.
PENDING = {}


def edges():
    """Every (from, to) edge of the image status table."""
    return {(source, target)
            for source, targets in image_domain.TABLE.transitions.items()
            for target in targets}


def label(source, target):
    """The call that makes the edge, or why none does yet."""
    return CALLS.get((source, target)) or PENDING[(source, target)]
