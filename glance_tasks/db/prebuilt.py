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

"""Statements built once per shape, then run with bound parameters.

Building a SQLAlchemy statement and its cache key costs about 150 us of
CPU; running one built before, with new parameters, about 40 us
(``tools/bench_import.py`` runs dozens per task). The hot paths - status
compare-and-swaps, outbox rows, checkpoints - take their statements here.
"""

import functools

import sqlalchemy as sa


def _where(column):
    return 'w_' + column


def _value(column):
    return 'v_' + column


@functools.lru_cache(maxsize=256)
def _update(table, where, values, live, nulls=()):
    statement = table.update().where(
        *[table.c[column] == sa.bindparam(_where(column))
          for column in where],
        *[table.c[column].is_(None) for column in nulls])
    if live:
        statement = statement.where(table.c.deleted.is_(False))
    return statement.values(
        {column: sa.bindparam(_value(column)) for column in values})


@functools.lru_cache(maxsize=64)
def _update_returning(table, where, values, live, nulls, returning):
    return _update(table, where, values, live, nulls).returning(
        *[table.c[column] for column in returning])


def _update_call(table, where, values, live, returning=None):
    nulls = tuple(sorted(c for c, value in where.items() if value is None))
    where = {c: value for c, value in where.items() if value is not None}
    shape = (table, tuple(sorted(where)), tuple(sorted(values)), live, nulls)
    statement = _update(*shape) if returning is None else \
        _update_returning(*shape, returning)
    params = {_where(column): value for column, value in where.items()}
    params.update((_value(column), value)
                  for column, value in values.items())
    return statement, params


def update(executor, table, where, values, live=False):
    """``UPDATE table SET values WHERE where`` (and not deleted, if live).

    ``executor``: a session or a connection. Returns the row count. A
    ``where`` value of None matches NULL (``IS NULL``).
    """
    statement, params = _update_call(table, where, values, live)
    return executor.execute(statement, params).rowcount


def update_returning(executor, table, where, values, returning,
                     live=False):
    """:func:`update`, returning the ``returning`` columns of each row.

    Only where the dialect has ``UPDATE ... RETURNING`` (PostgreSQL,
    SQLite; not MySQL): check ``dialect.update_returning`` first. One
    statement instead of an UPDATE and a SELECT.
    """
    statement, params = _update_call(table, where, values, live,
                                     tuple(returning))
    return executor.execute(statement, params).all()


def with_defaults(table, values):
    """``values`` completed with the columns' Python-side defaults.

    What an INSERT of ``values`` stores, known without reading it back.
    A column with only a server default must be given; the table's
    autoincrement column, if not given, is left to the database.
    """
    unknown = set(values) - set(table.c.keys())
    if unknown:
        raise ValueError('%s has no column %s' % (
            table.name, ', '.join(sorted(unknown))))
    row = {}
    for column in table.c:
        if column.name in values:
            row[column.name] = values[column.name]
        elif column is table.autoincrement_column:
            continue
        else:
            row[column.name] = _default(table, column)
    return row


def _default(table, column):
    default = column.default
    if default is None and column.server_default is None:
        return None
    if default is not None and default.is_callable:
        return default.arg(None)
    if default is not None and default.is_scalar:
        return default.arg
    raise ValueError('%s.%s has no Python-side value to default to; give '
                     'it' % (table.name, column.name))


@functools.lru_cache(maxsize=None)
def _insert(table):
    return table.insert()


def insert(executor, table, values):
    """INSERT ``values`` with the Python-side defaults; return the row."""
    row = with_defaults(table, values)
    executor.execute(_insert(table), row)
    return row


def insert_many(executor, table, rows):
    """INSERT ``rows``, each complete (:func:`with_defaults`), at once.

    One ``executemany``: the statement's defaults and parameters are
    processed once for the lot, not once per row.
    """
    if rows:
        executor.execute(_insert(table), list(rows))
