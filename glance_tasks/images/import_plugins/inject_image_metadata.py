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

"""``inject_image_metadata``: set ``[inject_metadata_properties] inject``
on the image.

As Glance does, nothing is injected when the user who started the import
holds one of ``[inject_metadata_properties] ignore_user_roles``, and names
in the reserved ``os_glance`` namespace are dropped (as are the image's own
fields, which are not properties). The user's roles are those the import
call recorded in ``task_requesters`` (read by
:class:`~glance_tasks.images.import_plugins.runner.RunPlugins` when it
runs, in whichever process), or the flow value ``user_roles`` when a
flow gives it; for a task with neither the properties are injected (the
role exception cannot be decided, and leaving the operator's properties
off every image would be the greater surprise).

The properties are set in one image update (``image.update``), the
revert undoes exactly that: the properties it added are removed, those it
replaced get their earlier value back. What it changed is read in the
same transaction as the update, so the record is exact; only if the
process dies after that commit and before TaskFlow saved the result does
the run again find the properties already set, record nothing, and leave
them on a failed import (harmless: they are the operator's own).
"""

from oslo_log import log as logging

from glance_tasks.db import images as image_db
from glance_tasks import exception
from glance_tasks.images.import_plugins import base
from glance_tasks.images import properties as image_props
from glance_tasks.lifecycle import images as image_lifecycle

LOG = logging.getLogger(__name__)

# Glance's reserved namespace of properties (api.common.GLANCE_RESERVED_NS).
RESERVED_NAMESPACE = 'os_glance'
MAX_NAME = 255
NOT_PROPERTIES = frozenset(image_props.BASE_PROPERTIES) | frozenset(
    image_props.RESERVED_PROPERTIES)


def injectable(properties, image_id):
    """``properties`` without the names that may not be injected."""
    kept = {}
    for name, value in properties.items():
        if (name.startswith(RESERVED_NAMESPACE) or name in NOT_PROPERTIES
                or not name or len(name) > MAX_NAME):
            LOG.warning('Image %s: [inject_metadata_properties] inject '
                        'names %r, which is not an extra property an '
                        'import may set; it is left out.', image_id, name)
            continue
        kept[name] = value
    return kept


def ignored(conf, user_roles):
    """True when the user's roles exempt the import from injection."""
    if user_roles is None:
        return False
    return bool(set(user_roles) &
                set(conf.inject_metadata_properties.ignore_user_roles))


class InjectImageMetadata(base.ImportPlugin):
    """Set the configured properties; record what it added and replaced."""

    records = ('injected',)

    def execute(self, services, image_id, data, user_roles=None):
        conf = services.conf
        nothing = {'added': [], 'replaced': {}}
        if ignored(conf, user_roles):
            LOG.debug('Image %s: no properties injected for roles %s.',
                      image_id, ', '.join(user_roles))
            return data, nothing
        wanted = injectable(conf.inject_metadata_properties.inject,
                            image_id)
        if not wanted:
            return data, nothing
        context = services.admin_context
        base.current_image(services, image_id)
        with services.images.transaction(context):
            # Read and changed in one transaction: the record is exact.
            before = image_db.get_properties(context, image_id)
            services.images.update(
                context, image_id,
                image_lifecycle.Changes(set_properties=wanted),
                notify_context=services.notify_context)
        record = {
            'added': sorted(name for name in wanted if name not in before),
            'replaced': {name: before[name] for name in wanted
                         if name in before and before[name] != wanted[name]},
        }
        LOG.info('Image %s: injected properties %s.', image_id,
                 ', '.join(sorted(wanted)))
        return data, record

    def revert(self, services, image_id, result=None, **kwargs):
        if self.failed(result):
            return  # the one update failed: nothing was changed
        record = result[1]
        if not record['added'] and not record['replaced']:
            return
        changes = image_lifecycle.Changes(
            set_properties=dict(record['replaced']),
            removed_properties=frozenset(record['added']))
        try:
            services.images.update(services.admin_context, image_id,
                                   changes,
                                   notify_context=services.notify_context)
        except exception.ImageNotFound:
            return  # deleted meanwhile: its properties went with it
        LOG.info('Image %s: injected properties removed.', image_id)
