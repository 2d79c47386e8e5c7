"""The audit trail is hash-chained, verifiable, and append-only (on PostgreSQL, by the database itself)."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from marketplace.extensions import db
from marketplace.models import AuditEvent
from marketplace.services.audit import verify_chain
from marketplace.services.messaging.events import record_audit_only, record_change


def _three_changes(f):
    challenge = f.Challenge()
    publisher = f.member(challenge.agency, "publisher")
    record_change(publisher, "challenge.updated", challenge, before={"title": "A"}, after={"title": "B"},
                  challenge_id=challenge.id)
    record_change(publisher, "challenge.updated", challenge, before={"title": "B"}, after={"title": "C"},
                  challenge_id=challenge.id)
    db.session.commit()
    record_audit_only(publisher, "pitch.access_refused", "pitches", 42, challenge_id=challenge.id)
    db.session.commit()


def test_each_row_carries_the_digest_of_the_one_before(f):
    _three_changes(f)
    rows = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    assert rows[0].prev_digest is None
    assert [r.prev_digest for r in rows[1:]] == [r.digest for r in rows[:-1]]
    assert verify_chain() == (3, None)


def test_a_changed_row_is_found(f):
    _three_changes(f)
    second = db.session.query(AuditEvent).order_by(AuditEvent.id).all()[1]
    if db.engine.dialect.name == "postgresql":
        # The application cannot change a row; only someone who drops the trigger could.
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE audit_events SET action = 'x' WHERE id = :id"), {"id": second.id})
        db.session.rollback()
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    db.session.execute(text("UPDATE audit_events SET after = NULL WHERE id = :id"), {"id": second.id})
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    db.session.commit()
    db.session.expire_all()
    assert verify_chain() == (1, second.id)


def test_a_removed_row_is_found(f):
    _three_changes(f)
    rows = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError):
            db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": rows[1].id})
        db.session.rollback()
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": rows[1].id})
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    db.session.commit()
    db.session.expire_all()
    assert verify_chain() == (1, rows[2].id)


def test_the_verify_command(runner, f):
    _three_changes(f)
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "3 rows checked" in result.output
