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

"""``api_image_import``: the interoperable image import, as Glance runs it.

``POST /v2/images/{id}/import`` creates the task, having taken the
image's import lock (``os_glance_import_task``) and moved it to
``importing`` (copy-image: it stays ``active``). Input, Glance's:
``{"image_id": ..., "import_req": {"method": {"name": ..., "uri"?: ...,
"validation_data"?: {...}, "glance_image_id"?, "glance_region"?,
"glance_service_interface"?}, "stores"?: [...], "all_stores": bool,
"all_stores_must_succeed": bool}, "backend": [store names] | null}``,
and for glance-download ``"glance_endpoint"``, the other region's image
endpoint the import call found in the caller's catalog (see
:mod:`.glance_download`).
The flow, one atom per step, each with a ``revert`` undoing exactly its
own effect (see :mod:`.data` and :mod:`.stores`):

======================  ============================  ======================
atom                    does                          revert
======================  ============================  ======================
``claim-image``         checks the lock is this       lock dropped,
                        task's                        ``importing → queued``
                                                      (copy-image: active),
                                                      failed stores recorded,
                                                      staged data removed
``verify-staged``       glance-direct: the staged     nothing
                        file is there
``download``            web-download: the URI         the staged file removed
                        fetched to the staging file
``copy-existing-data``  copy-image: the image's data  the staged file removed
                        read from its store
``import-metadata``     glance-download: the remote   nothing
                        image's record read (must be
                        active), the undo record
``set-metadata``        glance-download: its formats  formats and
                        and ``[glance_download_pro-   properties put back
                        perties]`` properties set     as they were
``glance-download``     glance-download: the remote   the staged file removed
                        data fetched, checked against
                        its size and hashes
``inspect``             real format and safety        nothing
``import-plugins``      ``[image_import_opts]         the plugins' reverts
                        image_import_plugins``, in    (last first)
                        order (not copy-image)
``store[-<name>]``      written to each target        its location and data
                        store, location recorded      removed
``complete-import``     ``importing → active``, lock  nothing (it commits
                        and store list dropped,       all at once, last)
                        staging removed
======================  ============================  ======================

Every atom (and, while data is copied, every progress report) first
checks that the task still holds the lock: an image deleted meanwhile
stops the task, which fails saying so, and its reverts remove what it
wrote.
"""

from taskflow.patterns import linear_flow

from glance_tasks.images.import_plugins import runner as plugin_runner
from glance_tasks.task_types.api_image_import import claim
from glance_tasks.task_types.api_image_import import data
from glance_tasks.task_types.api_image_import import glance_download
from glance_tasks.task_types.api_image_import import stores
from glance_tasks.task_types.api_image_import import stranded
from glance_tasks.task_types import base
from glance_tasks.task_types import location_import

METHODS = ['glance-direct', 'web-download', 'copy-image', 'glance-download']


def _getting_data(image_id, method, task_input):
    """The atoms that stage the data, for ``method['name']``."""
    name = method['name']
    if name == glance_download.METHOD:
        endpoint = task_input['glance_endpoint']
        return (glance_download.ImportMetadata(image_id, method, endpoint),
                glance_download.SetMetadata(image_id),
                glance_download.GlanceDownload(image_id, method, endpoint))
    return (_getting_one(image_id, method),)


def _getting_one(image_id, method):
    name = method['name']
    if name == 'web-download':
        return data.Download(image_id, name, method['uri'],
                             method.get('validation_data'))
    if name == 'copy-image':
        return data.CopyExisting(image_id, name)
    return data.VerifyStaged(image_id, name)


def _plugins(method_name):
    """``(atoms, what they provide)``: the import plugins, if any run.

    Glance runs no plugin on data it only copies. The list
    (``[image_import_opts] image_import_plugins``) is read by
    ``RunPlugins`` when it runs: this factory gets no configuration, and
    must build the same flow in every process.
    """
    if method_name == claim.COPY_IMAGE:
        return [], 'staged'
    return [plugin_runner.RunPlugins(source='staged',
                                     provides='plugged')], 'plugged'


