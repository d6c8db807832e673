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

"""The service's exceptions: one base with ``msg_fmt``, a class per meaning.

The API turns these into HTTP errors in one place by their ``code``; the
executor writes their message into a failed task. Messages are written for
the person who has to act on them.
"""

from glance_tasks.i18n import _


class GlanceTasksException(Exception):
    """Base of every error this service raises on purpose."""

    msg_fmt = _('An unknown exception occurred.')
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            message = self.msg_fmt % kwargs
        self.message = message
        super().__init__(message)

    def __str__(self):
        return self.message


class Invalid(GlanceTasksException):
    msg_fmt = _('Invalid input: %(reason)s')
    code = 400


class NotFound(GlanceTasksException):
    msg_fmt = _('Not found: %(reason)s')
    code = 404


class Conflict(GlanceTasksException):
    msg_fmt = _('Conflict: %(reason)s')
    code = 409


class InvalidStatusTransition(Conflict):
    """A status change the state table does not allow."""

    msg_fmt = _('%(kind)s status transition from %(from_status)s to '
                '%(to_status)s is not allowed.')


class InvalidTaskStatusTransition(InvalidStatusTransition):
    pass


class InvalidImageStatusTransition(InvalidStatusTransition):
    pass


class UnknownStatus(Invalid):
    """A status that is not in the state table at all."""

    msg_fmt = _("'%(status)s' is not a %(kind)s status; valid statuses "
                "are: %(valid)s.")


class CorruptStatus(GlanceTasksException):
    """A row read from the database holds a status outside the table."""

    msg_fmt = _("%(kind)s %(id)s has status '%(status)s' in the database, "
                "which is not a %(kind)s status.")


class ImageFormatNotSet(Conflict):
    msg_fmt = _('Image %(id)s cannot go to %(to_status)s: its disk_format '
                'and container_format must be set first.')


class TaskNotFound(NotFound):
    msg_fmt = _('Task %(task_id)s could not be found.')


class ImageNotFound(NotFound):
    msg_fmt = _('Image %(image_id)s could not be found.')


class TaskStatusConflict(Conflict):
    """The compare-and-swap of a task status found another status."""

    msg_fmt = _('Task %(task_id)s is no longer %(from_status)s; another '
                'process changed it first.')


class ImageStatusConflict(Conflict):
    msg_fmt = _('Image %(image_id)s is no longer %(from_status)s; another '
                'process changed it first.')


class ImageInUse(Conflict):
    msg_fmt = _('Image %(image_id)s is still worked on by a task that has '
                'not ended.')


class Duplicate(Conflict):
    msg_fmt = _('%(kind)s %(id)s already exists.')


class InvalidSortKey(Invalid):
    msg_fmt = _("Unknown sort key '%(key)s'; valid keys are: %(valid)s.")


class InvalidSortDir(Invalid):
    msg_fmt = _("Unknown sort direction '%(direction)s'; use asc or desc.")


class InvalidLimit(Invalid):
    msg_fmt = _("Limit must be a non-negative integer, got '%(limit)s'.")


class InvalidMarker(Invalid):
    msg_fmt = _("Marker '%(marker)s' is not a valid id: %(reason)s.")


class MarkerNotFound(Invalid):
    msg_fmt = _('Marker %(marker)s could not be found.')


class InvalidFilter(Invalid):
    msg_fmt = _("Unknown filter '%(name)s'; valid filters are: %(valid)s.")


class RequestNotUtf8(Invalid):
    """Bytes of a path, query or header that do not decode as UTF-8."""

    msg_fmt = _("The %(part)s is not valid UTF-8: byte 0x%(byte)02x at "
                "position %(position)d cannot be decoded. Send text as "
                "UTF-8 (percent-encoded in a path or query).")


class NulInRequest(Invalid):
    msg_fmt = _("The %(part)s contains a NUL character (%%00), which no "
                "name, id or value may hold.")


class UnknownTaskType(Invalid):
    msg_fmt = _("Task type '%(type)s' is not known; available types: "
                "%(valid)s.")


class TaskTypeDisabled(Invalid):
    msg_fmt = _("Task type '%(type)s' is not enabled on this service; "
                "available types: %(valid)s.")


class InvalidTaskInput(Invalid):
    msg_fmt = _("Invalid input for task type '%(type)s': %(reason)s")


class FlowBuildFailed(GlanceTasksException):
    msg_fmt = _("The flow of task type '%(type)s' could not be built: "
                "%(reason)s")


