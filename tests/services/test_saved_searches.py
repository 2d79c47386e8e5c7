"""Saved searches: the list's filters kept, alerts for new challenges they find, at once or in the daily digest."""
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from marketplace.extensions import db
from marketplace.models import EmailDelivery, Notification, SavedSearch
from marketplace.services.challenges import saved_searches
from marketplace.services.challenges.challenges import publish_challenge
from marketplace.services.clock import utcnow
from marketplace.services.errors import NotFound, ValidationFailed
from marketplace.services.messaging import notifications
from marketplace.services.messaging.outbox import process_pending

LEAKS = MultiDict([("q", "leaks"), ("sector", "65"), ("page", "3"), ("sector", "")])


def _draft(f, agency, title, sectors, **fields):
    challenge = f.Challenge(agency=agency, status="draft", published_at=None, title=title,
                            summary=fields.pop("summary", "Old pipes."),
                            problem_statement=fields.pop("problem_statement", "We lose water."), **fields)
    f.set_sectors(challenge, sectors)
    return challenge


def _publish(f, challenge):
    publish_challenge(f.member(challenge.agency, "publisher"), challenge.slug)
    process_pending()


def test_saving_keeps_the_lists_own_filters_and_refuses_what_is_not_a_search(f):
    person = f.member(f.Company(), "owner")
    saved = saved_searches.save_search(person, name=" Leaks ", args=LEAKS, alerts="daily")
    assert (saved.name, saved.filters, saved.alerts) == ("Leaks", {"q": "leaks", "sector": ["65"]}, "daily")
    assert saved_searches.results_path(saved) == "/challenges?q=leaks&sector=65"
    assert saved_searches.filters_of(saved).sectors == ["65"]
    with pytest.raises(ValidationFailed) as refused:
        saved_searches.save_search(person, name="", args=LEAKS, alerts="hourly")
    assert set(refused.value.errors) == {"name", "alerts"}


@pytest.mark.parametrize("typed,field,message", [
    (("sector", "99"), "sector", "There is no sector 99: choose sectors from the list."),
    (("budget_min", "20k"), "budget_min", "“20k” is not an amount in euros."),
    (("q", "pipes " * 40), "q", "Enter at most 200 characters to search for."),
])
def test_a_filter_that_cannot_be_read_is_refused_never_dropped_from_a_saved_search(f, typed, field, message):
    """Saved without it, the search and its alerts would find more than was asked for (every sector, any budget)."""
    person = f.member(f.Company(), "owner")
    with pytest.raises(ValidationFailed) as refused:
        saved_searches.save_search(person, name="Water", args=MultiDict([("status", "published"), typed]),
                                    alerts="daily")
    assert {name: [str(m) for m in messages] for name, messages in refused.value.errors.items()} == {field: [message]}
    assert db.session.scalars(select(SavedSearch)).all() == []


def test_only_the_owner_sees_and_deletes_a_saved_search(f):
    person, other = f.member(f.Company(), "owner"), f.member(f.Company(), "owner")
    saved = saved_searches.save_search(person, name="Leaks", args=LEAKS, alerts="off")
    assert saved_searches.searches_of(other) == []
    with pytest.raises(NotFound):
        saved_searches.delete_search(other, saved.id)
    saved_searches.delete_search(person, saved.id)
    assert db.session.scalars(select(SavedSearch)).all() == []


def test_a_published_challenge_alerts_the_searches_that_find_it_once(f):
    water = f.Agency(name="Water Board")
    at_once = f.member(f.Company(), "owner")
    daily = f.member(f.Company(), "owner")
    elsewhere = f.member(f.Company(), "owner")
    quiet = f.member(f.Company(), "owner")
    saved_searches.save_search(at_once, name="Leaks", args=LEAKS, alerts="immediate")
    saved_searches.save_search(daily, name="Leaks daily", args=MultiDict([("q", "leak")]), alerts="daily")
    saved_searches.save_search(elsewhere, name="Health", args=MultiDict([("sector", "85")]), alerts="immediate")
    saved_searches.save_search(quiet, name="Leaks, no alerts", args=LEAKS, alerts="off")

    challenge = _draft(f, water, "Find leaking water pipes early", ["65"],
                       problem_statement="Leaks in water pipes waste water.")
    _publish(f, challenge)
    event = db.session.scalars(select(Notification).where(Notification.user_id == at_once.id)).one()
    assert event.kind == "search.alert" and event.link == f"/challenges/{challenge.slug}"
    assert event.title == "New challenge for your search “Leaks”: Find leaking water pipes early"
    [email] = db.session.scalars(select(EmailDelivery).where(EmailDelivery.user_id == at_once.id)).all()
    assert "Water Board" in email.body_text and "/challenges?q=leaks&sector=65" in email.body_text
    # The daily search waits for the digest; the others hear nothing.
    assert db.session.scalars(select(Notification.kind).where(Notification.user_id == daily.id)).all() == [
        "search.daily"]
    assert db.session.scalars(select(EmailDelivery).where(EmailDelivery.user_id == daily.id)).all() == []
    for person in (elsewhere, quiet):
        assert db.session.scalars(select(Notification).where(Notification.user_id == person.id)).all() == []

    # The same event handled again (a retried task) alerts nobody twice.
    from marketplace.models import OutboxEvent
    published = db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "challenge.published")).one()
    saved_searches.alert_saved_searches(published)
    db.session.commit()
    assert len(db.session.scalars(select(Notification).where(Notification.user_id == at_once.id)).all()) == 1


def test_a_challenge_outside_the_filters_alerts_nobody(f):
    person = f.member(f.Company(), "owner")
    saved_searches.save_search(person, name="Big leaks", args=MultiDict([("q", "leaks"), ("budget_min", "500000")]),
                               alerts="immediate")
    _publish(f, _draft(f, f.Agency(), "Find leaking water pipes early", ["65"], budget_max=30000))
    assert db.session.scalars(select(Notification).where(Notification.user_id == person.id)).all() == []


def test_the_daily_digest_lists_daily_search_alerts_even_for_people_emailed_at_once(f):
    person = f.member(f.Company(), "owner", notification_preference="immediate")
    off = f.member(f.Company(), "owner", notification_preference="off")
    for someone in (person, off):
        saved_searches.save_search(someone, name="Leaks", args=MultiDict([("q", "leaks")]), alerts="daily")
    # Something already emailed at once stays out of the digest.
    notifications.notify(person, kind="challenge.matched", title="Already emailed", dedupe_key="x", email_template=None)
    db.session.commit()
    _publish(f, _draft(f, f.Agency(), "Find leaking water pipes early", ["65"],
                       problem_statement="Leaks in water pipes."))

    assert notifications.send_daily_digests(now=utcnow() + timedelta(minutes=1)) == 1
    [digest] = db.session.scalars(select(EmailDelivery).where(EmailDelivery.dedupe_key.startswith("digest:"))).all()
    assert digest.user_id == person.id
    assert "New challenge for your search “Leaks”: Find leaking water pipes early" in digest.body_text
    assert "Already emailed" not in digest.body_text
