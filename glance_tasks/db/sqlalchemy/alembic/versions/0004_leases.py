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

"""Leases: one outbox relay at a time across every process.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa

from glance_tasks.db.sqlalchemy import types as gt_types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'leases',
        sa.Column('name', sa.String(64), primary_key=True),
        sa.Column('holder', sa.String(255), nullable=False),
        sa.Column('expires_at', gt_types.timestamp(), nullable=False),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
