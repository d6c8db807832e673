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

"""``/v2/tasks``: create, list and show tasks; delete is refused (405)."""

from oslo_utils import uuidutils
import webob.exc

from glance_tasks.api import links
from glance_tasks.api import params
from glance_tasks.api import policy
from glance_tasks.api import util
from glance_tasks.api import views
from glance_tasks.db import tasks as task_db
from glance_tasks.domain import task as task_domain
from glance_tasks import exception
from glance_tasks.policies import tasks as rules

LISTING = params.Listing(filters=('type', 'status'),
                         sort_keys=task_db.SORT_KEYS,
                         status_table=task_domain.TABLE)
BODY_FIELDS = ('type', 'input')


def _task_body(req):
    """``(type, input)`` from the body, with Glance's messages."""
    body = util.json_body(req)
    for field in BODY_FIELDS:
        if field not in body:
            raise exception.Invalid(message="Task '%s' is required." %
                                    field)
    unknown = sorted(set(body) - set(BODY_FIELDS))
    if unknown:
        raise exception.Invalid(
            message="Unknown task field(s): %s; a task is created from "
                    "'type' and 'input' only." % ', '.join(unknown))
    if not isinstance(body['type'], str):
        raise exception.Invalid(message="Task 'type' must be a string.")
    if not isinstance(body['input'], dict):
        raise exception.Invalid(message="Task 'input' must be a JSON "
                                        "object.")
    return body['type'], body['input']


def create_task(req):
    """``POST /v2/tasks``: 201 with the pending task and ``Location``."""
    task_type, task_input = _task_body(req)
    policy.authorize(req, rules.ADD_TASK,
                     {'project_id': req.context.project_id,
                      'task_type': task_type})
    task = req.state.service.create_task(req.context, task_type, task_input)
    return util.json_response(
        views.task(task), status=201,
        headers={'Location': views.task_location(task.id)})


def list_tasks(req):
    """``GET /v2/tasks``: one page, newest first unless sorted otherwise."""
    policy.authorize(req, rules.GET_TASKS,
                     {'project_id': req.context.project_id})
    filters, kwargs = params.list_params(req, LISTING, req.state.conf)
    owner = policy.owner_scope(req)
    if owner is not None:
        filters['owner'] = owner
    tasks = req.state.service.list_tasks(req.context, filters=filters,
                                         **kwargs)
    body = {'tasks': [views.task_stub(task) for task in tasks],
            'schema': '/v2/schemas/tasks'}
    return util.json_response(links.page(req, '/v2/tasks', tasks,
                                         kwargs['limit'], body))


def find_task(req, task_id):
    """The task if the caller may see it; otherwise 404, never 403."""
    if not uuidutils.is_uuid_like(task_id):
        raise exception.TaskNotFound(task_id=task_id)
    task = req.state.service.get_task(req.context, task_id,
                                      owner=policy.owner_scope(req))
    if not policy.allowed(req, rules.GET_TASK, {'project_id': task.owner}):
        raise exception.TaskNotFound(task_id=task_id)
    return task


def show_task(req):
    """``GET /v2/tasks/{task_id}``: with input, result and message."""
    return util.json_response(views.task(find_task(req,
                                                   req.urlvars['task_id'])))


def delete_task(req):
    """``DELETE /v2/tasks/{task_id}``: 405 for any id, as Glance answers."""
    raise webob.exc.HTTPMethodNotAllowed(
        explanation='This operation is currently not permitted on Glance '
                    'Tasks. They are auto deleted after reaching the time '
                    'based on their expires_at property.',
        headers={'Allow': 'GET'})