class SchemaNotSynced(GlanceTasksException):
    msg_fmt = _("The database has no table %(table)s: run "
                "'glance-tasks-manage db sync' first.")


class Forbidden(GlanceTasksException):
    msg_fmt = _('Forbidden: %(reason)s')
    code = 403


class PolicyNotAuthorized(Forbidden):
    msg_fmt = _("Policy does not allow %(action)s to be performed.")


class ProtectedImageDelete(Forbidden):
    msg_fmt = _('Image %(image_id)s is protected and cannot be deleted.')


class ImageActionNotAllowed(Forbidden):
    """Glance answers 403 to a (re)activation from the wrong status."""

    msg_fmt = _("Not allowed to %(action)s image in status '%(status)s'.")


class MalformedRequestBody(Invalid):
    msg_fmt = _('Malformed request body: %(reason)s')


class InvalidServerConfig(GlanceTasksException):
    """glance-tasks-api cannot serve with the options it was given."""

    msg_fmt = _('Cannot start the HTTP server: %(reason)s')


class LocationNotAdded(Invalid):
    msg_fmt = _('The location was not added: %(reason)s')


class ImageNotQueued(Conflict):
    msg_fmt = _("Image %(image_id)s is '%(status)s'; data can be uploaded "
                "only to a queued image.")


class ImageSizeCapExceeded(GlanceTasksException):
    msg_fmt = _('The image data is larger than %(cap)d bytes, the largest '
                'image this cloud accepts ([DEFAULT] image_size_cap). The '
                'image is queued again with no data; upload a smaller '
                'image, or ask the cloud operator to raise the limit.')
    code = 413


class ImageDataRefused(Invalid):
    msg_fmt = _('The uploaded data was refused: %(reason)s The image is '
                'queued again with no data.')


class UploadInterrupted(Invalid):
    msg_fmt = _('The upload broke off after %(received)d bytes '
                '(%(reason)s); the image is queued again with no data. '
                'Upload it again.')


class ImageStoreFull(GlanceTasksException):
    msg_fmt = _('The image store has no space left for this image; the '
                'image is queued again with no data. Try again later, or '
                'ask the cloud operator to free space in the store.')
    code = 413


class ImageStoreUnavailable(GlanceTasksException):
    msg_fmt = _('The image data could not be %(action)s the image store: '
                '%(reason)s Try again; if it keeps failing, tell the cloud '
                'operator.')
    code = 503


class ImageDataForbidden(Forbidden):
    msg_fmt = _("Image %(image_id)s is '%(status)s'; its data cannot be "
                "downloaded.")


class ImageNotPendingDelete(Conflict):
    msg_fmt = _("Image %(image_id)s is '%(status)s'; only an image "
                "pending_delete can be restored.")


class ImagePropertyLimitExceeded(GlanceTasksException):
    msg_fmt = _('The limit has been exceeded on the number of allowed image '
                'properties. Attempted: %(attempted)d, Maximum: '
                '%(maximum)d ([DEFAULT] image_property_quota).')
    code = 413


class ImageTagLimitExceeded(GlanceTasksException):
    msg_fmt = _('The limit has been exceeded on the number of allowed image '
                'tags. Attempted: %(attempted)d, Maximum: %(maximum)d '
                '([DEFAULT] image_tag_quota).')
    code = 413


class ImageMetadataTooLarge(GlanceTasksException):
    msg_fmt = _('The extra properties and tags of an image take more than '
                '%(maximum)d bytes as JSON; remove some, or make their '
                'values shorter.')
    code = 413


class StagingFull(GlanceTasksException):
    msg_fmt = _('The staging area has no space left for this image; the '
                'image is queued again with no data. Try again later, or '
                'ask the cloud operator to free space in the staging '
                'area.')
    code = 413


class StagingUnavailable(GlanceTasksException):
    msg_fmt = _('The image data could not be written to the staging area '
                '(%(reason)s); the image is queued again with no data. Try '
                'again; if it keeps failing, tell the cloud operator.')
    code = 503


class ImportMethodUnavailable(NotFound):
    msg_fmt = _("'%(method)s' method is not available at this site.")


class ImportNotAllowed(Conflict):
    """An import the image's status or fields do not allow (Glance's 409)."""

    msg_fmt = _('%(reason)s')


class ImportInProgress(Conflict):
    msg_fmt = _("New operation on image '%(image_id)s' is not permitted as "
                "prior operation is still in progress")
