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
]


def register_opts(conf):
    conf.register_opts(notification_opts)


def list_opts():
    return [('DEFAULT', notification_opts)]
