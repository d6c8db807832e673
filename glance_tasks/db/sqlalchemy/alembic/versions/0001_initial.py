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

"""Initial schema: tasks, task_info, images, image properties, locations.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa

from glance_tasks.db.sqlalchemy import types as gt_types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def _timestamps():
    return [
        sa.Column('created_at', gt_types.timestamp(), nullable=False),
        sa.Column('updated_at', gt_types.timestamp(), nullable=True),
        sa.Column('deleted_at', gt_types.timestamp(), nullable=True),
        sa.Column('deleted', sa.Boolean, nullable=False,
                  server_default=sa.false()),
    ]


def _create_tasks():
    op.create_table(
        'tasks',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('type', sa.String(30), nullable=False),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column('owner', sa.String(255), nullable=True),
        sa.Column('expires_at', gt_types.timestamp(), nullable=True),
        sa.Column('image_id', sa.String(36), nullable=True),
        sa.Column('user_id', sa.String(64), nullable=True),
        sa.Column('request_id', sa.String(64), nullable=True),
        *_timestamps(),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    for column in ('type', 'status', 'owner', 'deleted', 'image_id',
                   'updated_at'):
        op.create_index('ix_tasks_%s' % column, 'tasks', [column])
    op.create_table(
        'task_info',
        sa.Column('task_id', sa.String(36),
                  sa.ForeignKey('tasks.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('input', sa.Text),
        sa.Column('result', sa.Text),
        sa.Column('message', sa.Text),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')


def _create_images():
    op.create_table(
        'images',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255)),
        sa.Column('disk_format', sa.String(20)),
        sa.Column('container_format', sa.String(20)),
        sa.Column('size', sa.BigInteger),
        sa.Column('virtual_size', sa.BigInteger),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column('visibility', sa.String(20), nullable=False,
                  server_default='shared'),
        sa.Column('checksum', sa.String(32)),
        sa.Column('os_hash_algo', sa.String(64)),
        sa.Column('os_hash_value', sa.String(128)),
        sa.Column('min_disk', sa.Integer, nullable=False),
        sa.Column('min_ram', sa.Integer, nullable=False),
        sa.Column('owner', sa.String(255)),
        sa.Column('protected', sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column('os_hidden', sa.Boolean, nullable=False,
                  server_default=sa.false()),
        *_timestamps(),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    for column in ('status', 'owner', 'deleted', 'visibility',
                   'updated_at'):
        op.create_index('ix_images_%s' % column, 'images', [column])


def _create_image_children():
    op.create_table(
        'image_properties',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('image_id', sa.String(36),
                  sa.ForeignKey('images.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('value', sa.Text),
        *_timestamps(),
        sa.UniqueConstraint('image_id', 'name',
                            name='uq_image_properties_image_id_name'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('ix_image_properties_image_id', 'image_properties',
                    ['image_id'])
    op.create_table(
        'image_locations',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('image_id', sa.String(36),
                  sa.ForeignKey('images.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('value', sa.Text, nullable=False),
        sa.Column('meta_data', sa.Text),
        sa.Column('status', sa.String(30), nullable=False,
                  server_default='active'),
        *_timestamps(),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('ix_image_locations_image_id', 'image_locations',
                    ['image_id'])
    op.create_index('ix_image_locations_status', 'image_locations',
                    ['status'])


def upgrade():
    _create_tasks()
    _create_images()
    _create_image_children()
