"""Work on many rows at once: inserting them in a few statements, building them without the cycle collector."""
import gc
from contextlib import contextmanager

from sqlalchemy.dialects import postgresql, sqlite

from marketplace.extensions import db

CHUNK = 1000  # rows per INSERT: few round trips, well under SQLite's limit of bound parameters

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_into(table):
    """An INSERT into `table` on the session's database that can end ON CONFLICT DO NOTHING or DO UPDATE."""
    return _INSERTS[db.session.get_bind().dialect.name](table)


def insert_new(table, rows, key):
    """INSERT … ON CONFLICT DO NOTHING, in the caller's transaction; returns the `key` values actually inserted.

    A row whose unique key another transaction (or an earlier run of the same
    handler) already wrote is skipped, not an error: this is how a handler that
    runs twice records each thing once without a savepoint per row.
    """
    if not rows:
        return []
    statement = insert_into(table).on_conflict_do_nothing().returning(key)
    inserted = []
    for start in range(0, len(rows), CHUNK):
        inserted += db.session.execute(statement, rows[start:start + CHUNK]).scalars().all()
    return inserted


@contextmanager
def cycle_collector_paused():
    """Python's cycle collector off while tens of thousands of plain objects (rows, results) are built.

    Each burst of allocations would otherwise start a collection that walks the
    whole heap of the app: measured, that doubled the CPU time of a full match
    list and of a 10,000-recipient fan-out. Whoever paused it turns it back on
    (a nested or concurrent pause leaves that to the first).
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
