"""Flow checkpoints: the saved progress of running flows.

Releases before this one created the table when a process first started;
such a table, identical to this one, is adopted as it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLE = 'glance_tasks_flow_checkpoints'


def upgrade():
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column('book_uuid', sa.String(36), primary_key=True),
        sa.Column('data', sa.Text().with_variant(mysql.LONGTEXT(), 'mysql'),
                  nullable=False),
        sa.Column('updated_at', sa.DateTime, nullable=False),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
