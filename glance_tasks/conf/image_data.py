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

"""``[DEFAULT]`` options of image data: upload cap and delayed delete.

The names are Glance's, so a Glance operator's configuration keeps its
meaning here.
"""

from oslo_config import cfg
from oslo_utils import units

# Glance's default image_size_cap: 1 TiB.
DEFAULT_IMAGE_SIZE_CAP = units.Ti

image_data_opts = [
    cfg.IntOpt('image_size_cap',
               default=DEFAULT_IMAGE_SIZE_CAP, min=1,
               help='Largest image, in bytes, ``PUT /v2/images/{id}/file`` '
                    'accepts (Glance\'s option). The bytes received are '
                    'counted while they stream to the store, so a chunked '
                    'upload without a length is held to it too; an upload '
                    'over it is answered 413 and the image goes back to '
                    '``queued`` with no data kept. Upload bodies are not '
                    'limited by ``[api] max_request_body_size``, which '
                    'caps JSON bodies only. Related options: '
                    '``[image_import] max_image_size`` (the same limit '
                    'for the ``import`` task type).'),
    cfg.BoolOpt('delayed_delete',
                default=False,
                help='Keep the data of a deleted image for a while '
                     '(Glance\'s option). When true, ``DELETE '
                     '/v2/images/{id}`` moves an active image to '
                     '``pending_delete`` and keeps its data; the scrubber '
                     'deletes the data ``scrub_time`` seconds later and '
                     'marks the image ``deleted``. Until then '
                     '``glance-tasks-manage images restore <id>`` brings '
                     'it back. Enable it where a mistaken delete must be '
                     'recoverable. Related options: ``scrub_time``, '
                     '``wakeup_time``.'),
    cfg.IntOpt('scrub_time',
               default=0, min=0,
               help='Seconds an image stays ``pending_delete`` before the '
                    'scrubber deletes its data (Glance\'s option). It is '
                    'the window in which a delete can be undone; raise it '
                    'to keep that window open longer, at the cost of store '
                    'space. Used only with ``delayed_delete``.'),
    cfg.IntOpt('wakeup_time',
               default=300, min=0,
               help='Seconds between two runs of the scrubber inside the '
                    'API service (Glance\'s option for its scrubber '
                    'daemon). 0 disables the periodic scrubber; '
                    '``glance-tasks-manage images scrub`` then does the '
                    'work, for instance from cron. Used only with '
                    '``delayed_delete``.'),
]


def register_opts(conf):
    conf.register_opts(image_data_opts)


def list_opts():
    return [('DEFAULT', image_data_opts)]
