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

"""The task service with ``api_image_import`` in a child process.

For the import crash tests; see :mod:`..service_child` for the command
line. ``create`` starts the import of the image named in the input as
the import call does (:func:`.api_import.begin_import`).

``GT_TEST_STORE_RATE`` (bytes per second) makes the image store's disk
slow, so that a test can kill the child while it writes to the store.
"""

import os
import sys
import time

from glance_tasks.images import store
from glance_tasks.task_types import api_image_import
from glance_tasks.tests.functional.images import api_import
from glance_tasks.tests.functional import service_child


class _SlowReader:
    """A file-like read at ``rate`` bytes per second."""

    def __init__(self, data, rate):
        self._data = data
        self._rate = rate

    def read(self, size=-1):
        chunk = self._data.read(size)
        time.sleep(len(chunk) / self._rate)
        return chunk


def slow_store(rate):
    add_stream = store.ImageStore.add_stream

    def slow_add_stream(self, image_id, data, size=0, **kwargs):
        return add_stream(self, image_id, _SlowReader(data, rate), size,
                          **kwargs)
    store.ImageStore.add_stream = slow_add_stream


def _create(service, context, _task_type, task_input):
    return api_import.begin_import(service, context, task_input['image_id'],
                                   task_input)


def main(argv=None):
    rate = os.environ.get('GT_TEST_STORE_RATE')
    if rate:
        slow_store(float(rate))
    return service_child.main(
        sys.argv[1:] if argv is None else argv,
        [api_image_import.ApiImageImport], create=_create)


if __name__ == '__main__':
    sys.exit(main())
