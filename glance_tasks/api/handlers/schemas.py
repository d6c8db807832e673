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

from glance_tasks.api import openapi
from glance_tasks.api import schemas
from glance_tasks.api import util


def _types(req):
    return req.state.service.registry.enabled_names


def task(req):
    return util.json_response(schemas.task(_types(req)))


def tasks(req):
    return util.json_response(schemas.tasks(_types(req)))


def image(req):
    return util.json_response(schemas.image())


def images(req):
    return util.json_response(schemas.images())


def openapi_document(req):
    return util.json_response(openapi.document(_types(req)))
