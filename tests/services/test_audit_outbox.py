"""A state change writes its audit row and its outbox event in the caller's transaction, or neither."""
import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import AuditEvent, OutboxEvent
from marketplace.models.audit import AppendOnlyViolation
from marketplace.services.messaging.events import record_change


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_commit_writes_the_audit_row_and_the_outbox_event_together(f):
    challenge = f.Challenge()
    publisher = f.member(challenge.agency, "publisher")
    audits, events = _count(AuditEvent), _count(OutboxEvent)

    record_change(publisher, "challenge.updated", challenge, before={"title": "Old"}, after={"title": "New"},
                  challenge_id=challenge.id)
    db.session.commit()

    assert (_count(AuditEvent), _count(OutboxEvent)) == (audits + 1, events + 1)
    audit = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (audit.action, audit.actor_id, audit.object_id) == ("challenge.updated", publisher.id, challenge.id)
    assert (audit.before, audit.after) == ({"title": "Old"}, {"title": "New"})


def test_rollback_leaves_neither_the_audit_row_nor_the_outbox_event(f):
    challenge = f.Challenge()
    publisher = f.member(challenge.agency, "publisher")
    audits, events = _count(AuditEvent), _count(OutboxEvent)

    record_change(publisher, "challenge.updated", challenge, before={"title": "Old"}, after={"title": "New"},
                  challenge_id=challenge.id)
    db.session.flush()  # both rows reached the database inside the open transaction
    assert (_count(AuditEvent), _count(OutboxEvent)) == (audits + 1, events + 1)
    db.session.rollback()

    assert (_count(AuditEvent), _count(OutboxEvent)) == (audits, events)


def test_the_outbox_payload_carries_ids_only(f):
    challenge = f.Challenge(title="<script>alert(1)</script> secret title")
    publisher = f.member(challenge.agency, "publisher")

    record_change(publisher, "challenge.updated", challenge, before={"title": "x"}, after={"title": challenge.title},
                  challenge_id=challenge.id)
    db.session.commit()

    event = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id.desc())).first()
    assert event.topic == "challenge.updated"
    assert event.payload == {"object_type": "challenges", "object_id": challenge.id, "actor_id": publisher.id,
                             "challenge_id": challenge.id}
    assert all(value is None or isinstance(value, int | str) for value in event.payload.values())
    assert "secret title" not in repr(event.payload)


@pytest.mark.parametrize("change", ["update", "delete"])
def test_audit_rows_are_append_only_in_the_orm(f, change):
    challenge = f.Challenge()
    publisher = f.member(challenge.agency, "publisher")
    record_change(publisher, "challenge.updated", challenge, challenge_id=challenge.id)
    db.session.commit()
    audit = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()

    if change == "update":
        audit.action = "challenge.forged"
    else:
        db.session.delete(audit)
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()

    assert db.session.get(AuditEvent, audit.id).action == "challenge.updated"
