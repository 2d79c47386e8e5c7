"""Pitches: one per company, the deadline by the database clock, receipts, withdrawal, and the seal."""
import io
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, OutboxEvent, Pitch
from marketplace.services import access
from marketplace.services.evaluation import evaluation
from marketplace.services.pitches import pitches
from marketplace.services.clock import utcnow
from marketplace.services.errors import (Conflict, InvalidTransition, NotAllowed, NotFound, PitchDeadlinePassed,
                                         ValidationFailed, Withheld)

PDF = b"%PDF-1.4\n%%EOF\n"
FIELDS = {"title": "Two-way text reminders", "summary": "Patients answer by text.", "approach": "We send texts.",
          "evidence": "", "trl": "7", "pilot_price": "25000", "pilot_duration_weeks": "10", "team": "Three people."}


@pytest.fixture
def open_challenge(f):
    challenge = f.Challenge()
    company = f.Company()
    return challenge, company, f.member(company, "member"), f.member(company, "owner")


def _refusals():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pitch.access_refused")).all()


def test_draft_then_submit_gives_a_receipt_from_the_database_clock(open_challenge):
    challenge, company, member, _ = open_challenge
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    assert pitch.status == "draft" and pitch.trl == 7 and pitch.pilot_price == 25000
    before = utcnow()
    pitches.submit_pitch(member, pitch.id)
    assert pitch.status == "submitted"
    assert abs((pitch.submitted_at - before).total_seconds()) < 5
    assert pitch.receipt_digest == pitches.receipt_digest(pitch) and len(pitch.receipt_digest) == 64
    assert db.session.scalar(select(OutboxEvent.topic).where(OutboxEvent.topic == "pitch.submitted"))


def test_one_pitch_per_company_whoever_writes_it(open_challenge):
    challenge, company, member, owner = open_challenge
    first = pitches.save_draft(member, challenge.slug, FIELDS)
    second = pitches.save_draft(owner, challenge.slug, dict(FIELDS, title="Owner's edit"))
    assert first.id == second.id
    assert db.session.query(Pitch).count() == 1


def test_a_missing_title_summary_or_approach_stops_submission(open_challenge):
    challenge, _, member, _ = open_challenge
    pitch = pitches.save_draft(member, challenge.slug, dict(FIELDS, approach=""))
    with pytest.raises(ValidationFailed) as refused:
        pitches.submit_pitch(member, pitch.id)
    assert list(refused.value.errors) == ["approach"]
    assert db.session.get(Pitch, pitch.id).status == "draft"


@pytest.mark.parametrize("field,value", [("title", "x" * 201), ("trl", "10"), ("trl", "seven"),
                                         ("pilot_price", "-1"), ("pilot_price", "25.000,50"),
                                         ("pilot_price", "1" * 400), ("pilot_duration_weeks", "0"),
                                         ("approach", "y" * 10001)])
def test_bad_values_are_refused_and_nothing_is_saved(open_challenge, field, value):
    challenge, _, member, _ = open_challenge
    with pytest.raises(ValidationFailed) as refused:
        pitches.save_draft(member, challenge.slug, dict(FIELDS, **{field: value}))
    assert field in refused.value.errors
    assert db.session.query(Pitch).count() == 0


@pytest.mark.parametrize("typed", ["25.000", "25 000", "25,000", "25000"])
def test_a_price_typed_with_thousands_separators_is_read_as_meant(open_challenge, typed):
    challenge, _, member, _ = open_challenge
    pitch = pitches.save_draft(member, challenge.slug, dict(FIELDS, pilot_price=typed))
    assert pitch.pilot_price == 25000


def test_the_deadline_is_enforced_at_the_moment_of_submission(open_challenge):
    challenge, _, member, _ = open_challenge
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    challenge.pitch_deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for attempt in (lambda: pitches.submit_pitch(member, pitch.id),
                    lambda: pitches.save_draft(member, challenge.slug, FIELDS),
                    lambda: pitches.add_attachment(member, pitch.id, stream=io.BytesIO(PDF), filename="a.pdf")):
        with pytest.raises(PitchDeadlinePassed):
            attempt()
    assert db.session.get(Pitch, pitch.id).status == "draft"


def test_edit_after_submission_issues_a_new_receipt_and_withdraw_then_resubmit(open_challenge):
    challenge, _, member, _ = open_challenge
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    first = pitch.receipt_digest
    pitches.save_draft(member, challenge.slug, dict(FIELDS, summary="Better summary."))
    assert pitch.status == "submitted" and pitch.receipt_digest != first
    assert pitches.verify_receipt(pitch)
    pitches.withdraw_pitch(member, pitch.id)
    assert pitch.status == "withdrawn"
    with pytest.raises(InvalidTransition):
        pitches.withdraw_pitch(member, pitch.id)
    pitches.submit_pitch(member, pitch.id)
    assert pitch.status == "submitted"


