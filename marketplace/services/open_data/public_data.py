"""The public data token: replaced in the same transaction as any change to what anonymous visitors see.

Pages kept for anonymous visitors (`web/page_cache.py`) are keyed by this token.
Every INSERT, UPDATE or DELETE statement on a public table marks its connection,
whether it comes from an ORM flush, `session.execute` or a bare connection; when
that transaction commits, a new random token is written on the same connection
just before the database commit, so the change and the token are committed
together or not at all. A random token (not a counter) is never reused, even after
a database restore. SQL written as `text()` is not seen: write changes as statements.
"""
import threading
import uuid
from collections import OrderedDict

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase

from marketplace.extensions import db
from marketplace.models import DataVersion

PUBLIC = "public"
# A second token, renewed only when the challenges themselves change (their rows, their sectors): what is kept of
# them alone (the catalogue text searches are answered from, services/challenges/catalogue.py) outlives an answered
# question or a pilot's outcome. A database that has none yet keys it by the public token.
CHALLENGES = "challenges"
CHALLENGE_TABLES = frozenset({"challenges", "challenge_sectors"})
# What the challenge list, the search, the home page and a challenge page are made of. Pitches are not
# here: their contents are sealed, and a pitch is shown publicly only through its pilot's outcome.
PUBLIC_TABLES = frozenset({
    "challenges", "challenge_sectors", "evaluation_criteria", "success_measures", "organisations",
    "questions", "pilots", "measure_outcomes", "challenge_notices", "ocds_releases",
})
_CHANGED = "agora.public_data_changed"
_CHALLENGES_CHANGED = "agora.challenges_changed"
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}  # both upsert with ON CONFLICT
_renewals_here = [0]  # tokens this process renewed: a reader holding a token may drop it at once


_TOKEN_TABLE = DataVersion.__table__
# A Core statement on the session's connection: read at every public request, and through the ORM (an entity
# statement, autoflush, result wrapping) it cost four times the CPU of the read itself. Both tokens in one
# statement: one snapshot, so a pair read together was committed together.
_TOKEN_READ_STATEMENT = select(_TOKEN_TABLE.c.name, _TOKEN_TABLE.c.token).where(
    _TOKEN_TABLE.c.name.in_((PUBLIC, CHALLENGES)))


def _current_tokens():
    tokens = dict(db.session.connection().execute(_TOKEN_READ_STATEMENT).all())
    tokens.setdefault(CHALLENGES, tokens.get(PUBLIC))
    return tokens


def current_token():
    """The token of the public data as this transaction sees it (None on a database never changed)."""
    return _current_tokens().get(PUBLIC)


class KeptPerState:
    """Answers computed from public tables only, each kept with the token it was computed under, the most
    recently used `max_entries` of them (see kept_while_unchanged)."""

    def __init__(self, max_entries, token=None):
        """`token()`: the token the answers are kept under (default: the public data's, token_in_this_transaction)."""
        self.max_entries = max_entries
        self._token = token
        self._entries = OrderedDict()
        self._lock = threading.Lock()
        _every_kept.append(self)

    def get(self, key, compute, holds=None):
        return self.get_many((key,), lambda missing: {key: compute()}, holds)[key]

    def get_many(self, keys, compute_missing, holds=None):
        """{key: answer} for `keys`; `compute_missing(keys not kept)` answers those as a dict, all at once (one
        query for the items of a page that are not kept, not one each). `holds(answer)`, if given, says whether
        a kept answer is still true (what the time changes: a deadline passed); one that is not is computed
        again."""
        token = (self._token or token_in_this_transaction)()
        if token is None:
            return compute_missing(list(keys))
        found, missing = {}, []
        with self._lock:
            for key in keys:
                entry = (token, key)
                if entry in self._entries and (holds is None or holds(self._entries[entry])):
                    self._entries.move_to_end(entry)
                    found[key] = self._entries[entry]
                else:
                    missing.append(key)
        if missing:
            computed = compute_missing(missing)
            found.update(computed)
            with self._lock:
                for key, value in computed.items():
                    self._entries[(token, key)] = value
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return found

    def clear(self):
        with self._lock:
            self._entries.clear()


_every_kept = []  # every KeptPerState, for forget_kept
_kept = KeptPerState(4096)  # a list's totals, the ids of its pages (paging.py), the agencies…
# What a public list shows of each of its items, written out (an API item's JSON, a feed entry's XML): many
# per page, so kept apart from the answers above, which they would otherwise push out.
kept_items = KeptPerState(8192)
_TOKEN_READ = "agora.public_token_read"


def kept_while_unchanged(key, compute):
    """compute()'s answer, computed once per state of the public data in this process.

    For what reads public tables only and does not depend on the time (a list's total, the agencies with a
    public challenge): one indexed read of the token replaces counting tens of thousands of rows. `key` names
    the question (for a query, its SQL and parameters). Without a token yet (a database never changed through
    the application) nothing is kept.
    """
    return _kept.get(key, compute)


def token_in_this_transaction():
    """The token, read once per transaction: the page cache and the kept answers of one request share the read.

    The transaction object itself is kept with it, so `is` never meets a new transaction at a reused address.
    None in a transaction that changes public data: what it reads holds changes the token does not name yet (and
    a rollback would undo), so nothing it reads is kept, nor taken from what is kept.
    """
    return _tokens_in_this_transaction().get(PUBLIC)


def challenges_token_in_this_transaction():
    """The token of the challenges alone (CHALLENGES), read with the public one, None when that one is."""
    return _tokens_in_this_transaction().get(CHALLENGES)


def _tokens_in_this_transaction():
    session = db.session()
    if _changes_public_data(session):
        return {}
    kept = session.info.get(_TOKEN_READ)
    transaction = session.get_transaction()
    if kept is not None and transaction is not None and kept[0] is transaction:
        return kept[1]
    tokens = _current_tokens()
    session.info[_TOKEN_READ] = (session.get_transaction(), tokens)
    return tokens


def _changes_public_data(session):
    """Whether this transaction has changed a public table, or is about to (changes the ORM has not flushed)."""
    if any(getattr(instance, "__tablename__", None) in PUBLIC_TABLES
           for pending in (session.new, session.dirty, session.deleted) for instance in pending):
        return True
    return session.in_transaction() and session.connection().info.get(_CHANGED, False)


def forget_kept():
    """Forget every kept answer (the tests empty the tables with SQL the token does not see)."""
    for kept in _every_kept:
        kept.clear()


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
        if statement.table.name in CHALLENGE_TABLES:
            conn.info[_CHALLENGES_CHANGED] = True


def _renew_token(conn):
    # A savepoint rolled back keeps the mark: at worst one token too many, never one too few.
    if conn.info.pop(_CHANGED, False):
        conn.execute(_token_upsert(conn.dialect.name, PUBLIC, uuid.uuid4().hex))
        if conn.info.pop(_CHALLENGES_CHANGED, False):
            conn.execute(_token_upsert(conn.dialect.name, CHALLENGES, uuid.uuid4().hex))
        _renewals_here[0] += 1


def _forget(conn):
    conn.info.pop(_CHANGED, None)
    conn.info.pop(_CHALLENGES_CHANGED, None)


def _forget_on_checkin(dbapi_connection, connection_record):
    if connection_record is not None:
        connection_record.info.pop(_CHANGED, None)
        connection_record.info.pop(_CHALLENGES_CHANGED, None)


def _token_upsert(dialect_name, name, token):
    table = DataVersion.__table__
    statement = _INSERTS[dialect_name](table).values(name=name, token=token)
    return statement.on_conflict_do_update(index_elements=[table.c.name], set_={"token": token})
