"""Reading the audit trail: per challenge, for the agency's owner and procurement officers and platform admins, as
sentences (services/audit_trail.py) and as CSV with every field; anchoring its head and verifying it.

Verifying (`verify_trail`, run by `flask verify-audit`) walks the rows in order and recomputes each digest with the
key (services/messaging/events.py), so a changed or removed row, or a chain recomputed without the key, shows at the
first row that does not match. The anchors (`record_anchor`, daily from beat, published) catch what the chain alone
cannot: rows cut off the tail, or a chain rewritten by someone who has the key.
"""
import hmac
import json
import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from marketplace.extensions import db
from marketplace.models import AuditAnchor, AuditEvent, Challenge, Pitch, User
from marketplace.services import access, permissions
from marketplace.services.audit_trail import describe_trail
from marketplace.services.errors import NotFound
from marketplace.services.evaluation import evaluation
from marketplace.services.evaluation.blinding import redact_trail
from marketplace.services.messaging.events import audit_digest
from marketplace.services.open_data.spreadsheets import csv_text
from marketplace.services.clock import utcnow
from marketplace.services.messaging.events import AUDIT_CHAIN_LOCK, unkeyed_digest
from marketplace.services.paging import paginate

# The events that make up the ranking (each score, each decision): read by whoever may see the ranking, not by a
# panel member it is withheld from (recused, or not declared while the round is blind: `ranking_withheld`).
RANKING_EVENTS = ("evaluation.scored", "evaluation.decided")
CSV_COLUMNS = ("id", "occurred_at", "actor", "action", "object_type", "object_id", "before", "after", "description")


def challenge_trail(user, challenge_id):
    """Every recorded change of one challenge, oldest first, with who made it.

    The events on a pitch are the pitch's own: the agency's owner and officers see them only once they may read
    that pitch (the seal and the evaluation's rules: a panel member who declared no conflict), or they would tell
    who is pitching, and with what, before then; and until the evaluation is finalised the companies are
    redacted (services/evaluation/blinding.py). Its scores and decisions are the ranking's (`RANKING_EVENTS`). Platform
    admins see every event.
    """
    challenge = access.challenge_for(user, "audit.read_challenge", id=challenge_id)
    rows = db.session.execute(
        select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.challenge_id == challenge.id)
        .order_by(AuditEvent.id)
    ).all()
    rows = [(event, email) for event, email in rows]
    if permissions.is_admin(user):  # the platform's staff, not the panel: every event as recorded
        return challenge, rows
    readable = {pitch.id for pitch in db.session.scalars(select(Pitch).where(Pitch.challenge_id == challenge.id))
                if permissions.can(user, "pitch.read", pitch)}
    rows = [row for row in rows if row[0].object_type != "pitches" or row[0].object_id in readable]
    if any(event.action in RANKING_EVENTS for event, _ in rows) and \
            evaluation.ranking_withheld_from(user, challenge, evaluation.evaluation_of(challenge)):
        rows = [row for row in rows if row[0].action not in RANKING_EVENTS]
    return challenge, redact_trail(challenge, rows)


def readable_trail(user, challenge_id):
    """The challenge and its trail as `challenge_trail` gives it to this person, each event with its sentence
    (`audit_trail.TrailEntry`: event, actor email, sentence)."""
    challenge, rows = challenge_trail(user, challenge_id)
    return challenge, describe_trail(challenge, rows, user)