def test_the_digest_changes_with_any_change_of_content_or_attachments(open_challenge):
    challenge, _, member, _ = open_challenge
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    digest = pitch.receipt_digest
    pitch.team = "Three people!"
    assert pitches.receipt_digest(pitch) != digest and not pitches.verify_receipt(pitch)
    db.session.rollback()
    pitches.add_attachment(member, pitch.id, stream=io.BytesIO(PDF), filename="evidence.pdf")
    assert pitch.receipt_digest not in (None, digest) and pitches.verify_receipt(pitch)


def test_another_company_never_sees_a_pitch_and_the_attempt_is_audited(open_challenge, f):
    challenge, company, member, _ = open_challenge
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    rival = f.member(f.Company(), "owner")
    with pytest.raises(NotFound):
        access.pitch(rival, pitch.id)
    with pytest.raises(NotFound):
        access.pitch(rival, pitch.id + 1000)  # the same answer as for a pitch that does not exist
    refused = _refusals()
    assert len(refused) == 1 and refused[0].actor_id == rival.id and refused[0].object_id == pitch.id
    assert refused[0].challenge_id == challenge.id


def test_the_agency_sees_received_pitches_after_the_deadline_once_declared(open_challenge, f):
    challenge, _, member, _ = open_challenge
    submitted = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, submitted.id)
    other = f.member(f.Company(), "member")
    draft = pitches.save_draft(other, challenge.slug, FIELDS)
    officer = f.member(challenge.agency, "procurement_officer")
    with pytest.raises(NotFound):
        access.pitch(officer, submitted.id)
    assert pitches.pitches_for_agency(officer, challenge) is None
    challenge.pitch_deadline = utcnow() - timedelta(minutes=1)
    challenge.status = "closed"
    db.session.commit()
    # Unsealed, but read by the evaluation's panel: first the evaluation starts, then the officer declares.
    for step in (lambda: None, lambda: evaluation.start_evaluation(officer, challenge.id)):
        step()
        with pytest.raises(Withheld):
            access.pitch(officer, submitted.id)
        assert pitches.pitches_for_agency(officer, challenge) is None
    evaluation.declare_conflict(officer, challenge.id, conflicted=False)
    assert access.pitch(officer, submitted.id).id == submitted.id
    with pytest.raises(NotFound):
        access.pitch(officer, draft.id)  # never submitted: stays with its company
    assert [p.id for p in pitches.pitches_for_agency(officer, challenge)] == [submitted.id]
    assert len(_refusals()) == 4
    with pytest.raises(NotFound):
        pitches.pitches_for_agency(f.member(f.Agency(), "owner"), challenge)


def test_the_agency_cannot_change_a_pitch(open_challenge, f):
    challenge, _, member, _ = open_challenge
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    challenge.pitch_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(NotAllowed):
        pitches.withdraw_pitch(f.member(challenge.agency, "owner"), pitch.id)


def test_agencies_and_strangers_cannot_pitch(open_challenge, f):
    challenge, _, _, _ = open_challenge
    with pytest.raises(NotAllowed):
        pitches.save_draft(f.member(f.Agency(), "owner"), challenge.slug, FIELDS)
    draft = f.Challenge(status="draft")
    with pytest.raises(NotFound):
        pitches.save_draft(f.member(f.Company(), "owner"), draft.slug, FIELDS)


def test_attachments_limits(open_challenge, app):
    challenge, _, member, _ = open_challenge
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    with pytest.raises(ValidationFailed):
        pitches.add_attachment(member, pitch.id, stream=io.BytesIO(b"MZ\x90\x00" * 10), filename="cv.pdf")
    for i in range(pitches.MAX_ATTACHMENTS):
        pitches.add_attachment(member, pitch.id, stream=io.BytesIO(PDF), filename=f"../../{i}.pdf")
    assert all("/" not in a.filename for a in pitch.attachments)
    with pytest.raises(ValidationFailed):
        pitches.add_attachment(member, pitch.id, stream=io.BytesIO(PDF), filename="one-too-many.pdf")
    first = pitch.attachments[0]
    pitches.remove_attachment(member, pitch.id, first.id)
    assert len(db.session.get(Pitch, pitch.id).attachments) == pitches.MAX_ATTACHMENTS - 1


