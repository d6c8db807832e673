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

"""``[DEFAULT]`` limits on an image's metadata: Glance's quota options.

The names, group and defaults are Glance's (``glance/common/config.py``),
so a Glance operator's configuration keeps its meaning here.
"""

from oslo_config import cfg

image_quota_opts = [
    cfg.IntOpt('image_property_quota',
               default=128,
               help='Most extra properties an image may have (Glance\'s '
                    'option). A create, or an update that adds '
                    'properties, ending with more is refused with 413; an '
                    'update that only changes or removes properties is '
                    'accepted even on an image already over the limit. '
                    'Properties under the reserved ``os_glance`` prefix '
                    'are not counted. A negative value means no limit. '
                    'Related options: ``image_tag_quota``.'),
    cfg.IntOpt('image_tag_quota',
               default=128,
               help='Most tags an image may have (Glance\'s option). A '
                    'create, a tag ``PUT`` or a patch of ``/tags`` ending '
                    'with more is refused with 413. A negative value '
                    'means no limit. Related options: '
                    '``image_property_quota``.'),
]


def register_opts(conf):
    conf.register_opts(image_quota_opts)


def list_opts():
    return [('DEFAULT', image_quota_opts)]
