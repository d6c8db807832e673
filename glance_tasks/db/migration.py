"""Schema migrations with alembic, run from inside the package."""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration

from glance_tasks.db import api as db_api

# TaskFlow's own persistence may share this database and keeps its
# revision in alembic's default table: ours must have a name of its own.
VERSION_TABLE = 'glance_tasks_alembic_version'
_SCRIPT_LOCATION = os.path.join(os.path.dirname(__file__),
                                'sqlalchemy', 'alembic')


def _alembic_config(connection):
    config = alembic_config.Config()
    config.set_main_option('script_location', _SCRIPT_LOCATION)
    config.attributes['connection'] = connection
    return config


def db_sync(engine=None, revision='head'):
    """Upgrade the schema to ``revision`` (the newest by default)."""
    engine = engine or db_api.get_engine()
    with engine.begin() as connection:
        alembic_command.upgrade(_alembic_config(connection), revision)


def db_version(engine=None):
    """The revision the database is at, or None for an empty database."""
    engine = engine or db_api.get_engine()
    with engine.connect() as connection:
        return alembic_migration.MigrationContext.configure(
            connection, opts={'version_table': VERSION_TABLE},
        ).get_current_revision()


def head_revision():
    """The newest revision the code ships."""
    from alembic import script
    directory = script.ScriptDirectory(_SCRIPT_LOCATION)
    return directory.get_current_head()
