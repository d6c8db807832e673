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

"""``[DEFAULT]`` options that shape the notifications the service emits."""

import socket

from oslo_config import cfg

notification_opts = [
    cfg.StrOpt('default_publisher_id',
               default='image.localhost',
               sample_default='image.localhost',
               help='Publisher id put on every notification, in the '
                    '``image.<host>`` form Glance uses. Set it to the host '
                    'name of this node so consumers can tell nodes '
                    'apart. Default: image.localhost (host name: %s).'
                    % socket.gethostname()),
    cfg.ListOpt('disabled_notifications',
                default=[],
                help='Notifications not to send, as Glance reads this '
                     'option: an event type such as ``task.success`` '
                     'disables that event only, a group such as ``task`` '
                     'disables every ``task.*`` event. Use it to quiet '
                     'events no consumer of this deployment reads.'),
    cfg.IntOpt('notification_relay_lease',
               default=30, min=3,
               help='Seconds one process holds the duty of relaying the '
                    'notification outbox. Every API and engine process '
                    'may relay; only the holder of this lease does, so '
                    'each notification leaves once and the events of a '
                    'task leave in order. The holder renews it as it '
                    'works; if it dies, another process takes over after '
                    'this long, so notifications pause at most this long '
                    'after a crash. The holder stops sending at half the '
                    'lease, which tolerates clock skew between hosts of '
                    'up to that much (keep clocks in step with NTP).'),
]


def register_opts(conf):
    conf.register_opts(notification_opts)


def list_opts():
    return [('DEFAULT', notification_opts)]
