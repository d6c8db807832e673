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

"""Flow checkpoints, in a database of their own.

The migrations of a separate ``[task_executor] persistence_connection``
database: it holds only the checkpoint table (``0005`` creates the same
table in the service database). Releases before this one created the
table when a process first started; such a table is adopted as it is.

Revision ID: p001
Revises:
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = 'p001'
down_revision = None
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
