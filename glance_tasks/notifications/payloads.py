"""Notification payloads, with Glance's field names and formats."""

from glance_tasks.utils import isotime as _isotime


def task_payload(task):
    """Glance's task payload plus image, user and request ids.

    Unlike Glance, ``result`` and ``message`` carry their real values.
    The task ``input`` is never included: it may hold credentials.
    """
    return {
        'id': task.id,
        'type': task.type,
        'status': task.status,
        'result': task.result,
        'owner': task.owner,
        'message': task.message,
        'expires_at': _isotime(task.expires_at),
        'created_at': _isotime(task.created_at),
        'updated_at': _isotime(task.updated_at),
        'deleted': task.deleted,
        'deleted_at': _isotime(task.deleted_at),
        'image_id': task.image_id,
        'user_id': task.user_id,
        'request_id': task.request_id,
    }
