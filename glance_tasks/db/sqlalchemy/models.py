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

"""SQLAlchemy models, after Glance's ``tasks``/``images`` tables.

The alembic migrations under ``alembic/versions`` build the same schema;
``tests/functional/db/test_migrations.py`` proves that on every backend.
"""

from oslo_db.sqlalchemy import models
from oslo_serialization import jsonutils
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy import orm

from glance_tasks.db import api as db_api
from glance_tasks.db.sqlalchemy import types as gt_types


class JSONEncodedDict(sa.types.TypeDecorator):
    """A JSON document kept in a TEXT column, as Glance keeps task input."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else jsonutils.dumps(value)

    def process_result_value(self, value, dialect):
        return None if value is None else jsonutils.loads(value)


class LongJSONEncodedDict(JSONEncodedDict):
    """A JSON document of up to 16 MiB on MySQL too (MEDIUMTEXT)."""

    cache_ok = True

    def load_dialect_impl(self, dialect):
        return gt_types.LongText().load_dialect_impl(dialect)


class Base(models.ModelBase, orm.DeclarativeBase):
    pass


class Timestamps:
    """Creation, update and soft-delete columns shared by every table."""

    created_at = sa.Column(gt_types.timestamp(), nullable=False,
                           default=db_api.utcnow)
    updated_at = sa.Column(gt_types.timestamp(), nullable=True,
                           onupdate=db_api.utcnow)
    deleted_at = sa.Column(gt_types.timestamp(), nullable=True)
    deleted = sa.Column(sa.Boolean, nullable=False, default=False,
                        server_default=sa.false())


class Task(Timestamps, Base):
    __tablename__ = 'tasks'
    __table_args__ = (
        sa.Index('ix_tasks_type', 'type'),
        sa.Index('ix_tasks_status', 'status'),
        sa.Index('ix_tasks_owner', 'owner'),
        sa.Index('ix_tasks_deleted', 'deleted'),
        sa.Index('ix_tasks_image_id', 'image_id'),
        sa.Index('ix_tasks_updated_at', 'updated_at'),
        # The API's default order, with and without a status filter.
        sa.Index('ix_tasks_created_at_id', 'created_at', 'id'),
        sa.Index('ix_tasks_status_created_at_id', 'status', 'created_at',
                 'id'),
        # The executors' sweep: live tasks and who runs them.
        sa.Index('ix_tasks_status_executor', 'status', 'executor'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    type = sa.Column(sa.String(30), nullable=False)
    status = sa.Column(sa.String(30), nullable=False)
    owner = sa.Column(sa.String(255), nullable=True)
    expires_at = sa.Column(gt_types.timestamp(), nullable=True)
    image_id = sa.Column(sa.String(36), nullable=True)
    user_id = sa.Column(sa.String(64), nullable=True)
    request_id = sa.Column(sa.String(64), nullable=True)
    # The local executor that runs the task: the name of its lease in
    # ``leases`` (``engine/ownership.py``). NULL for jobboard tasks.
    executor = sa.Column(sa.String(64), nullable=True)

    info = orm.relationship('TaskInfo', uselist=False, lazy='raise',
                            cascade='all, delete-orphan')


class TaskInfo(Base):
    """Input, result and message: kept apart so lists never load them."""

    __tablename__ = 'task_info'

    task_id = sa.Column(sa.String(36),
                        sa.ForeignKey('tasks.id', ondelete='CASCADE'),
                        primary_key=True)
    input = sa.Column(JSONEncodedDict)
    result = sa.Column(JSONEncodedDict)
    message = sa.Column(sa.Text)


class TaskRequester(Base):
    """Who started a live task: user, roles, and (glance-download) token.

    Written with the task by the import call, read by whichever engine
    runs it (another process, or one taking over after a crash), deleted
    in the transaction that ends the task. Never shown by the API.
    """

    __tablename__ = 'task_requesters'

    task_id = sa.Column(sa.String(36),
                        sa.ForeignKey('tasks.id', ondelete='CASCADE'),
                        primary_key=True)
    user_id = sa.Column(sa.String(64), nullable=True)
    # A JSON list of role names.
    roles = sa.Column(sa.Text, nullable=False)
    auth_token = sa.Column(sa.Text, nullable=True)
    created_at = sa.Column(gt_types.timestamp(), nullable=False,
                           default=db_api.utcnow)


class Image(Timestamps, Base):
    __tablename__ = 'images'
    __table_args__ = (
        sa.Index('ix_images_status', 'status'),
        sa.Index('ix_images_owner', 'owner'),
        sa.Index('ix_images_deleted', 'deleted'),
        sa.Index('ix_images_visibility', 'visibility'),
        sa.Index('ix_images_updated_at', 'updated_at'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    name = sa.Column(sa.String(255))
    disk_format = sa.Column(sa.String(20))
    container_format = sa.Column(sa.String(20))
    size = sa.Column(sa.BigInteger)
    virtual_size = sa.Column(sa.BigInteger)
    status = sa.Column(sa.String(30), nullable=False)
    visibility = sa.Column(sa.String(20), nullable=False,
                           server_default='shared')
    checksum = sa.Column(sa.String(32))
    os_hash_algo = sa.Column(sa.String(64))
    os_hash_value = sa.Column(sa.String(128))
    min_disk = sa.Column(sa.Integer, nullable=False, default=0)
    min_ram = sa.Column(sa.Integer, nullable=False, default=0)
    owner = sa.Column(sa.String(255))
    protected = sa.Column(sa.Boolean, nullable=False, default=False,
                          server_default=sa.false())
    os_hidden = sa.Column(sa.Boolean, nullable=False, default=False,
                          server_default=sa.false())
    # While an upload writes the data (``saving``): the executor lease
    # of the process receiving it; a lapsed one means a dead upload.
    uploader = sa.Column(sa.String(64), nullable=True)


class ImageProperty(Timestamps, Base):
    __tablename__ = 'image_properties'
    __table_args__ = (
        sa.UniqueConstraint('image_id', 'name',
                            name='uq_image_properties_image_id_name'),
        sa.Index('ix_image_properties_image_id', 'image_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    image_id = sa.Column(sa.String(36),
                         sa.ForeignKey('images.id', ondelete='CASCADE'),
                         nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.Text)


class ImageTag(Timestamps, Base):
    """One tag of an image, as Glance's ``image_tags`` table.

    One row per (image, tag) ever: removing a tag marks its row deleted,
    adding it again revives the row, so the unique key holds for live
    rows and deleted ones alike on every backend.
    """

    __tablename__ = 'image_tags'
    __table_args__ = (
        sa.UniqueConstraint('image_id', 'value',
                            name='uq_image_tags_image_id_value'),
        # The list's tag filter looks tags up by value.
        sa.Index('ix_image_tags_value', 'value'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    image_id = sa.Column(sa.String(36),
                         sa.ForeignKey('images.id', ondelete='CASCADE'),
                         nullable=False)
    value = sa.Column(gt_types.ExactString(255), nullable=False)


class ImageLocation(Timestamps, Base):
    __tablename__ = 'image_locations'
    __table_args__ = (
        sa.Index('ix_image_locations_image_id', 'image_id'),
        sa.Index('ix_image_locations_status', 'status'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    image_id = sa.Column(sa.String(36),
                         sa.ForeignKey('images.id', ondelete='CASCADE'),
                         nullable=False)
    value = sa.Column(sa.Text, nullable=False)
    meta_data = sa.Column(JSONEncodedDict)
    status = sa.Column(sa.String(30), nullable=False,
                       server_default='active')


class OutboxNotification(Base):
    """A notification written with the change it announces, sent later.

    Rows are relayed in ``id`` order, so the events of one task leave in
    the order their transitions were committed.
    """

    __tablename__ = 'notification_outbox'
    __table_args__ = (
        sa.Index('ix_notification_outbox_sent_at', 'sent_at'),
    )

    id = sa.Column(sa.BigInteger().with_variant(sa.Integer, 'sqlite'),
                   primary_key=True, autoincrement=True)
    message_id = sa.Column(sa.String(36), nullable=False)
    event_type = sa.Column(sa.String(64), nullable=False)
    priority = sa.Column(sa.String(16), nullable=False)
    publisher_id = sa.Column(sa.String(255), nullable=False)
    # MEDIUMTEXT on MySQL: an image event carries every property and tag.
    payload = sa.Column(LongJSONEncodedDict, nullable=False)
    context = sa.Column(JSONEncodedDict, nullable=True)
    created_at = sa.Column(gt_types.timestamp(), nullable=False,
                           default=db_api.utcnow)
    sent_at = sa.Column(gt_types.timestamp(), nullable=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0,
                         server_default='0')


class Lease(Base):
    """A named duty that one process at a time performs, for a while.

    The holder renews ``expires_at`` while it works; once that time has
    passed any process may take the lease over (``db/leases.py``).
    """

    __tablename__ = 'leases'

    name = sa.Column(sa.String(64), primary_key=True)
    holder = sa.Column(sa.String(255), nullable=False)
    expires_at = sa.Column(gt_types.timestamp(), nullable=False)


class FlowCheckpoint(Base):
    """The saved progress of one running flow: its TaskFlow logbook.

    One JSON document per logbook (whose uuid is the task's id), written
    by ``engine/checkpoint.py`` and read back to resume the flow. It lives
    in the service database, or in ``[task_executor]
    persistence_connection`` when that is set (``checkpoint_metadata``).
    """

    __tablename__ = 'glance_tasks_flow_checkpoints'
    __table_args__ = {'mysql_engine': 'InnoDB'}

    book_uuid = sa.Column(sa.String(36), primary_key=True)
    data = sa.Column(sa.Text().with_variant(mysql.LONGTEXT(), 'mysql'),
                     nullable=False)
    # Plain DATETIME, as the table was when created at run time: 0005
    # adopts such a table as it is.
    updated_at = sa.Column(sa.DateTime, nullable=False)


def checkpoint_metadata():
    """Metadata holding only the checkpoint table.

    What a separate ``persistence_connection`` database holds, migrated
    by its own alembic scripts (``db/migration.py``).
    """
    metadata = sa.MetaData()
    FlowCheckpoint.__table__.to_metadata(metadata)
    return metadata
