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

"""``[database]``: oslo.db's options, given an embedded SQLite default.

The options themselves belong to oslo.db; this module only registers them
and sets the default connection to a SQLite file under ``state_path`` so
that the service runs with nothing else installed.
"""

from oslo_db import options as db_options

DEFAULT_CONNECTION = 'sqlite:///$state_path/glance_tasks.sqlite'


def register_opts(conf):
    db_options.set_defaults(conf, connection=DEFAULT_CONNECTION)


def list_opts():
    return [('database', db_options.database_opts)]
