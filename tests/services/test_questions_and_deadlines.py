"""Questions before the question deadline, answers to everyone concerned, and beat's deadline work, each once."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Challenge, EmailDelivery, Notification, Question
from marketplace.services import companies, deadlines, pitches, questions
from marketplace.services.challenges import default_question_deadline
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from marketplace.services.outbox import process_pending


@pytest.fixture
def world(f, smtp_sink):
    challenge = f.Challenge()
    asker = f.member(f.Company(name="Secret Asker BV"), "member")
    follower = f.member(f.Company(), "owner")
    pitcher = f.member(f.Company(), "owner")
    withdrawn = f.member(f.Company(), "owner")
    companies.follow(follower, challenge.slug)
    f.Pitch(challenge=challenge, company=pitcher.organisation, status="draft")
    f.Pitch(challenge=challenge, company=withdrawn.organisation, status="withdrawn")
    publisher = f.member(challenge.agency, "publisher")
    return challenge, asker, follower, pitcher, withdrawn, publisher


def _recipients(kind):
    return sorted(n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == kind)))


def test_default_question_deadline_leaves_six_days_for_answers():
    now = utcnow()
    long_one = now + timedelta(days=30)
    assert long_one - default_question_deadline(long_one, now) >= timedelta(days=6)
    short_one = now + timedelta(days=4)
    assert now < default_question_deadline(short_one, now) < short_one


def test_ask_and_answer_reach_followers_and_pitchers_once_without_the_askers_name(world):
    challenge, asker, follower, pitcher, withdrawn, publisher = world
    question = questions.ask_question(asker, challenge.slug, "Can the pilot start in spring?")
    process_pending()
    assert _recipients("question.asked") == [publisher.id]
    questions.answer_question(publisher, question.id, "Yes, from March.")
    process_pending()
    process_pending()
    assert _recipients("question.answered") == sorted([follower.id, pitcher.id])
    public = questions.public_questions(challenge)
    assert [(q.body, q.answer) for q in public] == [("Can the pilot start in spring?", "Yes, from March.")]
    with pytest.raises(InvalidTransition):
        questions.answer_question(publisher, question.id, "Again")


def test_questions_close_at_the_question_deadline(world):
    challenge, asker, *_ = world
    challenge.question_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        questions.ask_question(asker, challenge.slug, "Too late?")
    assert db.session.query(Question).count() == 0


def test_who_may_ask_and_answer(world, f):
    challenge, asker, follower, pitcher, withdrawn, publisher = world
    with pytest.raises(NotAllowed):
        questions.ask_question(publisher, challenge.slug, "Agencies do not ask")
    with pytest.raises(ValidationFailed):
        questions.ask_question(asker, challenge.slug, "   ")
    with pytest.raises(ValidationFailed):
        questions.ask_question(asker, challenge.slug, "x" * 2001)
    question = questions.ask_question(asker, challenge.slug, "<script>alert(1)</script>")
    for outsider in (f.member(f.Agency(), "publisher"), asker, f.member(challenge.agency, "evaluator")):
        with pytest.raises(NotFound):
            questions.answer_question(outsider, question.id, "No")


def test_closing_twice_or_late_tells_the_publisher_once(world):
    challenge, asker, follower, pitcher, withdrawn, publisher = world
    pitch = pitches.save_draft(pitcher, challenge.slug, {"title": "T", "summary": "S", "approach": "A"})
    pitches.submit_pitch(pitcher, pitch.id)
    challenge.pitch_deadline = utcnow() - timedelta(hours=3)  # beat was down for hours
    db.session.commit()
    assert deadlines.close_due_challenges() == 1
    assert deadlines.close_due_challenges() == 0
    process_pending()
    process_pending()
    assert db.session.get(Challenge, challenge.id).status == "closed"
    notes = db.session.scalars(select(Notification).where(Notification.kind == "challenge.closed")).all()
    assert [n.user_id for n in notes] == [publisher.id] and "1 pitches arrived" in notes[0].title


def test_the_48_hour_reminder_once_each_not_for_withdrawn(world):
    challenge, asker, follower, pitcher, withdrawn, publisher = world
    challenge.pitch_deadline = utcnow() + timedelta(hours=40)
    db.session.commit()
    assert deadlines.send_deadline_reminders() == 2
    assert deadlines.send_deadline_reminders() == 0
    assert _recipients("challenge.deadline_soon") == sorted([follower.id, pitcher.id])
    assert db.session.query(EmailDelivery).count() == 2


def test_no_reminder_when_the_deadline_is_far(world):
    assert deadlines.send_deadline_reminders() == 0
