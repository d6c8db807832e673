"""``[DEFAULT]`` options that say where the service keeps its files."""

import os

from oslo_config import cfg

DEFAULT_STATE_PATH = os.path.join(os.getcwd(), 'state')

path_opts = [
    cfg.StrOpt('state_path',
               default=DEFAULT_STATE_PATH,
               sample_default='$pwd/state',
               help='Top-level directory for the state the service keeps '
                    'on local disk: the embedded SQLite database and, later, '
                    'the file image store. Change it to a directory on a '
                    'persistent volume (for example /var/lib/glance-tasks) '
                    'in any real deployment. Related options: '
                    '[database] connection.'),
]


def register_opts(conf):
    conf.register_opts(path_opts)


def list_opts():
    return [('DEFAULT', path_opts)]
