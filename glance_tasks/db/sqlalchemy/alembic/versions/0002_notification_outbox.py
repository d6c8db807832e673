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

"""Notification outbox: notifications committed with their change.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa

from glance_tasks.db.sqlalchemy import types as gt_types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification_outbox',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer, 'sqlite'),
                  primary_key=True, autoincrement=True),
        sa.Column('message_id', sa.String(36), nullable=False),
        sa.Column('event_type', sa.String(64), nullable=False),
        sa.Column('priority', sa.String(16), nullable=False),
        sa.Column('publisher_id', sa.String(255), nullable=False),
        sa.Column('payload', sa.Text, nullable=False),
        sa.Column('context', sa.Text, nullable=True),
        sa.Column('created_at', gt_types.timestamp(), nullable=False),
        sa.Column('sent_at', gt_types.timestamp(), nullable=True),
        sa.Column('attempts', sa.Integer, nullable=False,
                  server_default='0'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('ix_notification_outbox_sent_at', 'notification_outbox',
                    ['sent_at'])
