"""Column types shared by the models."""
from datetime import datetime, timezone

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import BigInteger, DateTime, TypeDecorator


class UTCDateTime(TypeDecorator):
    """A time-zone aware datetime, stored as UTC on every database.

    SQLite keeps no zone, so we store naive UTC and hand back aware UTC; an
    aware value in any zone is converted on the way in, a naive one refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow():
    return datetime.now(timezone.utc)


class epoch_microseconds(FunctionElement):
    """Microseconds since 1970 of a UTCDateTime column, as an integer the database computes (kept catalogue of the
    public challenges, services/challenges/catalogue.py: 46,000 rows read without a datetime object each)."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_microseconds, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) * 1000000 AS BIGINT)"


@compiles(epoch_microseconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    # SQLite keeps naive UTC as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTCDateTime): whole seconds, then the microseconds.
    column = compiler.process(element.clauses, **kw)
    return f"(CAST(strftime('%s', {column}) AS INTEGER) * 1000000 + CAST(substr({column}, 21, 6) AS INTEGER))"
