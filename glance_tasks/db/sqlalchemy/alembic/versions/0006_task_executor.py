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
