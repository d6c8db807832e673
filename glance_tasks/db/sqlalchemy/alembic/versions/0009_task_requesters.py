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

"""Who started a live task: ``task_requesters``.

One row per live ``api_image_import`` task: the user, their roles (a
JSON list; ``inject_image_metadata`` skips ``ignore_user_roles``) and,
for glance-download, the token the remote region is called with. The
row is deleted with the task's end; ``tasks.id`` cascades.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa

from glance_tasks.db.sqlalchemy import types as gt_types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'task_requesters',
        sa.Column('task_id', sa.String(36),
                  sa.ForeignKey('tasks.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('user_id', sa.String(64), nullable=True),
        sa.Column('roles', sa.Text, nullable=False),
        sa.Column('auth_token', sa.Text, nullable=True),
        sa.Column('created_at', gt_types.timestamp(), nullable=False),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
