"""Clarification questions: asked before the question deadline, answered once for everyone, told to each once."""
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, EmailDelivery, Notification, Question
from marketplace.services.organisations import companies
from marketplace.services.challenges import questions
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from marketplace.services.messaging.outbox import process_pending

HOSTILE = ("<script>alert(1)</script>", "'; DROP TABLE questions; --", "../../etc/passwd")


@pytest.fixture
def world(f, smtp_sink):
    challenge = f.Challenge()
    asker = f.member(f.Company(name="Secret Asker BV"), "member")
    follower = f.member(f.Company(), "owner")
    pitcher = f.member(f.Company(), "owner")
    pitcher_colleague = f.member(pitcher.organisation, "member")
    withdrawn = f.member(f.Company(), "owner")
    companies.follow(follower, challenge.slug)
    companies.follow(pitcher, challenge.slug)  # follows and pitches: still told once
    f.Pitch(challenge=challenge, company=pitcher.organisation, status="submitted")
    f.Pitch(challenge=challenge, company=withdrawn.organisation, status="withdrawn")
    publisher = f.member(challenge.agency, "publisher")
    return {"challenge": challenge, "asker": asker, "follower": follower, "pitcher": pitcher,
                "pitcher_colleague": pitcher_colleague, "withdrawn": withdrawn, "publisher": publisher,
                "owner": f.member(challenge.agency, "owner"), "evaluator": f.member(challenge.agency, "evaluator")}


def _recipients(kind):
    return sorted(n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == kind)))


def test_the_default_question_deadline_leaves_six_days_for_the_answers():
    now = utcnow()
    for days in (7, 12, 30, 90):
        pitch_deadline = now + timedelta(days=days)
        deadline = questions.default_question_deadline(pitch_deadline, now)
        assert now < deadline < pitch_deadline
        if days > 12:  # long enough: questions close 10 days before, the agency has 4 days to answer
            assert pitch_deadline - deadline == timedelta(days=10)
    short = now + timedelta(days=4)
    assert questions.default_question_deadline(short, now) == now + timedelta(days=2)


def test_ask_and_answer_reach_each_person_once_without_the_askers_company(world):
    w = world
    question = questions.ask_question(w["asker"], w["challenge"], "Can the pilot start in spring?")
    assert question.organisation_id == w["asker"].organisation.id  # kept for the agency's record, never shown
    process_pending()
    process_pending()
    assert _recipients("question.asked") == sorted([w["publisher"].id, w["owner"].id])

    questions.answer_question(w["publisher"], question.id, "Yes, from March.")
    process_pending()
    process_pending()  # a handler run twice tells nobody twice
    # everyone concerned (services/challenges/audience.py), the asker and a withdrawn pitch's company included
    assert _recipients("question.answered") == sorted([w["asker"].id, w["follower"].id, w["pitcher"].id,
                                                         w["pitcher_colleague"].id, w["withdrawn"].id])
    emails = db.session.scalars(select(EmailDelivery).where(EmailDelivery.body_text.contains("Yes, from March."))).all()
    assert len(emails) == 5 and all("Secret Asker" not in e.body_text + (e.body_html or "") for e in emails)
    assert [(q.body, q.answer) for q in questions.public_questions(w["challenge"])] == [
        ("Can the pilot start in spring?", "Yes, from March.")]
    assert questions.page_questions(w["publisher"], w["challenge"])[1] == []
    with pytest.raises(InvalidTransition):
        questions.answer_question(w["owner"], question.id, "Again")
    assert db.session.get(Question, question.id).answer == "Yes, from March."
    topics = {a.action for a in db.session.scalars(select(AuditEvent))}
    assert {"question.asked", "question.answered"} <= topics


def test_questions_close_at_the_question_deadline_even_without_beat(world):
    w = world
    deadline = w["challenge"].question_deadline
    with freeze_time(deadline - timedelta(seconds=1)):
        questions.ask_question(w["asker"], w["challenge"].slug, "Just in time?")
    with freeze_time(deadline + timedelta(seconds=1)):
        assert not questions.questions_open(w["challenge"])
        with pytest.raises(InvalidTransition):
            questions.ask_question(w["asker"], w["challenge"].slug, "Too late?")
    assert [q.body for q in db.session.scalars(select(Question))] == ["Just in time?"]


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_no_questions_once_the_challenge_is_no_longer_published(world, status):
    w = world
    w["challenge"].status = status
    db.session.commit()
    with pytest.raises((InvalidTransition, NotFound)):
        questions.ask_question(w["asker"], w["challenge"].slug, "Still there?")
    assert db.session.query(Question).count() == 0


def test_only_company_members_ask_and_never_about_a_draft(world, f):
    w = world
    for not_a_company in (w["publisher"], f.member(f.Agency(), "owner")):
        with pytest.raises(NotAllowed):
            questions.ask_question(not_a_company, w["challenge"].slug, "Agencies do not ask")
    draft = f.Challenge(status="draft")
    with pytest.raises(NotFound):
        questions.ask_question(w["asker"], draft.slug, "Hidden?")
    with pytest.raises(NotFound):
        questions.ask_question(w["asker"], "no-such-challenge", "Anyone?")
    assert db.session.query(Question).count() == 0


@pytest.mark.parametrize("body", ["", "   ", "x" * (questions.MAX_QUESTION + 1), None])
def test_a_blank_or_oversized_question_is_refused(world, body):
    with pytest.raises(ValidationFailed) as exc:
        questions.ask_question(world["asker"], world["challenge"].slug, body)
    assert "body" in exc.value.errors
    assert db.session.query(Question).count() == 0


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_as_text(world, text):
    question = questions.ask_question(world["asker"], world["challenge"].slug, text)
    questions.answer_question(world["publisher"], question, text)
    assert db.session.get(Question, question.id).body == text


def test_only_the_challenges_agency_answers(world, f):
    w = world
    question = questions.ask_question(w["asker"], w["challenge"].slug, "Who answers?")
    for outsider in (f.member(f.Agency(), "publisher"), w["asker"], w["follower"], w["evaluator"]):
        with pytest.raises(NotFound):
            questions.answer_question(outsider, question.id, "Me")
    with pytest.raises(NotFound):
        questions.answer_question(w["publisher"], 999999, "Nothing")
    for answer in ("", "  ", "y" * (questions.MAX_ANSWER + 1)):
        with pytest.raises(ValidationFailed):
            questions.answer_question(w["publisher"], question.id, answer)
    assert db.session.get(Question, question.id).answer is None
    assert questions.page_questions(w["follower"], w["challenge"])[1] == []
    assert [q.id for q in questions.page_questions(w["publisher"], w["challenge"])[1]] == [question.id]
