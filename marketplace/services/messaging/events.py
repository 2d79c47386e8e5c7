"""Record a state change: an audit event and an outbox event, in the caller's transaction.

Audit rows form a chain: each stores an HMAC-SHA256, under AUDIT_KEY, of its own
content and of the digest of the row before it (`services/audit.verify_trail`
checks it). The key lives in the environment, not in the database, so whoever
can write the database still cannot recompute the chain after changing a row.
On PostgreSQL a transaction-scoped advisory lock orders the writers, so the
chain never forks.
"""
import hashlib
import hmac
import json
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import select, text

from marketplace.extensions import db
from marketplace.models import AuditEvent, OutboxEvent
from marketplace.services.clock import utcnow

AUDIT_CHAIN_LOCK = 7244117  # any constant; one lock for the one chain


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def snapshot(obj, *fields):
    """A JSON-safe dict of the named attributes, for an audit event's before/after."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record_change(actor, action, obj, *, before=None, after=None, challenge_id=None, payload=None, occurred_at=None):
    """Write the audit row and the outbox event for one change; the caller commits.

    The outbox event carries ids only: the worker loads what it needs, so a
    handler never acts on a stale copy of the data. `occurred_at`: see `append_audit`.
    """
    object_type = obj.__tablename__ if obj is not None else "system"
    if obj is not None and obj.id is None:
        db.session.flush()
    object_id = obj.id if obj is not None else None
    append_audit(actor_id=actor.id if actor is not None else None, action=action, object_type=object_type,
                 object_id=object_id, challenge_id=challenge_id,
                 before=_plain(before) if before is not None else None,
                 after=_plain(after) if after is not None else None, occurred_at=occurred_at)
    event_payload = {"object_type": object_type, "object_id": object_id,
                     "actor_id": actor.id if actor is not None else None}
    if challenge_id is not None:
        event_payload["challenge_id"] = challenge_id
    event_payload.update(_plain(payload or {}))
    db.session.add(OutboxEvent(topic=action, payload=event_payload))


def record_audit_only(actor, action, object_type, object_id, *, challenge_id=None, after=None):
    """An audit row with no outbox event: for refused access, which changes no state."""
    append_audit(actor_id=actor.id if actor is not None and getattr(actor, "id", None) else None, action=action,
                 object_type=object_type, object_id=object_id, challenge_id=challenge_id,
                 before=None, after=_plain(after) if after is not None else None)


def chained_content(prev_digest, fields):
    """The bytes one audit row's digest covers: the previous digest, then the row's content as canonical JSON."""
    content = json.dumps({**fields, "occurred_at": fields["occurred_at"].isoformat()}, sort_keys=True,
                         ensure_ascii=False, separators=(",", ":"), default=str)
    return ((prev_digest or "") + content).encode("utf-8")


def audit_digest(prev_digest, fields, key=None):
    """The HMAC-SHA256 of one audit row's content chained to the row before it, under `key` (default AUDIT_KEY)."""
    key = current_app.config["AUDIT_KEY"] if key is None else key
    return hmac.new(key.encode("utf-8"), chained_content(prev_digest, fields), hashlib.sha256).hexdigest()


def unkeyed_digest(prev_digest, fields):
    """The plain SHA-256 digest rows had before the key: only the rows the "unkeyed" anchor covers may carry it."""
    return hashlib.sha256(chained_content(prev_digest, fields)).hexdigest()


def append_audit(*, occurred_at=None, **fields):
    """Append one row to the chain and return it (the caller commits).

    A real action happens now and is stamped now: leave `occurred_at` out. Only data that tells what happened before
    it was loaded (the demo, marketplace/demo.py) gives the time its event happened; the row still goes at the end
    of the chain, so the trail's order is the order rows were written."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
    prev_digest = db.session.scalar(select(AuditEvent.digest).order_by(AuditEvent.id.desc()).limit(1))
    fields["occurred_at"] = occurred_at or utcnow()
    row = AuditEvent(prev_digest=prev_digest, digest=audit_digest(prev_digest, fields), **fields)
    db.session.add(row)
    db.session.flush()  # the next row of this transaction chains to this one
    return row
