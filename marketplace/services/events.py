"""Record a state change: an audit event and an outbox event, in the caller's transaction."""
from datetime import date, datetime
from decimal import Decimal

from ..extensions import db
from ..models import AuditEvent, OutboxEvent


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


def record_change(actor, action, obj, *, before=None, after=None, challenge_id=None, payload=None):
    """Write the audit row and the outbox event for one change; the caller commits.

    The outbox event carries ids only: the worker loads what it needs, so a
    handler never acts on a stale copy of the data.
    """
    object_type = obj.__tablename__ if obj is not None else "system"
    if obj is not None and obj.id is None:
        db.session.flush()
    object_id = obj.id if obj is not None else None
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor is not None else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            challenge_id=challenge_id,
            before=_plain(before) if before is not None else None,
            after=_plain(after) if after is not None else None,
        )
    )
    event_payload = {"object_type": object_type, "object_id": object_id,
                     "actor_id": actor.id if actor is not None else None}
    if challenge_id is not None:
        event_payload["challenge_id"] = challenge_id
    event_payload.update(_plain(payload or {}))
    db.session.add(OutboxEvent(topic=action, payload=event_payload))


def record_audit_only(actor, action, object_type, object_id, *, challenge_id=None, after=None):
    """An audit row with no outbox event: for refused access, which changes no state."""
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor is not None and getattr(actor, "id", None) else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            challenge_id=challenge_id,
            after=_plain(after) if after is not None else None,
        )
    )
