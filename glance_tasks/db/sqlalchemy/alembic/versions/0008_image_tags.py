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

"""Tags in a table of their own; image events of up to 16 MiB on MySQL.

Tags were rows of ``image_properties`` named ``os_glance_tag:<sha256 of
the tag>`` with the tag as value; they move, deleted ones too, to
``image_tags`` (Glance's table: image id, value, timestamps), unique per
image and tag and indexed by value for the list's tag filter. The outbox
payload becomes MEDIUMTEXT on MySQL, whose TEXT holds 64 KiB: an image
event carries every extra property and tag of the image.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa

from glance_tasks.db.sqlalchemy import types as gt_types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Frozen here: the name tags were stored under up to 0007.
OLD_TAG_PREFIX = 'os_glance_tag:'


def _timestamps():
    return [
        sa.Column('created_at', gt_types.timestamp(), nullable=False),
        sa.Column('updated_at', gt_types.timestamp(), nullable=True),
        sa.Column('deleted_at', gt_types.timestamp(), nullable=True),
        sa.Column('deleted', sa.Boolean, nullable=False,
                  server_default=sa.false()),
    ]


def _create_image_tags():
    return op.create_table(
        'image_tags',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('image_id', sa.String(36),
                  sa.ForeignKey('images.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('value', gt_types.ExactString(255), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('image_id', 'value',
                            name='uq_image_tags_image_id_value'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')


def _move_tags(tags):
    properties = sa.table(
        'image_properties', sa.column('image_id'), sa.column('name'),
        sa.column('value'), sa.column('created_at'),
        sa.column('updated_at'), sa.column('deleted_at'),
        sa.column('deleted'))
    is_tag = properties.c.name.startswith(OLD_TAG_PREFIX, autoescape=True)
    columns = ['image_id', 'value', 'created_at', 'updated_at',
               'deleted_at', 'deleted']
    op.execute(tags.insert().from_select(
        columns,
        sa.select(*[properties.c[name] for name in columns]).where(is_tag)))
    op.execute(properties.delete().where(is_tag))


def upgrade():
    tags = _create_image_tags()
    op.create_index('ix_image_tags_value', 'image_tags', ['value'])
    _move_tags(tags)
    if op.get_bind().dialect.name == 'mysql':
        # Elsewhere TEXT has no such limit and the type stays as it is.
        op.alter_column('notification_outbox', 'payload',
                        type_=gt_types.LongText(), existing_type=sa.Text(),
                        existing_nullable=False)
