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

"""Event types and the one way to announce them: write to the outbox."""

from oslo_utils import timeutils
from oslo_utils import uuidutils

from glance_tasks.db import outbox as outbox_db

TASK_CREATE = 'task.create'
TASK_PROCESSING = 'task.processing'
TASK_SUCCESS = 'task.success'
TASK_FAILURE = 'task.failure'
TASK_DELETE = 'task.delete'

# The event announcing a task's arrival in each status.
TASK_STATUS_EVENTS = {
    'pending': TASK_CREATE,
    'processing': TASK_PROCESSING,
    'success': TASK_SUCCESS,
    'failure': TASK_FAILURE,
}

# Glance's image events: image.create for a new image, image.prepare
# when data starts to arrive (queued to saving or importing),
# image.upload once the data is in the store, image.activate on reaching
# active, image.delete on deletion and image.update for any other change
# (such as killed).
IMAGE_CREATE = 'image.create'
IMAGE_PREPARE = 'image.prepare'
IMAGE_UPLOAD = 'image.upload'
IMAGE_ACTIVATE = 'image.activate'
IMAGE_UPDATE = 'image.update'
IMAGE_DELETE = 'image.delete'

# The event announcing an image's move to each status; other moves:
# image.update.
IMAGE_STATUS_EVENTS = {
    'saving': IMAGE_PREPARE,
    'importing': IMAGE_PREPARE,
    'active': IMAGE_ACTIVATE,
    'deleted': IMAGE_DELETE,
}

PRIORITY = 'INFO'


def is_disabled(conf, event_type):
    """Glance's rule: an event type, or its group, may be disabled."""
    disabled = set(conf.disabled_notifications)
    return (event_type in disabled
            or event_type.split('.', 1)[0] in disabled)


def _context_of(context):
    """The few context fields consumers may use; never credentials."""
    if context is None:
        return {}
    return {'request_id': context.request_id,
            'user_id': context.user_id,
            'project_id': context.project_id}


def enqueue(conf, context, event_type, payload, notify_context=None):
    """Write a notification in the caller's transaction.

    Call it inside the ``writer`` transaction of the change it announces;
    the relay sends it only once that transaction has committed.
    ``notify_context`` is the context sent with it, when it is not the
    caller's own (a worker announcing a user's task).
    """
    message = _message(conf, context, event_type, payload, notify_context)
    if message is None:
        return None
    outbox_db.add(context, message)
    return message['message_id']


def enqueue_many(conf, context, event_type, announcements):
    """:func:`enqueue` of one event type for several changes at once.

    ``announcements``: ``[(payload, notify_context)]``. One statement
    for the lot; returns the message ids (None for a disabled event).
    """
    messages = [_message(conf, context, event_type, payload, notify)
                for payload, notify in announcements]
    outbox_db.add_many(context, [m for m in messages if m is not None])
    return [m and m['message_id'] for m in messages]


def _message(conf, context, event_type, payload, notify_context):
    """The outbox row of a notification; None if the event is disabled."""
    if is_disabled(conf, event_type):
        return None
    return {
        'message_id': uuidutils.generate_uuid(),
        'event_type': event_type,
        'priority': PRIORITY,
        'publisher_id': conf.default_publisher_id,
        'payload': payload,
        'context': (notify_context if notify_context is not None
                    else _context_of(context)),
        'created_at': timeutils.utcnow(),
    }
