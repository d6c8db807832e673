"""``[DEFAULT]`` options of the ``glance-tasks-api`` console script."""

from oslo_config import cfg

# Glance listens on 9292; a different default lets both run on one host.
DEFAULT_PORT = 9494

server_opts = [
    cfg.HostAddressOpt('bind_host',
                       default='127.0.0.1',
                       help='Address glance-tasks-api listens on (Glance\'s '
                            'option name). The default, loopback, suits '
                            'the embedded single-host setup with '
                            '``[api] auth_strategy = noauth``; set '
                            '0.0.0.0 or a service address only together '
                            'with ``auth_strategy = keystone``. Not used '
                            'when a WSGI server (uWSGI, Apache) runs '
                            'glance_tasks.wsgi.api:application.'),
    cfg.PortOpt('bind_port',
                default=DEFAULT_PORT,
                help='TCP port glance-tasks-api listens on. The default '
                     'differs from Glance\'s 9292 so both can run on one '
                     'host.'),
]


def register_opts(conf):
    conf.register_opts(server_opts)


def list_opts():
    return [('DEFAULT', server_opts)]
