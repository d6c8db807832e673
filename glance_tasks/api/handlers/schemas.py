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
