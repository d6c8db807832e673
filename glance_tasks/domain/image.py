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

"""The image and its statuses, as Glance's status machine has them."""

import dataclasses
import datetime

from glance_tasks.domain import statemachine
from glance_tasks import exception

QUEUED = 'queued'
SAVING = 'saving'
UPLOADING = 'uploading'
IMPORTING = 'importing'
ACTIVE = 'active'
DEACTIVATED = 'deactivated'
KILLED = 'killed'
PENDING_DELETE = 'pending_delete'
DELETED = 'deleted'

STATUS_DESCRIPTIONS = {
    QUEUED: 'The image identifier has been reserved for an image. No image '
            'data has been uploaded yet and the image size was not '
            'explicitly set to zero on creation.',
    SAVING: 'The raw data of the image is being uploaded. When an image is '
            'registered with a call to create it with data, the image '
            'stays in this status while the data is stored.',
    UPLOADING: 'An import data-put call has been made; a regular upload is '
               'not allowed while the image is in this status.',
    IMPORTING: 'An import call has been made but the image is not yet '
               'ready for use.',
    ACTIVE: 'The image is fully available.',
    DEACTIVATED: 'Access to the image data is not allowed to any non-admin '
                 'user; downloads and exports are prohibited.',
    KILLED: 'An error occurred during the upload of the image data, and '
            'the image is not readable.',
    PENDING_DELETE: 'The image data is not available yet but will be '
                    'deleted automatically at a later point; the image can '
                    'still be restored.',
    DELETED: 'The image is no longer available to use. It will be '
             'removed automatically at a later date.',
}

TABLE = statemachine.StatusTable(
    kind='image',
    initial=QUEUED,
    transitions={
        # queued -> active is "add location from zero to more than one".
        QUEUED: {SAVING, UPLOADING, IMPORTING, ACTIVE, DELETED},
        SAVING: {ACTIVE, KILLED, DELETED, QUEUED},
        UPLOADING: {IMPORTING, QUEUED, DELETED},
        IMPORTING: {ACTIVE, DELETED, QUEUED},
        ACTIVE: {PENDING_DELETE, DELETED, DEACTIVATED},
        KILLED: {DELETED},
        PENDING_DELETE: {DELETED, ACTIVE},
        DELETED: set(),
        DEACTIVATED: {ACTIVE, DELETED},
    },
    refused_exc=exception.InvalidImageStatusTransition)

# Glance refuses to hold data for an image whose formats are unknown.
NEEDS_FORMATS = frozenset({SAVING, IMPORTING, ACTIVE})


@dataclasses.dataclass(frozen=True)
class Image:
    """An image as the domain sees it; frozen so a refused move can't leak."""

    id: str
    status: str = QUEUED
    name: str | None = None
    disk_format: str | None = None
    container_format: str | None = None
    size: int | None = None
    virtual_size: int | None = None
    checksum: str | None = None
    os_hash_algo: str | None = None
    os_hash_value: str | None = None
    visibility: str = 'shared'
    min_disk: int = 0
    min_ram: int = 0
    protected: bool = False
    os_hidden: bool = False
    owner: str | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    deleted: bool = False
    deleted_at: datetime.datetime | None = None


def status_changes(image, to_status):
    """Return the column values moving ``image`` to ``to_status`` sets.

    The one function through which every image status change goes. It
    enforces the table and Glance's rules on top of it: formats must be set
    before data is saved, imported or made active; going back to queued
    forgets the size of data that is no longer there.
    """
    TABLE.check(image.status, to_status)
    if to_status in NEEDS_FORMATS and not (image.disk_format and
                                           image.container_format):
        raise exception.ImageFormatNotSet(id=image.id, to_status=to_status)
    changes = {'status': to_status}
    if to_status == QUEUED:
        changes.update(size=None, virtual_size=None)
    return changes


def transition(image, to_status, *, now):
    """Return a copy of ``image`` moved to ``to_status``, or raise."""
    changes = status_changes(image, to_status)
    return dataclasses.replace(image, updated_at=now, **changes)