@pytest.mark.postgres
def test_two_members_submitting_at_once_get_one_receipt(open_challenge, app):
    """Each in its own connection, as two web requests would be; the row lock orders them."""
    import threading

    challenge, _, member, owner = open_challenge
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    ids = (member.id, owner.id)
    barrier = threading.Barrier(2)
    digests = []

    def submit(user_id):
        with app.app_context():
            from marketplace.models import User

            user = db.session.get(User, user_id)
            barrier.wait()
            digests.append(pitches.submit_pitch(user, pitch.id).receipt_digest)
            db.session.remove()

    threads = [threading.Thread(target=submit, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(digests) == 2 and digests[0] == digests[1]
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == pitch.id,
                                                                 AuditEvent.object_type == "pitches")).all()
    assert actions.count("pitch.submitted") == 1


def test_a_conflict_when_two_members_start_the_pitch_at_once_is_explained(open_challenge, monkeypatch):
    challenge, _, member, _ = open_challenge
    monkeypatch.setattr(pitches, "own_pitch", lambda user, challenge: None)
    pitches.save_draft(member, challenge.slug, FIELDS)
    with pytest.raises(Conflict):
        pitches.save_draft(member, challenge.slug, FIELDS)


def test_a_step_saves_only_its_own_fields(open_challenge):
    challenge, _, member, _ = open_challenge
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.save_draft(member, challenge.slug, {"title": "New title", "team": "Not in this step"}, step="about")
    assert (pitch.title, pitch.summary, pitch.team) == ("New title", "", "Three people.")
    with pytest.raises(NotFound):
        pitches.save_draft(member, challenge.slug, FIELDS, step="status")


def test_saving_a_submitted_pitch_unchanged_issues_no_new_receipt(open_challenge):
    challenge, _, member, _ = open_challenge
    pitch = pitches.submit_pitch(member, pitches.save_draft(member, challenge.slug, FIELDS).id)
    receipt = (pitch.receipt_digest, pitch.submitted_at)
    events = db.session.query(AuditEvent).count()
    pitches.save_draft(member, challenge.slug, FIELDS, step="pilot")
    assert (pitch.receipt_digest, pitch.submitted_at) == receipt and db.session.query(AuditEvent).count() == events


def test_a_submitted_pitch_cannot_lose_what_submission_needs(open_challenge):
    challenge, _, member, _ = open_challenge
    pitch = pitches.submit_pitch(member, pitches.save_draft(member, challenge.slug, FIELDS).id)
    with pytest.raises(ValidationFailed) as refused:
        pitches.save_draft(member, challenge.slug, {"title": "", "summary": "Kept?"}, step="about")
    assert "title" in refused.value.errors
    db.session.expire_all()
    assert (pitch.title, pitch.summary, pitch.status) == (FIELDS["title"], FIELDS["summary"], "submitted")
    assert pitches.verify_receipt(pitch)


def test_text_from_an_ended_session_is_kept_for_its_writer_until_saved_or_old(open_challenge, f):
    challenge, _, member, colleague = open_challenge
    key = pitches.draft_key(member, challenge)
    writer = pitches.keep_unsaved_step(key, challenge.slug, "about", {"title": "Typed", "status": "submitted"})
    assert writer == member and pitches.own_pitch(member, challenge) is None
    assert pitches.unsaved_step(member, challenge, "about") == {"title": "Typed", "summary": ""}
    assert pitches.unsaved_step(colleague, challenge, "about") is None
    assert pitches.unsaved_step(member, challenge, "pilot") is None
    assert pitches.keep_unsaved_step(key, f.Challenge().slug, "about", {"title": "Elsewhere"}) is None
    assert pitches.keep_unsaved_step(key, challenge.slug, "status", {"title": "Nowhere"}) is None
    with freeze_time(utcnow() + pitches.KEEP_UNSAVED_FOR + timedelta(seconds=1)):
        assert pitches.unsaved_step(member, challenge, "about") is None
    pitches.save_draft(member, challenge.slug, {"title": "Typed", "summary": ""}, step="about")
    assert pitches.unsaved_step(member, challenge, "about") is None


def test_kept_text_is_bounded(open_challenge):
    challenge, _, member, _ = open_challenge
    pitches.keep_unsaved_step(pitches.draft_key(member, challenge), challenge.slug, "about",
                              {"title": "x" * 1_000_000, "summary": "y" * 1_000_000})
    kept = pitches.unsaved_step(member, challenge, "about")
    assert len(kept["title"]) == 2 * pitches.LIMITS["title"] and len(kept["summary"]) == 2 * pitches.LIMITS["summary"]
