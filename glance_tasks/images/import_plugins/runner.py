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

"""The configured plugins as one atom, the list read when it runs.

A task type's flow factory gets only the task's id and input, and must
build the same flow in every process (it is rebuilt after a crash,
possibly elsewhere), so it cannot call
:func:`~glance_tasks.images.import_plugins.chain`, which needs the
configuration. :class:`RunPlugins` is always in the flow instead, and
runs the plugins of ``[image_import_opts] image_import_plugins`` as the
engine running it reads them (as the ``import`` task's ``convert`` reads
``conversion_format``): each plugin's ``execute`` in order, each getting
the one before's data. When one fails, those that ran are reverted (last
first) before the error goes on; when a later step of the flow fails, its
revert reverts them all. Its result is the final data and the record of
what ran, which the revert uses.
"""

from oslo_utils import excutils

from glance_tasks.db import requesters as requester_db
from glance_tasks.images import import_plugins
from glance_tasks.task_types import base


def _plugin(name):
    [cls] = import_plugins.plugin_classes([name])
    return cls(name='import-plugin-%s' % name, requires='data',
               provides='data')


def _call(method, rebind, values, **extra):
    """``method`` with the arguments its atom names, from ``values``."""
    return method(**extra, **{arg: values[name]
                              for arg, name in rebind.items()
                              if name in values})


def _recorded_roles(services, task_id):
    """The roles of the user who started the task (``task_requesters``).

    Read when the plugins run, by whichever process runs them; None for a
    task whose requester is not recorded.
    """
    requester = requester_db.get(services.admin_context, task_id)
    return None if requester is None else requester.roles


def _data_of(atom, result):
    return result[0] if atom.records else result


class RunPlugins(base.Atom):
    """Run the configured import plugins on ``source``'s data.

    Provides ``provides`` (the data after the last plugin: ``source``'s
    own when none is configured) and ``<provides>-plugins``, the record.
    """

    def __init__(self, source='staged', provides='plugged',
                 name='import-plugins'):
        super().__init__(name=name,
                         provides=(provides, provides + '-plugins'),
                         rebind={'data': source})

    def execute(self, services, image_id, data, user_roles=None,
                task_id=None):
        if user_roles is None and task_id is not None:
            user_roles = _recorded_roles(services, task_id)
        values = {base.SERVICES: services, 'image_id': image_id,
                  'user_roles': user_roles, 'task_id': task_id}
        ran = []
        for name in services.conf.image_import_opts.image_import_plugins:
            atom = _plugin(name)
            given = dict(values, data=data)
            try:
                result = _call(atom.execute, atom.rebind, given)
            except Exception:
                with excutils.save_and_reraise_exception():
                    _call(atom.revert, atom.revert_rebind, given,
                          result=None, flow_failures={})
                    self._revert_ran(values, ran)
            ran.append({'plugin': name, 'data': data, 'result': result})
            data = _data_of(atom, result)
        return data, ran

    def revert(self, services, image_id, result=None, task_id=None,
               **kwargs):
        if self.failed(result):
            return  # execute reverted what ran before it raised
        self._revert_ran({base.SERVICES: services, 'image_id': image_id,
                          'task_id': task_id}, result[1])

    @staticmethod
    def _revert_ran(values, ran):
        for step in reversed(ran):
            atom = _plugin(step['plugin'])
            _call(atom.revert, atom.revert_rebind,
                  dict(values, data=step['data']), result=step['result'],
                  flow_failures={})
