"""Alembic environment: migrations run on a connection we hand in."""

from alembic import context

from glance_tasks.db import migration
from glance_tasks.db.sqlalchemy import models

target_metadata = models.Base.metadata


def run_migrations_online():
    connection = context.config.attributes['connection']
    context.configure(connection=connection,
                      target_metadata=target_metadata,
                      version_table=migration.VERSION_TABLE,
                      render_as_batch=connection.dialect.name == 'sqlite')
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
