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

"""What every import plugin is: an atom on the data flowing to the store."""

from glance_tasks.images import errors
from glance_tasks.lifecycle import images as image_lifecycle
from glance_tasks.task_types import base


class ImportPlugin(base.Atom):
    """Base of the import plugins.

    Built by :func:`~glance_tasks.images.import_plugins.chain` as
    ``cls(name=..., requires=..., provides=...)``: ``execute`` gets the
    data dict the name ``requires`` holds as its ``data`` argument and
    returns the next one, which TaskFlow stores under ``provides``.
    Like every atom it receives ``services`` and ``image_id`` from the
    flow, may run again after a crash, and its ``revert`` undoes exactly
    what ``execute`` did.

    A plugin that must remember more for its revert than the data it
    returns lists names in ``records``; ``execute`` then returns
    ``(data, record, ...)`` and its revert gets that tuple as ``result``.
    """

    records = ()

    def __init__(self, name, requires, provides):
        self.data_name = provides
        names = provides
        if self.records:
            names = (provides,) + tuple('%s-%s' % (name, record)
                                        for record in self.records)
        super().__init__(name=name, provides=names,
                         rebind={'data': requires})


def current_image(services, image_id):
    """The image being imported, or ImageGone if it was deleted."""
    image = image_lifecycle.get(services.admin_context, image_id)
    if image is None:
        raise errors.ImageGone(image_id=image_id, status='deleted')
    return image
