"""Challenges for you: the open challenges matching a company, best first, and telling it of them once."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import EmailDelivery, Match, Notification, OutboxEvent
from marketplace.services.accounts import accounts
from marketplace.services.clock import utcnow
from marketplace.services.errors import NotAllowed
from marketplace.services.matching import for_you, matching
from marketplace.services.messaging import outbox
from marketplace.services.organisations import companies

HOSPITAL = dict(title="Fewer missed hospital appointments", summary="Patients miss outpatient appointments.",
                problem_statement="Reminders by letter arrive late.", desired_outcomes="Fewer empty slots.")
WATER = dict(title="Find leaking water pipes early", summary="Old pipes leak.",
             problem_statement="Leaks in water pipes waste water.", desired_outcomes="Fewer leaks.")


@pytest.fixture
def challenges(f):
    hospital = f.Challenge(**HOSPITAL, pitch_deadline=utcnow() + timedelta(days=20))
    f.set_sectors(hospital, ["85"])
    water = f.Challenge(**WATER)
    f.set_sectors(water, ["65"])
    return hospital, water


def _texts(reasons):
    with force_locale("en"):
        return [str(r) for r in reasons]


def test_open_matching_challenges_come_best_first_with_reasons_and_deadline(f, challenges):
    hospital, water = challenges
    company = f.Company(capability_statement="Appointment reminders for outpatient clinics.", keywords="sms")
    f.set_sectors(company, ["85", "65"])
    # Not open: closed, past its deadline, a draft, cancelled.
    for status, deadline in (("closed", -1), ("published", -1), ("draft", 10), ("cancelled", 10)):
        other = f.Challenge(**HOSPITAL, status=status, pitch_deadline=utcnow() + timedelta(days=deadline))
        f.set_sectors(other, ["85"])

    found = for_you.challenges_for(company)

    assert [c.challenge.id for c in found] == [hospital.id, water.id]  # sector and words before sector alone
    assert found[0].score > found[1].score >= matching.threshold()
    assert found[0].deadline == hospital.pitch_deadline
    reasons = _texts(found[0].reasons)
    assert "Works in sector 85 – Health and social work services" in reasons
    assert any(r.startswith("Keywords in common: ") and "outpatient" in r for r in reasons)
    # The same score and reasons as the challenge page's (matching.score_company).
    single = matching.score_company(hospital, company)
    assert (single.score, single.terms, single.sectors) == (found[0].score, found[0].result.terms,
                                                            found[0].result.sectors)


def test_a_company_sharing_nothing_gets_nothing(f, challenges):
    company = f.Company(capability_statement="Bakery ovens.", keywords="bread")
    f.set_sectors(company, ["15"])
    assert for_you.challenges_for(company) == []


class _Statements:
    def __enter__(self):
        self.count = 0
        sa_event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, *args):
        self.count += 1

    def __exit__(self, *exc):
        sa_event.remove(db.engine, "before_cursor_execute", self._seen)


def test_the_list_costs_the_same_few_statements_however_many_companies_and_challenges(f, challenges):
    company = f.Company(capability_statement="Appointment reminders.")
    f.set_sectors(company, ["85"])
    db.session.expire_all()
    counts = []
    for extra in (0, 6):
        for n in range(extra):
            f.set_sectors(f.Company(capability_statement=f"Reminders for clinics {n}."), ["85"])
            f.set_sectors(f.Challenge(**HOSPITAL), ["85"])
        db.session.expire_all()
        company = db.session.get(type(company), company.id)
        with _Statements() as statements:
            found = for_you.challenges_for(company)
        counts.append(statements.count)
        assert len(found) == 1 + extra
    assert counts[0] == counts[1] <= 6


def test_only_company_members_see_the_list(f, challenges):
    assert for_you.challenges_for_user(f.member(f.Company(), "member")) is not None
    with pytest.raises(NotAllowed):
        for_you.challenges_for_user(f.member(f.Agency(), "owner"))


# --- telling ---------------------------------------------------------------------------------------

def _run_outbox():
    for event_id in db.session.scalars(select(OutboxEvent.id).where(OutboxEvent.processed_at.is_(None))
                                       .order_by(OutboxEvent.id)).all():
        outbox.process_event(event_id)


def _emails(user):
    """The 'challenges for you' emails queued for the person."""
    return db.session.scalars(select(EmailDelivery).where(EmailDelivery.dedupe_key.startswith("email:foryou:"),
                                                          EmailDelivery.user_id == user.id)).all()


def test_a_profile_change_tells_of_open_matches_in_one_email_once(f, challenges):
    hospital, water = challenges
    company = f.Company(capability_statement="", keywords="")
    owner, colleague = f.member(company, "owner"), f.member(company, "member")
    data = {"name": company.name, "capability_statement": "Appointment reminders for outpatient clinics.",
            "keywords": "", "sectors": ["85", "65"]}
    companies.update_profile(owner, data)
    _run_outbox()

    for user in (owner, colleague):
        [email] = _emails(user)
        assert email.body_text.index(hospital.title) < email.body_text.index(water.title)  # best first
        assert "Works in sector 85" in email.body_text and "/challenges/" + hospital.slug in email.body_text
        [note] = db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
        assert note.title == f"2 open challenges match {company.name}" and note.link == "/for-you"
    assert set(db.session.scalars(select(Match.challenge_id).where(Match.organisation_id == company.id))) == {
        hospital.id, water.id}

    # Saving the profile again tells nothing new: both were told.
    companies.update_profile(owner, {**data, "keywords": "sms"})
    _run_outbox()
    assert len(_emails(owner)) == 1

    # A new challenge published later is told by publication, and a later profile change does not repeat it.
    later = f.Challenge(**HOSPITAL)
    f.set_sectors(later, ["85"])
    db.session.add(Match(challenge_id=later.id, organisation_id=company.id, score=60, reasons=[]))
    db.session.commit()
    companies.update_profile(owner, {**data, "keywords": "text messages"})
    _run_outbox()
    assert len(_emails(owner)) == 1


def test_the_publication_and_the_profile_change_tell_a_challenge_once_between_them(f, challenges):
    hospital, water = challenges
    company = f.Company(capability_statement="Outpatient appointment reminders.")
    f.set_sectors(company, ["85"])
    owner = f.member(company, "owner")
    db.session.add(Match(challenge_id=hospital.id, organisation_id=company.id, score=70, reasons=[]))
    db.session.commit()  # told at publication
    assert for_you.tell_company(company, dedupe="test") == []
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == owner.id)) == 0


def test_a_company_registering_while_challenges_are_open_is_told(app, f, challenges):
    hospital, _water = challenges
    user = accounts.register(kind="company", organisation_name="Remind Ltd", name="Ann", email="ann@remind.example",
                             password="a long and unusual passphrase 42", company_size="small")
    _run_outbox()
    assert _emails(user) == []  # an empty profile matches nothing yet
    companies.update_profile(user, {"name": "Remind Ltd", "capability_statement": "Outpatient appointment reminders.",
                                    "sectors": ["85"]})
    _run_outbox()
    [email] = _emails(user)
    assert hospital.title in email.body_text


def test_a_new_showcased_solution_can_bring_a_match(f, challenges):
    hospital, _water = challenges
    company = f.Company(capability_statement="Logistics.", keywords="")
    f.set_sectors(company, ["85"])
    owner = f.member(company, "owner")
    companies.add_solution(owner, title="Outpatient appointment reminders", description="Missed appointments, SMS.")
    _run_outbox()
    [email] = _emails(owner)
    assert hospital.title in email.body_text


def test_an_edited_showcased_solution_can_bring_a_match(f, challenges):
    hospital, _water = challenges
    company = f.Company(capability_statement="Logistics.", keywords="")
    owner = f.member(company, "owner")
    solution = companies.add_solution(owner, title="Route planner", description="Delivery rounds.")
    _run_outbox()
    assert _emails(owner) == []
    f.set_sectors(company, ["85"])  # no event: nothing told until the solution changes
    companies.update_solution(owner, solution.id, title="Outpatient appointment reminders",
                              description="Missed appointments, SMS.")
    _run_outbox()
    [email] = _emails(owner)
    assert hospital.title in email.body_text


def test_a_challenge_published_after_the_profile_change_is_told_by_its_publication_only(f):
    from marketplace.services.challenges.challenges import publish_challenge

    company = f.Company(capability_statement="", keywords="")
    owner = f.member(company, "owner")
    agency = f.Agency()
    draft = f.Challenge(agency=agency, status="draft", published_at=None, **HOSPITAL)
    f.set_sectors(draft, ["85"])
    companies.update_profile(owner, {"name": company.name, "capability_statement": "Outpatient appointment reminders.",
                                     "sectors": ["85"]})
    publish_challenge(f.member(agency, "publisher"), draft.slug)
    _run_outbox()  # the profile change first, as a worker that was behind would

    notes = db.session.scalars(select(Notification).where(Notification.user_id == owner.id)).all()
    assert [n.dedupe_key for n in notes] == [f"match:{draft.id}:{owner.id}"]


def test_a_company_told_on_a_profile_change_is_not_told_again_by_the_publication(f, challenges):
    hospital, _water = challenges
    company = f.Company(capability_statement="Outpatient appointment reminders.")
    f.set_sectors(company, ["85"])
    owner = f.member(company, "owner")
    assert for_you.tell_company(company, dedupe="profile") == [hospital]
    db.session.commit()
    event = OutboxEvent(topic="challenge.published", payload={"challenge_id": hospital.id})
    db.session.add(event)
    db.session.commit()
    matching.notify_matching_companies(event)
    db.session.commit()
    assert db.session.scalars(select(Notification.dedupe_key).where(Notification.user_id == owner.id)).all() == [
        f"profile:{owner.id}"]