def build_flow(task_id, task_input):
    """The flow factory named by :class:`ApiImageImport`."""
    image_id = task_input['image_id']
    request = task_input['import_req']
    method = request['method']
    name = method['name']
    targets = task_input.get('backend') or [None]
    must_succeed = request.get('all_stores_must_succeed', True)
    flow = linear_flow.Flow('api-image-import-%s' % task_id)
    flow.add(data.ClaimImage(image_id, name, targets),
             *_getting_data(image_id, method, task_input))
    if name != claim.COPY_IMAGE:
        flow.add(data.Inspect(image_id, name))
    plugin_atoms, source = _plugins(name)
    flow.add(*plugin_atoms)  # between the inspection and the stores
    for target in targets:
        flow.add(stores.StoreTo(image_id, name, target, must_succeed,
                                source=source))
    flow.add(stores.Complete(image_id, name, targets))
    return flow


_STORE_NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255}


class ApiImageImport(base.TaskType):
    name = 'api_image_import'
    description = ('Import the data of an image by glance-direct, '
                   'web-download, copy-image or glance-download (POST '
                   '/v2/images/{id}/import).')
    flow_factory = __name__ + '.build_flow'
    input_schema = {
        'type': 'object',
        'properties': {
            'image_id': {'type': 'string',
                         'pattern': location_import.UUID_PATTERN},
            'import_req': {
                'type': 'object',
                'properties': {
                    'method': {
                        'type': 'object',
                        'properties': {
                            'name': {'enum': METHODS},
                            'uri': {'type': 'string', 'minLength': 1,
                                    'maxLength': 4096},
                            'validation_data': {
                                'type': 'object',
                                'properties': {
                                    'os_hash_algo': {
                                        'enum': location_import.HASH_ALGOS},
                                    'os_hash_value': {
                                        'type': 'string',
                                        'pattern': '^[0-9a-fA-F]+$',
                                        'maxLength': 128},
                                },
                                'required': ['os_hash_algo',
                                             'os_hash_value'],
                            },
                            'glance_image_id': {
                                'type': 'string',
                                'pattern': location_import.UUID_PATTERN},
                            'glance_region': {'type': 'string',
                                              'minLength': 1,
                                              'maxLength': 255},
                            'glance_service_interface': {
                                'enum': ['public', 'internal', 'admin']},
                        },
                        'required': ['name'],
                        'allOf': [
                            {'if': {'properties': {
                                'name': {'const': 'web-download'}}},
                             'then': {'required': ['uri']}},
                            {'if': {'properties': {
                                'name': {'const': 'glance-download'}}},
                             'then': {'required': [
                                 'glance_image_id', 'glance_region',
                                 'glance_service_interface']}},
                        ],
                    },
                    'stores': {'type': 'array', 'items': _STORE_NAME},
                    'all_stores': {'type': 'boolean'},
                    'all_stores_must_succeed': {'type': 'boolean'},
                },
                'required': ['method'],
            },
            # glance-download: the other region's image endpoint, as the
            # import call found it in the caller's catalog.
            'glance_endpoint': {'type': 'string', 'minLength': 1,
                                'maxLength': 4096},
            'backend': {'oneOf': [
                {'type': 'null'},
                {'type': 'array', 'items': _STORE_NAME, 'minItems': 1,
                 'uniqueItems': True}]},
        },
        'required': ['image_id', 'import_req'],
        'if': {'properties': {'import_req': {'properties': {'method': {
            'properties': {'name': {'const': 'glance-download'}}}}}}},
        'then': {'required': ['glance_endpoint']},
        'additionalProperties': False,
    }

    @classmethod
    def release_stranded(cls, services):
        """Images locked by an import task that ended: released."""
        return stranded.release(services)
