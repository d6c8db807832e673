"""Tasks record the executor process that owns them.

Each local executor holds a lease; a task whose executor's lease has
lapsed is taken over by another process (``engine/ownership.py``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('executor', sa.String(64),
                                   nullable=True))
    op.create_index('ix_tasks_status_executor', 'tasks',
                    ['status', 'executor'])
