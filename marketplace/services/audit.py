"""Reading the audit trail: per challenge, for the agency's owner and platform admins, and as CSV."""
import json

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, Pitch, User
from marketplace.services import access, permissions
from marketplace.services.messaging.events import audit_digest
from marketplace.services.open_data.spreadsheets import csv_text

CSV_COLUMNS = ("id", "occurred_at", "actor", "action", "object_type", "object_id", "before", "after")


def challenge_trail(user, challenge_id):
    """Every recorded change of one challenge, oldest first, with who made it.

    The events on a pitch are the pitch's own: the agency's owner sees them only
    once it may read that pitch (the seal and the evaluation's rules), or they would
    tell who is pitching, and with what, before then. Platform admins see every event.
    """
    challenge = access.challenge_for(user, "audit.read_challenge", id=challenge_id)
    rows = db.session.execute(
        select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.challenge_id == challenge.id)
        .order_by(AuditEvent.id)
    ).all()
    if not permissions.is_admin(user):
        readable = {pitch.id for pitch in db.session.scalars(select(Pitch).where(Pitch.challenge_id == challenge.id))
                    if permissions.can(user, "pitch.read", pitch)}
        rows = [row for row in rows if row[0].object_type != "pitches" or row[0].object_id in readable]
    return challenge, [(event, email) for event, email in rows]


def _cell(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def trail_as_csv(rows):
    return csv_text(CSV_COLUMNS, (
        [event.id, event.occurred_at.isoformat(), email or "system", event.action, event.object_type,
         event.object_id,
         _cell(event.before) if event.before is not None else "",
         _cell(event.after) if event.after is not None else ""]
        for event, email in rows))


CHAIN_FIELDS = ("occurred_at", "actor_id", "action", "object_type", "object_id", "challenge_id", "before", "after")


def verify_chain(batch=2000):
    """Walk the audit trail in order and recompute every digest.

    Returns (rows checked, None) when the chain is whole, or (rows checked, the
    id of the first row whose digest or link does not match).
    """
    previous, checked, last_id = None, 0, 0
    while True:
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
                                  .limit(batch)).all()
        if not rows:
            return checked, None
        for row in rows:
            fields = {name: getattr(row, name) for name in CHAIN_FIELDS}
            if row.prev_digest != previous or row.digest != audit_digest(previous, fields):
                return checked, row.id
            previous, checked, last_id = row.digest, checked + 1, row.id
        db.session.expunge_all()
