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
/v2/images/{id}/import`` takes and ``GET /v2/info/import`` lists. The
staging area is Glance's ``[os_glance_staging_store]
filesystem_store_datadir`` (:mod:`glance_tasks.conf.store`), else
``[image_import] work_dir``.
"""

from oslo_config import cfg

GLANCE_DIRECT = 'glance-direct'
WEB_DOWNLOAD = 'web-download'
COPY_IMAGE = 'copy-image'
GLANCE_DOWNLOAD = 'glance-download'
# Glance's default list: glance-download needs a federated deployment
# (several regions in one Keystone), so operators enable it themselves.
DEFAULT_METHODS = (GLANCE_DIRECT, WEB_DOWNLOAD, COPY_IMAGE)
IMPORT_METHODS = DEFAULT_METHODS + (GLANCE_DOWNLOAD,)

interop_import_opts = [
    cfg.ListOpt('enabled_import_methods',
                item_type=cfg.types.String(choices=IMPORT_METHODS),
                default=list(DEFAULT_METHODS),
                help='Import methods ``POST /v2/images/{image_id}/import`` '
                     'accepts and ``GET /v2/info/import`` lists (Glance\'s '
                     'option and default). ``glance-direct`` imports data '
                     'staged with ``PUT /v2/images/{image_id}/stage``; '
                     '``web-download`` fetches a URL, filtered by '
                     '``[import_filtering_opts]``; ``copy-image`` copies '
                     'the data of an active image into more stores '
                     '(multi-store only); ``glance-download`` (not enabled '
                     'by default, as in Glance) copies an active image of '
                     'another region\'s image service, found in the '
                     'caller\'s Keystone catalog, and needs ``[api] '
                     'auth_strategy = keystone``. A method left out is '
                     'refused with a 400, and staging is refused (404) '
                     'without ``glance-direct``.'),
]


def register_opts(conf):
    conf.register_opts(interop_import_opts)


def list_opts():
    return [('DEFAULT', interop_import_opts)]
