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

"""Schema migrations with alembic, run from inside the package.

Two lineages share one environment: the service database's
(``alembic/versions``) and that of a separate ``[task_executor]
persistence_connection`` database, which holds only the flow checkpoint
table (``alembic/persistence_versions``). ``glance-tasks-manage db sync``
runs both; no table is created at run time.
"""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

from glance_tasks.db import api as db_api

# TaskFlow's own persistence may share this database and keeps its
# revision in alembic's default table: ours must have a name of its own.
VERSION_TABLE = 'glance_tasks_alembic_version'
PERSISTENCE_VERSION_TABLE = 'glance_tasks_persistence_alembic_version'
_SCRIPT_LOCATION = os.path.join(os.path.dirname(__file__),
                                'sqlalchemy', 'alembic')
PERSISTENCE_VERSIONS = os.path.join(_SCRIPT_LOCATION,
                                    'persistence_versions')


def _alembic_config(connection=None, persistence=False):
    config = alembic_config.Config()
    config.set_main_option('script_location', _SCRIPT_LOCATION)
    config.attributes['connection'] = connection
    if persistence:
        # Imported here: the models import db.api, as this module does.
        from glance_tasks.db.sqlalchemy import models
        config.set_main_option('version_locations', PERSISTENCE_VERSIONS)
        config.attributes['metadata'] = models.checkpoint_metadata()
        config.attributes['version_table'] = PERSISTENCE_VERSION_TABLE
    return config


def db_sync(engine=None, revision='head'):
    """Upgrade the schema to ``revision`` (the newest by default)."""
    engine = engine or db_api.get_engine()
    with engine.begin() as connection:
        alembic_command.upgrade(_alembic_config(connection), revision)


def db_version(engine=None):
    """The revision the database is at, or None for an empty database."""
    engine = engine or db_api.get_engine()
    return _version(engine, VERSION_TABLE)


def head_revision():
    """The newest revision the code ships."""
    return alembic_script.ScriptDirectory.from_config(
        _alembic_config()).get_current_head()


def persistence_sync(engine, revision='head'):
    """Upgrade a separate flow persistence database to ``revision``."""
    with engine.begin() as connection:
        alembic_command.upgrade(
            _alembic_config(connection, persistence=True), revision)


def persistence_version(engine):
    """The revision of a separate flow persistence database, or None."""
    return _version(engine, PERSISTENCE_VERSION_TABLE)


def persistence_head_revision():
    """The newest revision of the flow persistence scripts."""
    return alembic_script.ScriptDirectory.from_config(
        _alembic_config(persistence=True)).get_current_head()


def _version(engine, version_table):
    with engine.connect() as connection:
        return alembic_migration.MigrationContext.configure(
            connection, opts={'version_table': version_table},
        ).get_current_revision()
