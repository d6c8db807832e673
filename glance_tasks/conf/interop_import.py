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

"""Options of the interoperable import (stage, then import), Glance's.

``[DEFAULT] enabled_import_methods`` names the methods ``POST
/v2/images/{id}/import`` takes and ``GET /v2/info/import`` lists.
``[os_glance_staging_store] filesystem_store_datadir`` is where Glance
keeps staged data; set, it is the staging area here too, so a Glance
operator's configuration keeps its meaning.
"""

from oslo_config import cfg

from glance_tasks.conf import opts

GLANCE_DIRECT = 'glance-direct'
WEB_DOWNLOAD = 'web-download'
COPY_IMAGE = 'copy-image'
# Glance's default list; glance-download is not served here.
IMPORT_METHODS = (GLANCE_DIRECT, WEB_DOWNLOAD, COPY_IMAGE)

interop_import_opts = [
    cfg.ListOpt('enabled_import_methods',
                item_type=cfg.types.String(choices=IMPORT_METHODS),
                default=list(IMPORT_METHODS),
                help='Import methods ``POST /v2/images/{image_id}/import`` '
                     'accepts and ``GET /v2/info/import`` lists (Glance\'s '
                     'option and default). ``glance-direct`` imports data '
                     'staged with ``PUT /v2/images/{image_id}/stage``; '
                     '``web-download`` fetches a URL, filtered by '
                     '``[import_filtering_opts]``; ``copy-image`` copies '
                     'the data of an active image into more stores '
                     '(multi-store only). A method left out is refused '
                     'with a 400, and staging is refused (404) without '
                     '``glance-direct``. Glance\'s ``glance-download`` is '
                     'not served by this service.'),
]

staging_store_group = cfg.OptGroup(
    'os_glance_staging_store', title='Staging area of the image import',
    help='Glance\'s reserved store for data staged by ``PUT '
         '/v2/images/{image_id}/stage`` and fetched by ``web-download``.')

staging_store_opts = [
    cfg.StrOpt('filesystem_store_datadir',
               help='Directory of the staging area (Glance\'s option of '
                    'its reserved staging store). Staged data waits here, '
                    'one file per image named by its id, until its '
                    'import stores it and removes it; a failed stage or '
                    'import, or the image\'s deletion, removes it too. '
                    'Unset, ``[image_import] work_dir`` is used. It needs '
                    'room for every image staged and not yet imported. '
                    'Where several API processes on different hosts '
                    'serve one cloud, it must be a directory they share '
                    '(an import reads what another process staged).'),
]


def register_opts(conf):
    conf.register_opts(interop_import_opts)
    opts.register_group_opts(conf, staging_store_group, staging_store_opts)


def list_opts():
    return [('DEFAULT', interop_import_opts),
            (staging_store_group, staging_store_opts)]
