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

"""Why an ``api_image_import`` task failed, in words the user can act on."""

from glance_tasks.i18n import _
from glance_tasks.images import errors


class ImageDeletedDuringImport(errors.ImageTaskError):
    msg_fmt = _('Image %(image_id)s was deleted during its import; the '
                'import stopped and what it had written was removed.')


class ImportLockLost(errors.ImageTaskError):
    msg_fmt = _('Image %(image_id)s is not being imported by this task: its '
                'import lock (os_glance_import_task) is %(holder)s. Start '
                'imports with POST /v2/images/%(image_id)s/import.')


class WrongImageStatus(errors.ImageTaskError):
    msg_fmt = _('Image %(image_id)s is %(status)s, but a %(method)s import '
                'works on an image that is %(expected)s; the task stopped '
                'without changing it.')


class NothingStaged(errors.ImageTaskError):
    msg_fmt = _('No data is staged for image %(image_id)s. Stage it with '
                'PUT /v2/images/%(image_id)s/stage, then import it with '
                'glance-direct again.')


class NothingToCopy(errors.ImageTaskError):
    msg_fmt = _('Image %(image_id)s has no data in any store to copy: '
                '%(reason)s.')


class NoStoreSucceeded(errors.ImageTaskError):
    msg_fmt = _('None of the stores accepted the image data: %(reasons)s')


class TaskAborted(errors.ImageTaskError):
    msg_fmt = _('The import of image %(image_id)s stopped: its task is no '
                'longer processing (it was deleted, or ended elsewhere).')


class CopyNeedsStores(errors.ImageTaskError):
    msg_fmt = _('copy-image copies the data of image %(image_id)s into '
                'other named stores, and this import names none (the '
                'service runs with one store).')


class FormatMismatch(errors.ImageTaskError):
    msg_fmt = _('The image data is in %(actual)s format, but the image\'s '
                'disk_format is %(expected)s. Set disk_format to '
                '%(actual)s (or import %(expected)s data) and try again.')
