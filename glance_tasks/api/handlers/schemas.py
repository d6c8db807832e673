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

"""``/v2/schemas/*`` and the OpenAPI description at ``/v2/openapi.json``."""

from glance_tasks.api.handlers import image_import
from glance_tasks.api import openapi
from glance_tasks.api import schemas
from glance_tasks.api import util


def _creatable(req):
    """The types ``POST /v2/tasks`` takes."""
    return req.state.service.registry.enabled_names


def _types(req):
    # Tasks of the import call's type are shown whether or not users may
    # create them with POST /v2/tasks, as in Glance's schema.
    return sorted(set(_creatable(req)) | {image_import.TASK_TYPE})


def task(req):
    return util.json_response(schemas.task(_types(req)))


def tasks(req):
    return util.json_response(schemas.tasks(_types(req)))


def image(req):
    return util.json_response(schemas.image())


def images(req):
    return util.json_response(schemas.images())


def openapi_document(req):
    return util.json_response(openapi.document(_creatable(req)))
