"""The audit trail is a keyed chain, anchored outside its table, verifiable, and append-only (on PostgreSQL, by
the database itself): a changed row, a row removed, a tail cut off and a chain recomputed without the key all show."""
import hashlib
import hmac
import json
import logging

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from marketplace.extensions import db
from marketplace.models import AuditAnchor, AuditEvent
from marketplace.models.audit import AppendOnlyViolation
from marketplace.observability import JSONFormatter
from marketplace.services.audit import CHAIN_FIELDS, parse_anchors, record_anchor, verify_trail
from marketplace.services.messaging.events import chained_content, record_audit_only, record_change

EVENTS = AuditEvent.__table__


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
    return db.session.query(AuditEvent).order_by(AuditEvent.id).all()


def _bypassing_the_triggers(*statements):
    """What only someone who can drop the append-only triggers could do (the ORM and PostgreSQL refuse it)."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        db.session.execute(text("ALTER TABLE audit_anchors DISABLE TRIGGER audit_anchors_append_only"))
    for statement in statements:
        db.session.execute(statement)
    if postgres:
        db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
        db.session.execute(text("ALTER TABLE audit_anchors ENABLE TRIGGER audit_anchors_append_only"))
    db.session.commit()
    db.session.expire_all()


def _rechain(rows, digest, start=1, change=None):
    """Statements recomputing every digest and link from rows[start] on with `digest`, after `change(fields)`."""
    statements, previous = [], rows[start - 1].digest if start else None
    for index, row in enumerate(rows[start:], start=start):
        fields = {name: getattr(row, name) for name in CHAIN_FIELDS}
        if index == start and change:
            change(fields)
        new_digest = digest(previous, fields)
        statements.append(update(EVENTS).where(EVENTS.c.id == row.id)
                          .values(after=fields["after"], prev_digest=previous, digest=new_digest))
        previous = new_digest
    return statements


def _forge(fields):
    fields["after"] = {"title": "forged"}


def _plain(prev, fields):
    return hashlib.sha256(chained_content(prev, fields)).hexdigest()


def test_each_row_carries_a_keyed_digest_of_itself_and_the_one_before(app, f):
    rows = _three_changes(f)
    assert rows[0].prev_digest is None
    assert [r.prev_digest for r in rows[1:]] == [r.digest for r in rows[:-1]]
    second = rows[1]
    content = chained_content(second.prev_digest, {name: getattr(second, name) for name in CHAIN_FIELDS})
    assert second.digest == hmac.new(app.config["AUDIT_KEY"].encode(), content, hashlib.sha256).hexdigest()
    assert second.digest != hashlib.sha256(content).hexdigest()
    verdict = verify_trail()
    assert verdict.intact and verdict.checked == 3


def test_a_changed_row_is_found(f):
    rows = _three_changes(f)
    second = rows[1]
    if db.engine.dialect.name == "postgresql":
        # The application cannot change a row; only someone who drops the trigger could.
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE audit_events SET action = 'x' WHERE id = :id"), {"id": second.id})
        db.session.rollback()
    _bypassing_the_triggers(update(EVENTS).where(EVENTS.c.id == second.id).values(after=None))
    verdict = verify_trail()
    assert (verdict.problem, verdict.checked, verdict.broken_at) == ("changed", 1, second.id)


def test_a_row_removed_in_the_middle_is_found(f):
    rows = _three_changes(f)
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError):
            db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": rows[1].id})
        db.session.rollback()
    _bypassing_the_triggers(delete(EVENTS).where(EVENTS.c.id == rows[1].id))
    verdict = verify_trail()
    assert (verdict.problem, verdict.checked, verdict.broken_at) == ("changed", 1, rows[2].id)


def test_a_tail_cut_off_after_an_anchor_is_found(f):
    rows = _three_changes(f)
    anchor = record_anchor()
    assert (anchor.row_count, anchor.last_event_id, anchor.head_digest) == (3, rows[2].id, rows[2].digest)
    _bypassing_the_triggers(delete(EVENTS).where(EVENTS.c.id >= rows[1].id))
    verdict = verify_trail()
    assert (verdict.problem, verdict.checked, verdict.anchor["row_count"]) == ("truncated", 1, 3)


@pytest.mark.parametrize("attacker", [
    _plain,
    lambda prev, fields: hmac.new(b"a guessed key", chained_content(prev, fields), hashlib.sha256).hexdigest(),
], ids=["plain-sha256", "wrong-key"])
def test_a_chain_recomputed_without_the_key_is_found(f, attacker):
    rows = _three_changes(f)
    _bypassing_the_triggers(*_rechain(rows, attacker, change=_forge))
    verdict = verify_trail()
    assert (verdict.problem, verdict.checked, verdict.broken_at) == ("changed", 1, rows[1].id)


def test_a_chain_rewritten_with_the_key_still_misses_the_published_anchor(app, runner, client, f, tmp_path):
    rows = _three_changes(f)
    record_anchor()
    published = tmp_path / "anchors.json"
    published.write_text(client.get("/api/v1/audit/anchors").get_data(as_text=True))

    def with_the_key(prev, fields):
        return hmac.new(app.config["AUDIT_KEY"].encode(), chained_content(prev, fields), hashlib.sha256).hexdigest()

    _bypassing_the_triggers(*_rechain(rows, with_the_key, change=_forge))
    verdict = verify_trail()
    assert (verdict.problem, verdict.broken_at) == ("rewritten", rows[2].id)
    # Even with the database's own anchors removed, the copy kept elsewhere shows it.
    _bypassing_the_triggers(delete(AuditAnchor.__table__))
    assert verify_trail().intact
    result = runner.invoke(args=["verify-audit", "--anchors", str(published)])
    assert result.exit_code == 1 and "was rewritten" in result.output


def test_retired_keys_still_verify_the_rows_they_made(app, f, monkeypatch):
    _three_changes(f)
    monkeypatch.setitem(app.config, "AUDIT_KEY", "the-new-audit-key-after-a-rotation-0123456789")
    assert verify_trail().problem == "changed"
    monkeypatch.setitem(app.config, "AUDIT_RETIRED_KEYS", ["testing-wrong-old-key", "dev-only-audit-key"])
    record_audit_only(None, "system.note", "system", None)
    db.session.commit()
    verdict = verify_trail()
    assert verdict.intact and verdict.checked == 4


def test_plain_digests_pass_only_under_the_first_anchor_of_the_upgrade(f):
    rows = _three_changes(f)
    # As before the upgrade: every row with a plain SHA-256 digest.
    _bypassing_the_triggers(*_rechain(rows, _plain, start=0))
    rows = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    assert verify_trail().problem == "changed"
    # The migration's anchor covers the first two rows; the third is after it, where a plain digest is a forgery.
    db.session.add(AuditAnchor(kind="unkeyed", row_count=2, last_event_id=rows[1].id, head_digest=rows[1].digest))
    db.session.commit()
    verdict = verify_trail()
    assert (verdict.problem, verdict.checked, verdict.broken_at) == ("changed", 2, rows[2].id)
    # An "unkeyed" anchor added later cannot widen what plain digests may cover.
    db.session.add(AuditAnchor(kind="unkeyed", row_count=3, last_event_id=rows[2].id, head_digest=rows[2].digest))
    db.session.commit()
    assert verify_trail().broken_at == rows[2].id


def test_anchors_are_append_only(f):
    _three_changes(f)
    anchor = record_anchor()
    anchor.row_count = 1
    with pytest.raises(AppendOnlyViolation):
        db.session.commit()
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError):
            db.session.execute(text("DELETE FROM audit_anchors"))
        db.session.rollback()


def test_an_anchor_is_one_json_line_in_the_log(f, caplog):
    rows = _three_changes(f)
    with caplog.at_level(logging.INFO, logger="marketplace.services.audit"):
        anchor = record_anchor()
    [record] = [r for r in caplog.records if hasattr(r, "audit_anchor")]
    line = JSONFormatter().format(record)
    assert "\n" not in line
    logged = json.loads(line)["audit_anchor"]
    assert logged == {"id": anchor.id, "anchored_at": anchor.anchored_at.isoformat(), "kind": "scheduled",
                      "row_count": 3, "last_event_id": rows[2].id, "head_digest": rows[2].digest}


def test_beat_anchors_the_trail_at_least_daily(f):
    from datetime import timedelta

    from worker.schedule import BEAT_SCHEDULE
    from worker.tasks import anchor_audit_trail

    [entry] = [e for e in BEAT_SCHEDULE.values() if e["task"] == "audit.anchor"]
    assert entry["schedule"].remaining_estimate(entry["schedule"].now()) <= timedelta(days=1)
    _three_changes(f)
    anchor = db.session.get(AuditAnchor, anchor_audit_trail.run())  # the body, in this test's app context
    assert (anchor.kind, anchor.row_count) == ("scheduled", 3)


def test_the_verify_command(runner, f):
    rows = _three_changes(f)
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "3 rows checked" in result.output
    result = runner.invoke(args=["anchor-audit"])
    assert result.exit_code == 0 and json.loads(result.output)["head_digest"] == rows[2].digest
    _bypassing_the_triggers(delete(EVENTS).where(EVENTS.c.id == rows[2].id))
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "was cut: it ends after 2 rows" in result.output


def test_the_verify_command_refuses_a_file_that_is_not_anchors(runner, tmp_path):
    bad = tmp_path / "anchors.json"
    bad.write_text('{"items": [{"row_count": "many"}]}')
    result = runner.invoke(args=["verify-audit", "--anchors", str(bad)])
    assert result.exit_code == 2 and "not a file of audit anchors" in result.output
    with pytest.raises(ValueError):
        parse_anchors("not json")


def test_anchors_are_published_on_a_page_and_in_the_api(client, f):
    rows = _three_changes(f)
    anchor = record_anchor()
    page = client.get("/open-data/audit-anchors?page=abc")
    assert page.status_code == 200
    assert rows[2].digest in page.get_data(as_text=True) and anchor.anchored_at.isoformat() in page.get_data(as_text=True)
    assert b'href="/open-data/audit-anchors"' in client.get("/open-data").data
    [item] = client.get("/api/v1/audit/anchors").json["items"]
    assert (item["row_count"], item["last_event_id"], item["head_digest"]) == (3, rows[2].id, rows[2].digest)
    assert parse_anchors(client.get("/api/v1/audit/anchors").json)[0]["head_digest"] == rows[2].digest
