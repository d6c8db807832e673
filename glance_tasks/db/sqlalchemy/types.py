"""Column types shared by the models and the migrations."""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql


def timestamp():
    """A naive UTC timestamp with microseconds on every backend.

    MySQL's plain DATETIME drops the fraction of a second, which would make
    rows created in the same second sort by id and latency figures useless.
    """
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')
