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

"""``no_op``: does nothing but log that it ran (Glance's example plugin)."""

from oslo_log import log as logging

from glance_tasks.images.import_plugins import base

LOG = logging.getLogger(__name__)


class NoOp(base.ImportPlugin):
    """Passes the data on untouched."""

    def execute(self, image_id, data):
        LOG.debug('Import plugin no_op ran for image %s.', image_id)
        return data

    def revert(self, *args, **kwargs):
        """Nothing to undo."""
