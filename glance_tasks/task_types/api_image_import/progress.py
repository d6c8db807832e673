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

"""How far an import got, in its task's message ("Copied N MiB").

Glance writes the task's message as the data is copied. Here the
message is written at most once every :data:`INTERVAL` seconds, not per
chunk, and each write is also where a running import notices that its
image was deleted, or its task ended elsewhere, and stops.
"""

import time

from oslo_utils import units

from glance_tasks.i18n import _
from glance_tasks.lifecycle import tasks as task_lifecycle
from glance_tasks.task_types.api_image_import import claim
from glance_tasks.task_types.api_image_import import errors

# Seconds between two writes of the message (and checks of the image).
INTERVAL = 1.0


class Progress:
    """Counts the bytes of one step; call it with each chunk's length."""

    def __init__(self, services, task_id, image_id, method):
        self._services = services
        self._task_id = task_id
        self._image_id = image_id
        self._method = method
        self._tasks = task_lifecycle.TaskLifecycle(services.conf)
        self._last = time.monotonic()
        self.total = 0

    def __call__(self, count):
        self.at(self.total + count)

    def at(self, total):
        """``total`` bytes so far (what ``fetch.download`` reports)."""
        self.total = total
        now = time.monotonic()
        if now - self._last >= INTERVAL:
            self._last = now
            self.report()

    def report(self):
        """Write the message now; raise if the import must stop."""
        context = self._services.admin_context
        claim.claimed(context, self._image_id, self._task_id, self._method)
        message = _('Copied %i MiB') % (self.total // units.Mi)
        if not self._tasks.report_progress(context, self._task_id, message):
            raise errors.TaskAborted(image_id=self._image_id)


class Reader:
    """A file read by the image store, counted by a :class:`Progress`."""

    def __init__(self, f, progress):
        self._file = f
        self._progress = progress

    def read(self, size=-1):
        data = self._file.read(size)
        if data:
            self._progress(len(data))
        return data
