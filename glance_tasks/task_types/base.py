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

"""The contract between the service and its task types.

A task type is a class registered as an entry point in the
``glance_tasks.task_types`` namespace (see :class:`TaskType`). The
service, not the type, moves the task through its statuses: it checks
the input against the type's schema when the task is created, builds the
type's flow, runs it on a TaskFlow engine and records the outcome.

The atoms of the flow get what they need from the engine that runs them,
never from a module-level global: the runner injects a :class:`Services`
into the engine's storage under the name ``services`` (:data:`SERVICES`),
so any atom naming ``services`` among the arguments of its ``execute`` or
``revert`` receives it. The value is transient (kept in memory, never
written to TaskFlow's persistence), and it is injected again whenever an
engine is loaded, for a new flow as for one resumed after a crash.
"""

import threading

from taskflow import task
from taskflow.types import failure as tf_failure

from glance_tasks import context as gt_context
from glance_tasks.images import store as store_mod
from glance_tasks.lifecycle import images as image_lifecycle

# The name under which the flow's result is provided: a JSON object.
RESULT = 'result'
# The name under which atoms receive the engine's Services.
SERVICES = 'services'


class TaskType:
    """What a task type declares; subclass it and set the attributes.

    ``name``
        The type users pass as ``type``; the entry point's name.
    ``description``
        One sentence for operators and the documentation.
    ``input_schema``
        A JSON schema (draft 7) the task's ``input`` must satisfy. It is
        checked when the task is created: a bad input is a 400 naming the
        offending field, and nothing is written.
    ``flow_factory``
        The dotted name of a function ``factory(task_id, task_input)``
        returning a TaskFlow flow. It is importable by name because the
        flow is rebuilt from it after a crash, possibly by another
        process on another host, so it must build the same flow from the
        same arguments, and nothing in it may depend on the process that
        calls it (its atoms get that from :class:`Services`). Some atom
        provides :data:`RESULT`, the task's ``result``.

    :meth:`release_stranded` undoes what a task of this type leaves
    behind when it ends without its reverts having run.
    """

    name = None
    description = ''
    input_schema = {'type': 'object'}
    flow_factory = None

    @classmethod
    def release_stranded(cls, services):
        """Undo what tasks of this type left when they died half-way.

        A task whose flow cannot be resumed after a crash (its progress
        was lost, its flow no longer builds) is failed by the service
        without running its reverts. The service calls this hook of every
        enabled type at start and with each periodic purge, possibly in
        several processes at once and while other tasks run: it must
        touch only what belongs to tasks that have ended, decide that in
        the transaction that changes it, and be idempotent. Returns the
        ids of what it released (for the log and the tests).
        """
        return []


class Services:
    """What the engine hands to the atoms of every flow it runs.

    ``conf``
        The service's ``ConfigOpts``.
    ``image_store``
        The :class:`~glance_tasks.images.store.ImageStore` of ``conf``,
        built on first use and shared by every task of the process.
    ``admin_context``
        A new admin request context (atoms act for the service, checked
        by the task's owner where it matters).
    ``images``
        The :class:`~glance_tasks.lifecycle.images.ImageLifecycle`: every
        change of an image, committed with its notification, then the
        relay woken.
    ``notify_context``
        The ids of the request that created the task (``request_id``,
        ``user_id``, ``project_id``), which every notification of the
        task carries; ``None`` outside a task.
    """

    def __init__(self, conf, image_store=None, images=None):
        self.conf = conf
        self.images = images or image_lifecycle.ImageLifecycle(conf)
        self.notify_context = None
        self._store = _OnFirstUse(lambda: store_mod.ImageStore(conf),
                                  image_store)

    @property
    def image_store(self):
        return self._store.get()

    @property
    def admin_context(self):
        return gt_context.get_admin_context()

    def for_task(self, task):
        """These services, with the notification context of ``task``."""
        services = Services.__new__(Services)
        services.__dict__.update(self.__dict__)
        services.notify_context = {'request_id': task.request_id,
                                   'user_id': task.user_id,
                                   'project_id': task.owner}
        return services


class _OnFirstUse:
    """A value built by ``build`` the first time it is asked for."""

    def __init__(self, build, value=None):
        self._build = build
        self._value = value
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            if self._value is None:
                self._value = self._build()
            return self._value


class Atom(task.Task):
    """Base of the atoms of a task type's flow.

    An atom receives the engine's :class:`Services` by naming
    ``services`` in the signature of its ``execute`` and ``revert``, like
    any other argument TaskFlow provides. Two rules hold for every atom:

    * ``execute`` may run again: when the process dies while it runs,
      the engine that resumes the flow runs it from the start, so it
      must find and accept its own earlier work (or part of it).
    * ``revert(..., result=None, flow_failures=None, **kwargs)`` undoes
      exactly what ``execute`` did, whether ``execute`` finished
      (``result`` is its return value) or failed (``result`` is a
      TaskFlow ``Failure``, see :meth:`failed`); it may run again too.
    """

    @staticmethod
    def failed(result):
        """True if ``result``, as revert gets it, means execute failed."""
        return result is None or isinstance(result, tf_failure.Failure)