def _cell(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def trail_as_csv(entries):
    """Every field as recorded (before and after as JSON), and the sentence the page shows."""
    return csv_text(CSV_COLUMNS, (
        [entry.event.id, entry.event.occurred_at.isoformat(), entry.email or "system", entry.event.action,
         entry.event.object_type, entry.event.object_id,
         _cell(entry.event.before) if entry.event.before is not None else "",
         _cell(entry.event.after) if entry.event.after is not None else "",
         entry.sentence]
        for entry in entries))


CHAIN_FIELDS = ("occurred_at", "actor_id", "action", "object_type", "object_id", "challenge_id", "before", "after")
log = logging.getLogger(__name__)


# ---- Anchors ----------------------------------------------------------------------------------------------

def anchor_as_dict(anchor):
    """An anchor as the open data publishes it (and as `flask verify-audit --anchors` reads it back)."""
    return {"id": anchor.id, "anchored_at": anchor.anchored_at.isoformat(), "kind": anchor.kind,
            "row_count": anchor.row_count, "last_event_id": anchor.last_event_id, "head_digest": anchor.head_digest}


def record_anchor(kind="scheduled"):
    """Record the chain's head now (digest, row count, time), commit, and write it to the log as one JSON line."""
    if db.session.get_bind().dialect.name == "postgresql":
        # No writer in the middle of appending: the head and the count are of the same chain.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
    head = db.session.execute(select(AuditEvent.id, AuditEvent.digest).order_by(AuditEvent.id.desc()).limit(1)).first()
    count = db.session.scalar(select(func.count(AuditEvent.id))) if head else 0
    anchor = AuditAnchor(anchored_at=utcnow(), kind=kind, row_count=count,
                         last_event_id=head.id if head else None, head_digest=head.digest if head else None)
    db.session.add(anchor)
    db.session.commit()
    log.info("audit anchor: %s rows, head %s", count, anchor.head_digest,
             extra={"audit_anchor": anchor_as_dict(anchor)})
    return anchor


def anchors_page(page=1, per_page=50):
    """The anchors, newest first."""
    return paginate(select(AuditAnchor).order_by(AuditAnchor.id.desc()), page, per_page)


# ---- Verifying --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """What `verify_trail` found. `problem` is None when the trail is whole, else:

    "changed"   the row `broken_at` (or a link to it) does not match its digest: changed, a row before it removed,
                or the chain recomputed without the key;
    "rewritten" the anchored row is there and its chain holds, but its digest is not the anchored one;
    "missing"   the anchored row is gone (the walk passed its id);
    "truncated" the trail ends before the anchored row: its tail was cut;
    "count"     the number of rows up to the anchored row is not the anchored count.
    """
    checked: int
    problem: str | None = None
    broken_at: int | None = None
    anchor: dict | None = None

    @property
    def intact(self):
        return self.problem is None


def _anchor_fields(anchor):
    return {"id": anchor.get("id"), "anchored_at": anchor.get("anchored_at"), "row_count": int(anchor["row_count"]),
            "last_event_id": anchor.get("last_event_id"), "head_digest": anchor.get("head_digest")}


def parse_anchors(document):
    """Anchors kept elsewhere: a page of /api/v1/audit/anchors (its `items`), a list of anchors, or one anchor.

    Raises ValueError when it is none of these.
    """
    items = document.get("items", [document]) if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ValueError("expected a page of /api/v1/audit/anchors, a list of anchors, or one anchor")
    anchors = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("row_count"), int) \
                or not isinstance(item.get("last_event_id"), int | None) \
                or not isinstance(item.get("head_digest"), str | None):
            raise ValueError("each anchor needs row_count (a number), last_event_id and head_digest")
        anchors.append(_anchor_fields(item))
    return anchors


def verify_trail(extra_anchors=(), batch=2000):
    """Walk the audit trail in order, recompute every digest, and hold it against every anchor.

    `extra_anchors` are copies kept outside the database (see `parse_anchors`); the stored anchors are always used.
    """
    keys = [current_app.config["AUDIT_KEY"], *current_app.config.get("AUDIT_RETIRED_KEYS", ())]
    stored = db.session.scalars(select(AuditAnchor).order_by(AuditAnchor.id)).all()
    # Only the first anchor can be the upgrade's: one added later cannot widen what plain SHA-256 may cover.
    unkeyed_until = stored[0].last_event_id or 0 if stored and stored[0].kind == "unkeyed" else 0
    anchors = sorted((a for a in [*(_anchor_fields(anchor_as_dict(a)) for a in stored), *extra_anchors]
                      if a["last_event_id"] is not None), key=lambda a: a["last_event_id"])
    columns = [getattr(AuditEvent, name) for name in ("id", "prev_digest", "digest", *CHAIN_FIELDS)]
    waiting = 0  # anchors[waiting:] are still ahead of the walk
    previous, checked, last_id = None, 0, 0
    while True:
        # Plain rows, not entities: nothing piles up in the session, and the caller's objects stay as they are.
        rows = db.session.execute(select(*columns).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
                                  .limit(batch)).all()
        if not rows:
            break
        for row in rows:
            if waiting < len(anchors) and anchors[waiting]["last_event_id"] < row.id:
                return Verdict(checked, "missing", anchor=anchors[waiting])
            fields = {name: getattr(row, name) for name in CHAIN_FIELDS}
            if row.prev_digest != previous or not _digest_matches(row, fields, keys, row.id <= unkeyed_until):
                return Verdict(checked, "changed", broken_at=row.id)
            previous, checked, last_id = row.digest, checked + 1, row.id
            while waiting < len(anchors) and anchors[waiting]["last_event_id"] == row.id:
                anchor = anchors[waiting]
                if anchor["head_digest"] != row.digest:
                    return Verdict(checked, "rewritten", broken_at=row.id, anchor=anchor)
                if anchor["row_count"] != checked:
                    return Verdict(checked, "count", anchor=anchor)
                waiting += 1
    if waiting < len(anchors):
        return Verdict(checked, "truncated", anchor=anchors[-1])
    return Verdict(checked)


def _digest_matches(row, fields, keys, unkeyed):
    stored = (row.digest or "").encode("utf-8")  # bytes: compare_digest refuses non-ASCII text
    if unkeyed:
        return hmac.compare_digest(stored, unkeyed_digest(row.prev_digest, fields).encode())
    return any(hmac.compare_digest(stored, audit_digest(row.prev_digest, fields, key).encode()) for key in keys)

