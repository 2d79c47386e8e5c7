"""Corrections and extensions after publishing: later deadlines only, equal treatment once a pitch arrived, a dated
public notice to everyone concerned, the audit trail and an OCDS tender amendment."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
from freezegun import freeze_time
from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models import AuditEvent, Challenge, ChallengeNotice, EmailDelivery, Match, Notification, Pitch
from marketplace.services.challenges import amendments, deadlines, questions
from marketplace.services.challenges.page import challenge_page
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, NotAllowed, ValidationFailed
from marketplace.services.messaging.outbox import process_pending
from marketplace.services.open_data import ocds
from marketplace.services.organisations import companies
from marketplace.services.pitches import seal
from tests import ocds_schema

PREFIX = "ocds-xxxxxx-agora"


@pytest.fixture
def world(f, smtp_sink):
    challenge = f.Challenge(title="Fewer mised appointments")
    people = {
        "publisher": f.member(challenge.agency, "publisher"), "evaluator": f.member(challenge.agency, "evaluator"),
        "follower": f.member(f.Company(), "owner"), "drafter": f.member(f.Company(), "owner"),
        "matched": f.member(f.Company(), "member"), "invited": f.member(f.Company(), "owner"),
        "withdrawn": f.member(f.Company(), "owner"), "bystander": f.member(f.Company(), "owner"),
    }
    people["drafter_colleague"] = f.member(people["drafter"].organisation, "member")
    companies.follow(people["follower"], challenge.slug)
    companies.follow(people["drafter"], challenge.slug)  # follows and drafts: told once
    f.Pitch(challenge=challenge, company=people["drafter"].organisation, status="draft")
    f.Pitch(challenge=challenge, company=people["withdrawn"].organisation, status="withdrawn")
    db.session.add_all([Match(challenge_id=challenge.id, organisation_id=people["matched"].organisation.id, score=0.5),
                        Match(challenge_id=challenge.id, organisation_id=people["invited"].organisation.id, score=0.4,
                              invited_at=utcnow())])
    db.session.commit()
    return challenge, people


def _recipients(kind):
    return sorted(n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == kind)))


def test_an_extension_and_a_typo_fixed_make_one_dated_notice_for_everyone_concerned_once(world):
    challenge, p = world
    old = challenge.pitch_deadline
    new = old + timedelta(days=7)
    notice = amendments.correct_published_challenge(p["publisher"], challenge.id, {
        "pitch_deadline": new, "title": "Fewer missed appointments",
        "reason": "More time, as two companies asked; and a typo in the title."})
    challenge = db.session.get(Challenge, challenge.id)
    assert (challenge.pitch_deadline, challenge.title, challenge.slug) == (new, "Fewer missed appointments",
                                                                          challenge.slug)
    assert [c["field"] for c in notice.changes] == ["title", "pitch_deadline"]
    with force_locale("en"):
        lines = [str(line) for line in amendments.describe(notice)]
    assert lines[0] == "Title corrected: “Fewer mised appointments” is now “Fewer missed appointments”."
    assert lines[1].startswith("Pitch deadline: extended from ") and str(new.year) in lines[1]
    # The page shows it, dated, to anyone (a visitor too).
    page = challenge_page(None, challenge.slug)
    assert [(n.id, n.reason) for n, _ in page.notices] == [(notice.id, notice.reason)]
    # The audit trail keeps who, what before and after, and why.
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "challenge.corrected")).one()
    assert (audit.actor_id, audit.challenge_id) == (p["publisher"].id, challenge.id)
    assert audit.before["pitch_deadline"] == old.isoformat() and audit.after["pitch_deadline"] == new.isoformat()
    assert audit.after["reason"].startswith("More time")
    process_pending()
    process_pending()  # a handler run twice tells nobody twice
    # A withdrawn pitch may come back before the deadline: that company is told too (audience.people_concerned).
    told = ("follower", "drafter", "drafter_colleague", "matched", "invited", "withdrawn")
    assert _recipients("challenge.corrected") == sorted(p[name].id for name in told)
    emails = db.session.scalars(select(EmailDelivery).where(EmailDelivery.body_text.contains("a typo in the title"))).all()
    assert sorted(e.to_address for e in emails) == sorted(p[name].email for name in told)


def test_the_seal_closing_and_reminder_follow_the_extended_deadline(world):
    challenge, p = world
    old = challenge.pitch_deadline
    with freeze_time(old - timedelta(hours=40)):
        assert deadlines.send_deadline_reminders() == 3  # the follower and both drafters
    amendments.correct_published_challenge(p["publisher"], challenge.id, {
        "pitch_deadline": old + timedelta(days=7), "reason": "More time."})
    challenge = db.session.get(Challenge, challenge.id)
    after_old = old + timedelta(minutes=1)
    assert seal.is_sealed(challenge, now=after_old)
    assert deadlines.close_due_challenges(now=after_old) == 0
    assert db.session.get(Challenge, challenge.id).status == "published"
    with freeze_time(challenge.pitch_deadline - timedelta(hours=40)):
        assert deadlines.send_deadline_reminders() == 3  # reminded again of the new deadline
        assert deadlines.send_deadline_reminders() == 0
    assert deadlines.close_due_challenges(now=challenge.pitch_deadline + timedelta(minutes=1)) == 1


def test_a_deadline_is_never_brought_forward_and_nothing_is_recorded(world):
    challenge, p = world
    old_pitch, old_questions = challenge.pitch_deadline, challenge.question_deadline
    with pytest.raises(ValidationFailed) as refused:
        amendments.correct_published_challenge(p["publisher"], challenge.id, {
            "pitch_deadline": old_pitch - timedelta(days=2), "question_deadline": old_questions - timedelta(days=1),
            "reason": "Sooner, please."})
    assert refused.value.errors == {"pitch_deadline": [amendments.NOT_BROUGHT_FORWARD],
                                    "question_deadline": [amendments.NOT_BROUGHT_FORWARD]}
    db.session.rollback()
    challenge = db.session.get(Challenge, challenge.id)
    assert (challenge.pitch_deadline, challenge.question_deadline) == (old_pitch, old_questions)
    assert db.session.scalars(select(ChallengeNotice)).all() == []
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "challenge.corrected")).all() == []


def test_a_deadline_brought_forward_is_said_with_the_other_problems_not_after_them(world):
    challenge, p = world
    with pytest.raises(ValidationFailed) as refused:
        amendments.correct_published_challenge(p["publisher"], challenge.id, {
            "pitch_deadline": challenge.pitch_deadline - timedelta(days=30), "budget_max": "5",
            "reason": "Sooner and cheaper."})
    errors = refused.value.errors
    assert errors["pitch_deadline"][0] == amendments.NOT_BROUGHT_FORWARD
    assert "budget_max" in errors  # the draft's own checks still speak


NEW_CRITERIA = [{"name": "Fit to the problem", "description": "", "weight": 50},
                {"name": "Price", "description": "", "weight": 50}]


def test_criteria_weights_and_budget_change_until_the_first_pitch_arrives(world, f):
    challenge, p = world  # only a draft and a withdrawn-before-submitting pitch so far
    notice = amendments.correct_published_challenge(p["publisher"], challenge.id, {
        "criteria": NEW_CRITERIA, "budget_max": "40000", "reason": "Price weighs as much as fit."})
    assert {c["field"] for c in notice.changes} == {"criteria", "budget_max"}
    assert [(c.name, c.weight) for c in db.session.get(Challenge, challenge.id).criteria] == [
        ("Fit to the problem", 50), ("Price", 50)]

    f.Pitch(challenge=challenge, company=f.Company(), status="submitted", submitted_at=utcnow())
    with pytest.raises(ValidationFailed) as refused:
        amendments.correct_published_challenge(p["publisher"], challenge.id, {
            "criteria": [{**NEW_CRITERIA[0], "weight": 70}, {**NEW_CRITERIA[1], "weight": 30}],
            "budget_min": "5000", "title": "Fewer missed appointments", "reason": "Fit matters more after all."})
    assert refused.value.errors == {"criteria": [amendments.UNEQUAL], "budget_min": [amendments.UNEQUAL]}
    assert "treat the companies unequally" in str(amendments.UNEQUAL)
    db.session.rollback()
    assert len(db.session.scalars(select(ChallengeNotice)).all()) == 1
    # The text may still be corrected.
    amendments.correct_published_challenge(p["publisher"], challenge.id, {
        "title": "Fewer missed appointments", "reason": "Typo."})


@pytest.mark.postgres
def test_a_criteria_change_waits_for_a_submission_under_way_and_is_then_refused(world, app):
    """The submission, in its own connection as another web request, has not committed when the change begins."""
    import threading

    challenge, p = world
    draft = db.session.scalar(select(Pitch.id).where(Pitch.company_id == p["drafter"].organisation.id))
    updated, release = threading.Event(), threading.Event()

    def submitting():
        with app.app_context():
            db.session.execute(update(Pitch).where(Pitch.id == draft).values(status="submitted",
                                                                             submitted_at=utcnow()))
            updated.set()
            release.wait(10)
            db.session.commit()
            db.session.remove()

    submission = threading.Thread(target=submitting)
    submission.start()
    assert updated.wait(10)
    threading.Timer(1.0, release.set).start()  # commits after a while, whether or not the change waits for it
    with pytest.raises(ValidationFailed) as refused:
        amendments.correct_published_challenge(p["publisher"], challenge.id, {
            "criteria": NEW_CRITERIA, "reason": "Price weighs as much as fit."})
    submission.join(10)
    assert refused.value.errors == {"criteria": [amendments.UNEQUAL]}


def test_who_and_when_a_challenge_can_be_corrected(world, f):
    challenge, p = world
    change = {"title": "Fewer missed appointments", "reason": "Typo."}
    for person in (p["evaluator"], p["follower"], f.member(f.Agency(), "publisher")):
        with pytest.raises(NotAllowed):
            amendments.correct_published_challenge(person, challenge.id, change)
    with pytest.raises(ValidationFailed) as refused:
        amendments.correct_published_challenge(p["publisher"], challenge.id, {"title": "", "reason": ""})
    assert set(refused.value.errors) == {"title", "reason"}
    with pytest.raises(ValidationFailed) as refused:
        amendments.correct_published_challenge(p["publisher"], challenge.id,
                                               {"title": challenge.title, "reason": "Nothing."})
    assert refused.value.errors == {"": [amendments.NOTHING_CHANGED]}
    past = utcnow() - timedelta(minutes=1)
    late = f.Challenge(agency=challenge.agency, pitch_deadline=past, question_deadline=past - timedelta(days=1))
    closed = f.Challenge(agency=challenge.agency, status="closed", pitch_deadline=past,
                         question_deadline=past - timedelta(days=1), closed_at=past)
    draft = f.Challenge(agency=challenge.agency, status="draft", published_at=None)
    for other in (late, closed, draft):  # past the deadline, even before beat closed it: the seal is broken
        with pytest.raises(InvalidTransition):
            amendments.correct_published_challenge(p["publisher"], other.id, change)


def test_answers_reach_the_same_companies_concerned(world):
    challenge, p = world
    question = questions.ask_question(p["bystander"], challenge, "Is Dutch required?")
    questions.answer_question(p["publisher"], question.id, "No.")
    process_pending()
    process_pending()
    # The asker is told too (audience.ASKED), and the company whose withdrawn pitch may come back.
    told = ("follower", "drafter", "drafter_colleague", "matched", "invited", "withdrawn", "bystander")
    assert _recipients("question.answered") == sorted(p[name].id for name in told)


def test_the_ocds_release_of_a_correction_is_a_tender_amendment_that_validates(world):
    challenge, p = world
    old = challenge.pitch_deadline
    notice = amendments.correct_published_challenge(p["publisher"], challenge.id, {
        "pitch_deadline": old + timedelta(days=7), "title": "Fewer missed appointments",
        "criteria": NEW_CRITERIA, "reason": "More time; a typo."})
    package = ocds.release_package(ocds.ReleaseQuery(per_page=100), package_uri="http://localhost/x").package
    assert ocds_schema.schema_errors(package) == []
    assert [e for r in package["releases"] for e in ocds_schema.codelist_errors(r)] == []
    ocid = f"{PREFIX}-{challenge.id}"
    published, amended = [r for r in package["releases"] if r["ocid"] == ocid]
    assert (published["tag"], amended["tag"]) == (["tender"], ["tenderAmendment"])
    # The first release stays as it was published; the amendment's release shows the corrected challenge.
    assert published["tender"]["title"] == "Fewer mised appointments" and "amendments" not in published["tender"]
    assert published["tender"]["tenderPeriod"]["endDate"] == ocds._when(old)
    assert "Price (40 %)" in published["tender"]["awardCriteriaDetails"]
    assert amended["tender"]["title"] == "Fewer missed appointments"
    assert amended["tender"]["tenderPeriod"]["endDate"] == ocds._when(old + timedelta(days=7))
    assert amended["tender"]["amendments"] == [{
        "id": f"amendment-{notice.id}", "date": ocds._when(notice.created_at), "rationale": "More time; a typo.",
        "description": f"Title corrected. Tender period end extended from {ocds._when(old)} to "
                       f"{ocds._when(old + timedelta(days=7))}. Award criteria changed to: Fit to the problem "
                       "(50 %); Price (50 %).",
        "amendsReleaseID": published["id"], "releaseID": amended["id"]}]
