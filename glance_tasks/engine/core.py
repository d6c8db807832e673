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

"""The parts every task-running process shares, wired in one place.

The API's :class:`~glance_tasks.service.TaskService` and an engine's
:class:`~glance_tasks.engine.worker.EngineService` both need the enabled
task types, the outbox relay, the task and image lifecycles that wake
it after each commit, the TaskFlow persistence backend, and the services
the atoms of every flow receive (configuration, image store, image
lifecycle, contexts).
"""

import dataclasses

from glance_tasks.engine import persistence
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.lifecycle import tasks as task_lifecycle
from glance_tasks.notifications import relay as relay_mod
from glance_tasks.notifications import sender as sender_mod
from glance_tasks.task_types import base as type_base
from glance_tasks.task_types import registry as registry_mod


@dataclasses.dataclass(frozen=True)
class Core:
    registry: registry_mod.TaskTypeRegistry
    relay: relay_mod.OutboxRelay
    lifecycle: task_lifecycle.TaskLifecycle
    backend: object  # a TaskFlow persistence backend
    services: type_base.Services


def build(conf, registry=None, sender=None):
    """Wire the shared parts for ``conf``.

    Tests pass their own registry and sender (the process edge).
    """
    relay = relay_mod.OutboxRelay(
        sender or sender_mod.Sender(conf),
        lease_duration=conf.notification_relay_lease)
    return Core(
        registry=registry or
        registry_mod.TaskTypeRegistry.from_entry_points(conf),
        relay=relay,
        lifecycle=task_lifecycle.TaskLifecycle(conf, on_commit=relay.wake),
        backend=persistence.create_backend(conf),
        services=type_base.Services(
            conf, images=image_lifecycle.ImageLifecycle(
                conf, on_commit=relay.wake)))
