"""The append-only audit trail of every state change, and the anchors that pin its head."""
from sqlalchemy import DDL, JSON, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        # The events on one object: the platform trail filtered by an organisation (its own, its people's).
        Index("ix_audit_events_object_type_object_id", "object_type", "object_id"),
        # An action (equality), and a family of actions as a range of bytes ("pitch." up to "pitch/": the platform
        # trail's filter, services/audit._of_family): on PostgreSQL the pattern operator class compares bytes
        # whatever the database's locale, and still serves equality.
        Index("ix_audit_events_action", "action", postgresql_ops={"action": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    # The challenge a change belongs to, for the per-challenge trail.
    challenge_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before = mapped_column(JSON, nullable=True)
    after = mapped_column(JSON, nullable=True)
    # Hash chain: each row carries the digest of the one before, so a removed or edited row shows. The digest is an
    # HMAC-SHA256 under AUDIT_KEY, which is not in the database (services/messaging/events.py).
    prev_digest: Mapped[str | None] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64), default="")


class AppendOnlyViolation(Exception):
    pass


def append_only(model, message):
    """Refuse, in the ORM, any UPDATE or DELETE of `model`'s rows (written once: the audit trail, its anchors,
    the OCDS releases); the database's own guards, where a migration sets them, are the second line."""
    def refuse(mapper, connection, target):
        raise AppendOnlyViolation(message)

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)


append_only(AuditEvent, "audit events are append-only")


# On PostgreSQL the database itself refuses to change or remove audit rows, whoever asks.
APPEND_ONLY_TRIGGER = DDL("""
CREATE OR REPLACE FUNCTION audit_events_are_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_are_append_only();
""")
event.listen(AuditEvent.__table__, "after_create", APPEND_ONLY_TRIGGER.execute_if(dialect="postgresql"))


class AuditAnchor(db.Model):
    """The head of the audit chain at one moment, published (open data, log) so a cut or rewritten tail shows.

    `kind` is "scheduled" (beat, daily), "manual" (`flask anchor-audit`) or "unkeyed": the one the upgrade to keyed
    digests recorded, first of all, for the rows before it, whose digests are plain SHA-256.
    """
    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    anchored_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    kind: Mapped[str] = mapped_column(String(16))
    row_count: Mapped[int] = mapped_column(Integer)
    last_event_id: Mapped[int | None] = mapped_column(Integer)  # None while the trail is empty
    head_digest: Mapped[str | None] = mapped_column(String(64))


append_only(AuditAnchor, "audit anchors are append-only")


ANCHORS_APPEND_ONLY_TRIGGER = DDL("""
CREATE OR REPLACE FUNCTION audit_anchors_are_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit anchors are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_anchors_append_only BEFORE UPDATE OR DELETE ON audit_anchors
  FOR EACH ROW EXECUTE FUNCTION audit_anchors_are_append_only();
""")
event.listen(AuditAnchor.__table__, "after_create", ANCHORS_APPEND_ONLY_TRIGGER.execute_if(dialect="postgresql"))
