"""Who is concerned by a challenge, and the answer to a question reaching each of them once, by email too."""
from collections import Counter

import pytest
from sqlalchemy import event, select

from marketplace.extensions import db
from marketplace.models import EmailDelivery, Match, Notification
from marketplace.services.challenges import audience, questions
from marketplace.services.clock import utcnow
from marketplace.services.messaging.outbox import process_pending
from marketplace.services.organisations import companies


@pytest.fixture
def world(f):
    challenge = f.Challenge()
    other = f.Challenge(agency=challenge.agency)
    people = {}
    for kind in ("asker", "follower", "drafter", "submitter", "withdrawn", "invited", "matched", "bystander",
                 "suspended_company", "elsewhere"):
        people[kind] = f.member(f.Company(name=f"{kind} BV"), "owner")
    people["asker_colleague"] = f.member(people["asker"].organisation, "member")
    people["suspended_person"] = f.member(people["follower"].organisation, "member", is_suspended=True)
    companies.follow(people["follower"], challenge.slug)
    companies.follow(people["submitter"], challenge.slug)  # follows and pitches: one reason more, told once
    f.Pitch(challenge=challenge, company=people["drafter"].organisation, status="draft")
    f.Pitch(challenge=challenge, company=people["submitter"].organisation, status="submitted")
    f.Pitch(challenge=challenge, company=people["withdrawn"].organisation, status="withdrawn")
    db.session.add_all([
        Match(challenge_id=challenge.id, organisation_id=people["invited"].organisation.id, score=0.2,
              reasons=[], invited_at=utcnow()),
        Match(challenge_id=challenge.id, organisation_id=people["matched"].organisation.id, score=0.5, reasons=[]),
    ])
    suspended = people["suspended_company"].organisation
    suspended.suspended = True
    companies.follow(people["elsewhere"], other.slug)  # another challenge's follower, pitcher and match
    f.Pitch(challenge=other, company=people["bystander"].organisation, status="submitted")
    db.session.add(Match(challenge_id=other.id, organisation_id=people["bystander"].organisation.id, score=0.9,
                         reasons=[], invited_at=utcnow()))
    db.session.add(Match(challenge_id=challenge.id, organisation_id=suspended.id, score=0.9, reasons=[]))
    db.session.commit()
    people["publisher"] = f.member(challenge.agency, "publisher")
    return challenge, people


def test_each_kind_of_company_is_concerned_and_no_other(world):
    challenge, p = world
    questions.ask_question(p["asker"], challenge, "When does the pilot start?")
    org = {name: user.organisation.id for name, user in p.items()}
    assert audience.companies_concerned(challenge) == {
        org["asker"]: {audience.ASKED}, org["follower"]: {audience.FOLLOWING}, org["drafter"]: {audience.PITCHING},
        org["submitter"]: {audience.FOLLOWING, audience.PITCHING}, org["withdrawn"]: {audience.PITCHING},
        org["invited"]: {audience.INVITED}, org["matched"]: {audience.MATCHED},
    }


def test_people_concerned_are_listed_once_in_one_statement(world):
    challenge, p = world
    questions.ask_question(p["asker"], challenge, "When does the pilot start?")
    db.session.refresh(challenge)  # loaded before counting: only the audience's own statements count
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        people = audience.people_concerned(challenge)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1
    expected = ("asker", "asker_colleague", "follower", "drafter", "submitter", "withdrawn", "invited", "matched")
    assert sorted(u.id for u in people) == sorted(p[name].id for name in expected)


def test_an_answer_reaches_everyone_concerned_once_by_email(world, smtp_sink):
    challenge, p = world
    question = questions.ask_question(p["asker"], challenge, "May the pilot start in spring?")
    process_pending()
    questions.answer_question(p["publisher"], question.id, "Yes, from March.")
    process_pending()
    process_pending()  # a handler run twice tells nobody twice
    expected = ("asker", "asker_colleague", "follower", "drafter", "submitter", "withdrawn", "invited", "matched")
    told = Counter(db.session.scalars(select(Notification.user_id).where(Notification.kind == "question.answered")))
    assert told == Counter({p[name].id: 1 for name in expected})
    queued = Counter(db.session.scalars(select(EmailDelivery.to_address)
                                        .where(EmailDelivery.body_text.contains("Yes, from March."))))
    assert queued == Counter({p[name].email: 1 for name in expected})
    received = Counter(m["To"] for m in smtp_sink.messages if "Yes, from March." in m.get_body(("plain",)).get_content())
    assert received == Counter({p[name].email: 1 for name in expected})
