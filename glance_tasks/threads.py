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

"""Native threads for the whole process: no eventlet, ever.

The service runs on native threads (TaskFlow engines, futurist pools,
cheroot or uWSGI workers). Eventlet reaches a process through two doors
even though nothing here uses it:

* ``oslo_messaging.server`` imports ``oslo_service.service``, which picks
  oslo.service's concurrency backend at import time and, unless told
  otherwise, picks the eventlet one; importing that backend imports
  eventlet, which prints its "Eventlet is deprecated" warning and warns
  on every ``fork()`` (uWSGI forks its workers).
* oslo.utils, oslo.messaging, futurist and TaskFlow each *try* to import
  eventlet to find out whether it monkey-patched the process. oslo.service
  depends on eventlet, so it is installed and that import succeeds.

:func:`use_native_threads` closes both: it selects oslo.service's
threading backend, and marks ``eventlet`` as not importable (a ``None``
in ``sys.modules`` makes ``import eventlet`` raise ``ImportError``, which
every one of those optional imports handles). ``glance_tasks/__init__.py``
calls it, so it runs before any of our modules -- console scripts, the
WSGI module, the tests -- imports oslo.messaging.
"""

import sys

from oslo_service import backend


def use_native_threads():
    """Select oslo.service's threading backend; keep eventlet out.

    Idempotent. If the host process imported eventlet before us (it is not
    ours to undo), eventlet stays; the backend is still threading.
    """
    sys.modules.setdefault('eventlet', None)
    if backend.get_backend_type() is None:
        backend.init_backend(backend.BackendType.THREADING)
