"""The public data token: replaced in the same transaction as any change to what anonymous visitors see.

Pages kept for anonymous visitors (`web/page_cache.py`) are keyed by this token.
Every INSERT, UPDATE or DELETE statement on a public table marks its connection,
whether it comes from an ORM flush, `session.execute` or a bare connection; when
that transaction commits, a new random token is written on the same connection
just before the database commit, so the change and the token are committed
together or not at all. A random token (not a counter) is never reused, even after
a database restore. SQL written as `text()` is not seen: write changes as statements.
"""
import uuid

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase

from marketplace.extensions import db
from marketplace.models import DataVersion

PUBLIC = "public"
# What the challenge list, the search, the home page and a challenge page are made of. Pitches are not
# here: their contents are sealed, and a pitch is shown publicly only through its pilot's outcome.
PUBLIC_TABLES = frozenset({
    "challenges", "challenge_sectors", "evaluation_criteria", "success_measures", "organisations",
    "questions", "pilots", "measure_outcomes", "challenge_notices",
})
_CHANGED = "agora.public_data_changed"
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}  # both upsert with ON CONFLICT
_renewals_here = [0]  # tokens this process renewed: a reader holding a token may drop it at once


def current_token():
    """The token of the public data as this transaction sees it (None on a database never changed)."""
    return db.session.scalar(select(DataVersion.token).where(DataVersion.name == PUBLIC))


def renewals_in_this_process():
    """How many times this process renewed a token; when it moves, a token read earlier may be old."""
    return _renewals_here[0]


def watch(engine):
    """Renew the token whenever a transaction on `engine` that changed a public table commits."""
    if engine.dialect.name not in _INSERTS:
        raise RuntimeError(f"the public data token needs PostgreSQL or SQLite, not {engine.dialect.name}")
    if event.contains(engine, "after_execute", _note_change):
        return
    event.listen(engine, "after_execute", _note_change)
    event.listen(engine, "commit", _renew_token)
    event.listen(engine, "rollback", _forget)
    event.listen(engine, "checkin", _forget_on_checkin)


def _note_change(conn, statement, multiparams, params, execution_options, result):
    if isinstance(statement, UpdateBase) and getattr(statement, "table", None) is not None \
            and statement.table.name in PUBLIC_TABLES:
        conn.info[_CHANGED] = True


def _renew_token(conn):
    # A savepoint rolled back keeps the mark: at worst one token too many, never one too few.
    if conn.info.pop(_CHANGED, False):
        conn.execute(_token_upsert(conn.dialect.name, uuid.uuid4().hex))
        _renewals_here[0] += 1


def _forget(conn):
    conn.info.pop(_CHANGED, None)


def _forget_on_checkin(dbapi_connection, connection_record):
    if connection_record is not None:
        connection_record.info.pop(_CHANGED, None)


def _token_upsert(dialect_name, token):
    table = DataVersion.__table__
    statement = _INSERTS[dialect_name](table).values(name=PUBLIC, token=token)
    return statement.on_conflict_do_update(index_elements=[table.c.name], set_={"token": token})
