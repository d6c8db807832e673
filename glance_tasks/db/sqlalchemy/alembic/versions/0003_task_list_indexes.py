"""Indexes for the API's default task order (created_at, id).

Listing 25 tasks out of 100,000 sorted every matching row without them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tasks_created_at_id', 'tasks', ['created_at', 'id'])
    op.create_index('ix_tasks_status_created_at_id', 'tasks',
                    ['status', 'created_at', 'id'])
