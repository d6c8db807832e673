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

"""Statements on the flow checkpoint table, built once.

``engine/checkpoint.py`` runs them on the engine of the database that
keeps the checkpoints (the service's, or a separate one); the table
itself comes from the migrations (``0005``, or ``p001`` for a separate
database).
"""

import sqlalchemy as sa

from glance_tasks.db.sqlalchemy import models

TABLE = models.FlowCheckpoint.__table__

# Built once, run for every checkpoint (see glance_tasks.db.prebuilt).
INSERT = TABLE.insert()
UPDATE = TABLE.update().where(
    TABLE.c.book_uuid == sa.bindparam('uuid')).values(
        data=sa.bindparam('data'), updated_at=sa.bindparam('updated_at'))
DELETE = TABLE.delete().where(TABLE.c.book_uuid == sa.bindparam('uuid'))
DELETE_ALL = TABLE.delete()
READ = sa.select(TABLE.c.data).where(
    TABLE.c.book_uuid == sa.bindparam('uuid'))


def delete_row(executor, book_uuid):
    """Delete a logbook's row through ``executor``; the rows deleted."""
    return executor.execute(DELETE, {'uuid': book_uuid}).rowcount


def has_table(engine):
    """True if the database of ``engine`` has the checkpoint table."""
    return sa.inspect(engine).has_table(TABLE.name)
