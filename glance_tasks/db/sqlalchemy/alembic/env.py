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

"""Alembic environment: migrations run on a connection we hand in.

The same environment migrates a separate ``[task_executor]
persistence_connection`` database, with the scripts, metadata and version
table ``db/migration.py`` hands in for it.
"""

from alembic import context

from glance_tasks.db import migration
from glance_tasks.db.sqlalchemy import models


def run_migrations_online():
    attributes = context.config.attributes
    connection = attributes['connection']
    context.configure(
        connection=connection,
        target_metadata=attributes.get('metadata', models.Base.metadata),
        version_table=attributes.get('version_table',
                                     migration.VERSION_TABLE),
        render_as_batch=connection.dialect.name == 'sqlite')
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
