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
