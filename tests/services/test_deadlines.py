"""Beat's time-based work: closing at the pitch deadline and the 48-hour reminder, once each however beat runs."""
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Challenge, EmailDelivery, Notification
from marketplace.services.organisations import companies
from marketplace.services.challenges import deadlines
from marketplace.services import permissions
from marketplace.services.pitches import seal
from marketplace.services.clock import utcnow
from marketplace.services.messaging.outbox import process_pending
from worker import tasks
from worker.schedule import BEAT_SCHEDULE


@pytest.fixture
def world(f, smtp_sink):
    challenge = f.Challenge()
    follower = f.member(f.Company(), "owner")
    drafter = f.member(f.Company(), "owner")
    drafter_colleague = f.member(drafter.organisation, "member")
    submitter = f.member(f.Company(), "owner")
    withdrawn = f.member(f.Company(), "owner")
    companies.follow(follower, challenge.slug)
    companies.follow(withdrawn, challenge.slug)  # followed, then withdrew its pitch: nothing left to remind
    companies.follow(submitter, challenge.slug)  # followed and submitted: nothing left to remind
    f.Pitch(challenge=challenge, company=drafter.organisation, status="draft")
    submitted = f.Pitch(challenge=challenge, company=submitter.organisation, status="submitted")
    f.Pitch(challenge=challenge, company=withdrawn.organisation, status="withdrawn")
    return {"challenge": challenge, "follower": follower, "drafter": drafter, "drafter_colleague": drafter_colleague,
                "submitter": submitter, "withdrawn": withdrawn, "submitted": submitted, "sink": smtp_sink,
                "publisher": f.member(challenge.agency, "publisher"),
                "evaluator": f.member(challenge.agency, "evaluator")}


def _notes(kind):
    return db.session.scalars(select(Notification).where(Notification.kind == kind)).all()


def test_beat_runs_both_tasks_by_the_names_the_worker_registers():
    names = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {"challenges.close_due", "challenges.deadline_reminders"} <= names
    assert tasks.close_due_challenges.name == "challenges.close_due"
    assert tasks.send_deadline_reminders.name == "challenges.deadline_reminders"


def test_closing_late_and_twice_tells_the_publisher_once_with_the_count(world):
    w = world
    w["challenge"].pitch_deadline = utcnow() - timedelta(hours=3)  # beat was down for hours
    db.session.commit()
    assert tasks.close_due_challenges.run() == 1
    assert tasks.close_due_challenges.run() == 0
    process_pending()
    process_pending()
    challenge = db.session.get(Challenge, w["challenge"].id)
    assert challenge.status == "closed" and challenge.closed_at is not None
    notes = _notes("challenge.closed")
    assert [n.user_id for n in notes] == [w["publisher"].id]  # the evaluator does not publish
    assert "1 pitch arrived" in notes[0].title  # the draft and the withdrawn pitch did not arrive
    deliveries = db.session.scalars(select(EmailDelivery)).all()
    assert len(deliveries) == 1 and deliveries[0].to_address == w["publisher"].email
    assert [m["To"] for m in w["sink"].messages] == [w["publisher"].email]


def test_a_challenge_before_its_deadline_stays_open_and_sealed(world):
    w = world
    assert deadlines.close_due_challenges() == 0
    assert db.session.get(Challenge, w["challenge"].id).status == "published"
    assert not permissions.can(w["publisher"], "pitch.read", w["submitted"])


def test_at_the_deadline_the_seal_breaks_and_the_evaluation_opens_the_pitches(world, f):
    w = world
    w["challenge"].pitch_deadline = utcnow() - timedelta(minutes=1)  # the seal reads the database clock
    db.session.commit()
    assert deadlines.close_due_challenges() == 1
    assert not seal.is_sealed(w["challenge"])
    # Unsealed, but a call for solutions is read by its evaluation panel: nobody before the evaluation starts.
    assert permissions.agency_pitch_standing(w["evaluator"], w["challenge"]) == permissions.AWAITING_EVALUATION
    assert permissions.agency_pitch_standing(w["publisher"], w["challenge"]) == permissions.OFF_PANEL
    for who in (w["publisher"], w["evaluator"], f.member(f.Agency(), "owner"), w["follower"]):
        assert not permissions.can(who, "pitch.read", w["submitted"])
    assert permissions.can(w["submitter"], "pitch.read", w["submitted"])


def test_cancelled_and_draft_challenges_are_not_closed(f):
    past = utcnow() - timedelta(days=1)
    f.Challenge(status="cancelled", pitch_deadline=past, question_deadline=past - timedelta(days=1))
    f.Challenge(status="draft", pitch_deadline=past, question_deadline=past - timedelta(days=1))
    assert deadlines.close_due_challenges() == 0


def test_the_48_hour_reminder_once_each_and_not_for_finished_or_withdrawn_pitches(world):
    w = world
    w["challenge"].pitch_deadline = utcnow() + timedelta(hours=40)
    db.session.commit()
    assert tasks.send_deadline_reminders.run() == 3
    assert tasks.send_deadline_reminders.run() == 0  # beat ran twice
    with freeze_time(utcnow() + timedelta(hours=30)):  # and late, still before the deadline
        assert deadlines.send_deadline_reminders() == 0
    expected = sorted([w["follower"].id, w["drafter"].id, w["drafter_colleague"].id])
    assert sorted(n.user_id for n in _notes("challenge.deadline_soon")) == expected
    process_pending()
    process_pending()
    assert db.session.query(EmailDelivery).count() == 3
    assert sorted(m["To"] for m in w["sink"].messages) == sorted(
        [w["follower"].email, w["drafter"].email, w["drafter_colleague"].email])


def test_the_reminder_waits_until_48_hours_before_and_stops_at_the_deadline(world):
    w = world
    assert deadlines.send_deadline_reminders() == 0  # 30 days away
    with freeze_time(w["challenge"].pitch_deadline - timedelta(hours=49)):
        assert deadlines.send_deadline_reminders() == 0
    with freeze_time(w["challenge"].pitch_deadline + timedelta(minutes=1)):
        assert deadlines.send_deadline_reminders() == 0
    assert _notes("challenge.deadline_soon") == []


@pytest.mark.parametrize("status", ["cancelled", "closed", "draft"])
def test_no_reminder_for_a_challenge_that_takes_no_pitches(world, status):
    """Only a challenge open for pitches (lifecycle.taking_pitches_condition) has a deadline to remind of."""
    w = world
    w["challenge"].pitch_deadline, w["challenge"].status = utcnow() + timedelta(hours=40), status
    db.session.commit()
    assert deadlines.send_deadline_reminders() == 0 and _notes("challenge.deadline_soon") == []
