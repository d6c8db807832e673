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

"""Loading task types with stevedore, offering only the enabled ones."""

import jsonschema
from oslo_log import log as logging
from stevedore import extension

from glance_tasks import exception

LOG = logging.getLogger(__name__)

NAMESPACE = 'glance_tasks.task_types'


def _log_load_failure(manager, entry_point, error):
    LOG.error('Task type %(name)s (%(target)s) could not be loaded and is '
              'not offered: %(error)s',
              {'name': entry_point.name, 'target': entry_point.value,
               'error': error})


class TaskTypeRegistry:
    """The task types this service offers, by name."""

    def __init__(self, types, enabled):
        self._types = {task_type.name: task_type for task_type in types}
        self._enabled = frozenset(enabled)
        missing = sorted(self._enabled - set(self._types))
        if missing:
            LOG.warning('Enabled task type(s) %s are not installed.',
                        ', '.join(missing))

    @classmethod
    def from_entry_points(cls, conf):
        """Load every installed type; a broken plugin is logged, skipped."""
        manager = extension.ExtensionManager(
            NAMESPACE, invoke_on_load=False,
            on_load_failure_callback=_log_load_failure)
        return cls([ext.plugin for ext in manager],
                   conf.task.enabled_task_types)

    @property
    def enabled_names(self):
        return sorted(self._enabled & set(self._types))

    def enabled_types(self):
        """The enabled, installed types, by name."""
        return [self._types[name] for name in self.enabled_names]

    def release_stranded(self, services):
        """Run the release hook of every enabled type; the ids released.

        A hook that fails is logged and the others still run: the next
        purge tries it again.
        """
        released = []
        for task_type in self.enabled_types():
            try:
                released.extend(task_type.release_stranded(services))
            except Exception:
                LOG.exception('Releasing what tasks of type %s left behind '
                              'failed; the next purge tries again.',
                              task_type.name)
        return released

    def get(self, name):
        """The enabled type ``name``, or a typed error naming it."""
        if name not in self._types:
            raise exception.UnknownTaskType(
                type=name, valid=', '.join(self.enabled_names) or 'none')
        if name not in self._enabled:
            raise exception.TaskTypeDisabled(
                type=name, valid=', '.join(self.enabled_names) or 'none')
        return self._types[name]

    def validate_input(self, name, task_input):
        """Check ``task_input`` against the type's schema; return the type."""
        task_type = self.get(name)
        validator = jsonschema.Draft7Validator(task_type.input_schema)
        error = jsonschema.exceptions.best_match(
            validator.iter_errors(task_input))
        if error is not None:
            raise exception.InvalidTaskInput(type=name,
                                             reason=_describe(error))
        return task_type


def _describe(error):
    """A schema error as 'input.field: why', naming the offending field."""
    path = ''.join('[%r]' % part if isinstance(part, int) else '.%s' % part
                   for part in error.absolute_path)
    return 'input%s: %s' % (path, error.message)
