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

"""Import plugins: atoms that work on the data of an interoperable import.

Glance's plugin model, with this service's atoms: a plugin is an entry
point in the ``glance_tasks.image_import.plugins`` namespace naming a
subclass of :class:`~.base.ImportPlugin`, and ``[image_import_opts]
image_import_plugins`` lists the plugins an import runs, in order.
:func:`chain` builds their atoms for the ``api_image_import`` flow, which
puts them between the inspection of the data and its storing:

* ``no_op``: logs that it ran (Glance's example plugin);
* ``image_conversion``: ``qemu-img convert`` to ``[image_conversion]
  output_format``;
* ``inject_image_metadata``: the properties of ``[inject_metadata_properties]
  inject`` set on the image.

What flows from atom to atom is a dict ``{"path": file, "disk_format":
fmt}`` (``disk_format`` may be absent: the image's own), each plugin
getting the one before's and providing the next.

A flow factory that cannot read the configuration (a task type's gets only
the task's id and input) puts :class:`.runner.RunPlugins` in its flow
instead: one atom that reads the list when it runs and runs the same
plugins, with the same reverts.
"""

from importlib import metadata

from oslo_log import log as logging
from stevedore import named

from glance_tasks.images import errors

LOG = logging.getLogger(__name__)

NAMESPACE = 'glance_tasks.image_import.plugins'


def plugin_classes(names):
    """The classes of the plugins ``names``, in that order.

    Raises :class:`~errors.ImportPluginUnknown` naming any that is not
    installed or fails to load (stevedore logs why).
    """
    manager = named.NamedExtensionManager(
        NAMESPACE, names=list(dict.fromkeys(names)), name_order=True)
    found = {extension.name: extension.plugin for extension in manager}
    missing = [name for name in dict.fromkeys(names) if name not in found]
    if missing:
        installed = sorted({entry_point.name for entry_point in
                            metadata.entry_points(group=NAMESPACE)})
        raise errors.ImportPluginUnknown(
            names=', '.join(missing),
            installed=', '.join(installed) or 'none')
    return [found[name] for name in names]


def chain(conf, source='staged'):
    """The atoms of the configured plugins, and the name of their result.

    Returns ``(atoms, provides)``: the first atom requires ``source``,
    each the one before's result, and the last provides ``provides``
    (``source`` itself when no plugin is configured). The atoms come
    from ``[image_import_opts] image_import_plugins`` as this process
    reads it, so every process running imports needs the same list.
    """
    names = conf.image_import_opts.image_import_plugins
    atoms = []
    requires = source
    for index, (name, cls) in enumerate(zip(names, plugin_classes(names)),
                                        start=1):
        provides = '%s-plugin-%d-%s' % (source, index, name)
        atoms.append(cls(name='import-plugin-%d-%s' % (index, name),
                         requires=requires, provides=provides))
        requires = provides
    if atoms:
        LOG.debug('Import plugins: %s', ', '.join(names))
    return atoms, requires
