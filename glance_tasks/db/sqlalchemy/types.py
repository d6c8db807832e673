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

"""Column types shared by the models and the migrations."""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql


def timestamp():
    """A naive UTC timestamp with microseconds on every backend.

    MySQL's plain DATETIME drops the fraction of a second, which would make
    rows created in the same second sort by id and latency figures useless.
    """
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')


class LongText(sa.types.TypeDecorator):
    """TEXT, but MEDIUMTEXT (16 MiB) on MySQL, whose TEXT holds 64 KiB."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == 'mysql':
            return dialect.type_descriptor(mysql.MEDIUMTEXT())
        return dialect.type_descriptor(sa.Text())


# Binary collations that do not pad: MySQL's default collation folds
# case and ignores trailing spaces, which would make ``Foo``, ``foo`` and
# ``foo `` one tag (and one unique key).
_MARIADB_EXACT = 'utf8mb4_nopad_bin'
_MYSQL8_EXACT = 'utf8mb4_0900_bin'
_MYSQL_BINARY = 'utf8mb4_bin'


class ExactString(sa.types.TypeDecorator):
    """A VARCHAR compared byte for byte on every backend.

    SQLite and PostgreSQL (with the default deterministic collations)
    compare strings exactly already; on MySQL and MariaDB the column gets
    a binary, no-pad collation.
    """

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name != 'mysql':
            return dialect.type_descriptor(sa.String(self.impl.length))
        return dialect.type_descriptor(mysql.VARCHAR(
            self.impl.length, collation=_exact_collation(dialect)))


def _exact_collation(dialect):
    if getattr(dialect, 'is_mariadb', False):
        return _MARIADB_EXACT
    version = getattr(dialect, 'server_version_info', None) or ()
    # MySQL before 8.0 has no binary collation without padding.
    return _MYSQL8_EXACT if tuple(version[:1]) >= (8,) else _MYSQL_BINARY
