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
