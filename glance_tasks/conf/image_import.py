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

"""``[image_import]`` options: how the ``import`` task fetches image data."""

from oslo_config import cfg
from oslo_utils import units

from glance_tasks.conf import opts

image_import_group = cfg.OptGroup(
    'image_import', title='Image import options',
    help='Options of the ``import`` task type: where fetched image data is '
         'staged, how large an image may be, and whether it is converted.')

# Glance's [DEFAULT] image_size_cap: 1 TiB.
DEFAULT_MAX_IMAGE_SIZE = units.Ti

image_import_opts = [
    cfg.IntOpt('max_image_size',
               default=DEFAULT_MAX_IMAGE_SIZE, min=1,
               help='Largest image, in bytes, an import may fetch (Glance '
                    'calls it ``image_size_cap``). The size a source '
                    'announces is checked before anything is fetched and '
                    'the bytes really received are counted while '
                    'streaming, so a source lying about its length cannot '
                    'exceed it. Lower it to protect the staging and store '
                    'disks; raise it only for clouds that need huge '
                    'images.'),
    cfg.StrOpt('work_dir',
               default='$state_path/staging',
               sample_default='$state_path/staging',
               help='Directory where the data of an import is staged '
                    'while it is inspected and, when asked, converted, '
                    'before it goes to the image store. It needs room for '
                    'about twice the largest image imported at the same '
                    'time when conversion is on. Put it on the same fast '
                    'local disk as the store; files of a finished or '
                    'failed import are removed.'),
    cfg.StrOpt('conversion_format',
               choices=[('raw', 'Convert imported images to raw.'),
                        ('qcow2', 'Convert imported images to qcow2.'),
                        ('vmdk', 'Convert imported images to vmdk.')],
               help='Disk format every imported image is converted to '
                    'with ``qemu-img convert`` before it is stored (Glance '
                    'has this as ``[taskflow_executor] '
                    'conversion_format``). The image\'s ``disk_format`` is '
                    'then the converted one. Unset, images are stored as '
                    'fetched. Set it when the compute hosts need one '
                    'format, e.g. ``raw`` for Ceph-backed clouds.'),
    cfg.IntOpt('fetch_timeout',
               default=60, min=1,
               help='Seconds an import waits for the source to accept the '
                    'connection or to send the next piece of data before '
                    'the task fails with a message saying so. Raise it '
                    'for slow, far-away sources.'),
    cfg.IntOpt('fetch_retries',
               default=3, min=0,
               help='How many times a fetch is tried again after its '
                    'transfer broke off (the connection dropped or went '
                    'silent, the source ended short, refused the '
                    'connection or answered 408, 429, 500, 502, 503 or '
                    '504). A source that gives a strong ETag or a '
                    'Last-Modified date and honours HTTP ``Range`` '
                    'requests is resumed where the data stopped; any '
                    'other starts over. When every attempt failed the '
                    'task fails saying how many bytes of how many '
                    'arrived. 0 turns retries off. Used by ``import`` '
                    'and by ``web-download`` imports.'),
    cfg.FloatOpt('fetch_retry_backoff',
                 default=1.0, min=0,
                 help='Seconds to wait before the first retry of a '
                      'broken fetch (see ``fetch_retries``); each further '
                      'retry waits twice as long as the one before, at '
                      'most 60 seconds. Raise it for sources that need '
                      'time to recover; 0 retries at once.'),
    cfg.IntOpt('max_redirects',
               default=5, min=0,
               help='Largest number of HTTP redirects an import follows. '
                    'Every redirect target is checked against '
                    '``[import_filtering_opts]`` like the original URL. 0 '
                    'refuses redirects altogether.'),
]


def register_opts(conf):
    opts.register_group_opts(conf, image_import_group, image_import_opts)


def list_opts():
    return [(image_import_group, image_import_opts)]
