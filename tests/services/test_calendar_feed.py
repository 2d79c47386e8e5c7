"""The private calendar feed: the deadlines of followed and pitched-for challenges, behind a token of one's own."""
from datetime import timedelta

import icalendar
import pytest

from marketplace.models import Follow
from marketplace.extensions import db
from marketplace.services.challenges import calendar_feed
from marketplace.services.clock import utcnow
from marketplace.services.errors import NotFound


def _events(ics):
    return {str(e["uid"]): e for e in icalendar.Calendar.from_ical(ics).walk("VEVENT")}


def test_the_feed_lists_the_deadlines_of_followed_and_pitched_for_challenges(f):
    company = f.Company()
    person = f.member(company, "member")
    followed = f.Challenge(title="Leaking pipes")
    pitched = f.Challenge(title="Missed appointments", question_deadline=None)
    f.Pitch(challenge=pitched, company=company)
    withdrawn = f.Challenge(title="Withdrawn from")
    f.Pitch(challenge=withdrawn, company=company, status="withdrawn")
    cancelled = f.Challenge(title="Cancelled", status="cancelled", cancelled_at=utcnow())
    f.Challenge(title="Someone else's")
    for challenge in (followed, cancelled):
        db.session.add(Follow(organisation_id=company.id, challenge_id=challenge.id))
    db.session.commit()

    token = calendar_feed.renew_token(person)
    events = _events(calendar_feed.feed(token))

    assert set(events) == {f"question-deadline-{followed.id}@agora", f"pitch-deadline-{followed.id}@agora",
                           f"pitch-deadline-{pitched.id}@agora"}
    pitch_deadline = events[f"pitch-deadline-{followed.id}@agora"]
    assert str(pitch_deadline["summary"]) == "Pitch deadline: Leaking pipes"
    assert pitch_deadline.decoded("dtstart") == followed.pitch_deadline.replace(microsecond=0)
    assert str(pitch_deadline["url"]).endswith(f"/challenges/{followed.slug}")
    assert str(events[f"question-deadline-{followed.id}@agora"]["summary"]) == "Questions close: Leaking pipes"


def test_an_agency_member_sees_the_agencys_challenges(f):
    agency = f.Agency()
    person = f.member(agency, "evaluator")
    own = f.Challenge(agency=agency, question_deadline=None)
    f.Challenge(agency=agency, status="draft", published_at=None)
    f.Challenge()
    assert set(_events(calendar_feed.feed(calendar_feed.renew_token(person)))) == {f"pitch-deadline-{own.id}@agora"}


def test_a_new_address_or_turning_it_off_closes_the_old_one(f):
    person = f.member(f.Company(), "owner")
    first = calendar_feed.renew_token(person)
    assert len(first) >= 40
    second = calendar_feed.renew_token(person)
    assert second != first
    calendar_feed.feed(second)
    for token in (first, "", "x" * 200):
        with pytest.raises(NotFound):
            calendar_feed.feed(token)
    calendar_feed.turn_off(person)
    with pytest.raises(NotFound):
        calendar_feed.feed(second)


def test_a_suspended_person_has_no_feed(f):
    person = f.member(f.Company(), "owner")
    token = calendar_feed.renew_token(person)
    person.is_suspended = True
    db.session.commit()
    with pytest.raises(NotFound):
        calendar_feed.feed(token)


def test_deadlines_far_ahead_are_listed_too(f):
    company = f.Company()
    person = f.member(company, "owner")
    challenge = f.Challenge(pitch_deadline=utcnow() + timedelta(days=400), question_deadline=None)
    db.session.add(Follow(organisation_id=company.id, challenge_id=challenge.id))
    db.session.commit()
    assert list(_events(calendar_feed.feed(calendar_feed.renew_token(person)))) == [
        f"pitch-deadline-{challenge.id}@agora"]
