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

"""``[glance_download_properties]``: what a glance-download copies.

Glance's group and option: the prefixes of the remote image's
properties that the ``glance-download`` import method sets on the
image it imports to (``disk_format`` and ``container_format`` are
always copied; properties in the reserved ``os_glance`` namespace
never are).
"""

from oslo_config import cfg

from glance_tasks.conf import opts

# Glance's reserved namespace: never copied, whatever the prefixes say.
RESERVED_NAMESPACE = 'os_glance'

glance_download_group = cfg.OptGroup(
    'glance_download_properties',
    title='glance-download import method',
    help='What the ``glance-download`` import method copies from the '
         'remote image.')

glance_download_opts = [
    cfg.ListOpt('extra_properties',
                item_type=cfg.types.String(quotes=True),
                bounds=True,
                default=['hw_', 'trait:', 'os_distro', 'os_secure_boot',
                         'os_type'],
                help='Prefixes of the properties of the remote image that '
                     'a ``glance-download`` import sets on the image it '
                     'imports to (Glance\'s option and default): a '
                     'property is copied when its name starts with one of '
                     'them, e.g. ``hw_,os_distro,architecture``. Properties '
                     'in the reserved ``os_glance`` namespace are never '
                     'copied; those the remote image lacks are not set. If '
                     'the import fails the properties it added are removed '
                     'and those it replaced get their old value back.'),
]


def register_opts(conf):
    opts.register_group_opts(conf, glance_download_group,
                             glance_download_opts)


def list_opts():
    return [(glance_download_group, glance_download_opts)]
