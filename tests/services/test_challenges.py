"""Challenges: validation, publishing with and without four eyes, cancelling, closing and searching."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from marketplace.extensions import db
from marketplace.models import AuditEvent, Challenge, EvaluationCriterion, OutboxEvent
from marketplace.services import access
from marketplace.services.challenges import challenges
from marketplace.services.challenges.challenges import ChallengeFilters
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, NotAllowed, NotFound, StaleState, ValidationFailed


def _data(**overrides):
    data = {
        "kind": "call_for_solutions", "title": "Fewer missed appointments",
        "summary": "Patients miss appointments.", "problem_statement": "About **12 %** are missed.",
        "context": "", "affected": "", "desired_outcomes": "", "constraints": "", "sectors": ["85", "72"],
        "budget_min": "10000", "budget_max": "30000", "pilot_duration_weeks": "12",
        "pitch_deadline": utcnow() + timedelta(days=30), "question_deadline": None,
        "criteria": [{"name": "Fit", "description": "", "weight": 60}, {"name": "Price", "weight": "40"},
                     {"name": "", "weight": ""}],
        "success_measures": [{"measure": "Missed appointments", "baseline": "12 %", "target": "6 %"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def agency(f):
    agency = f.Agency()
    return agency, f.member(agency, "publisher"), f.member(agency, "owner")


def test_a_draft_gets_a_default_question_deadline_and_an_audit_and_outbox_row(agency):
    _, publisher, _ = agency
    challenge = challenges.create_draft(publisher, _data())
    assert challenge.status == "draft" and challenge.sectors == ["72", "85"]
    assert [c.weight for c in challenge.criteria] == [60, 40]
    assert challenge.question_deadline == challenge.pitch_deadline - timedelta(days=10)
    assert db.session.scalar(select(AuditEvent.action)) == "challenge.created"
    assert db.session.scalar(select(OutboxEvent.topic)) == "challenge.created"


@pytest.mark.parametrize("overrides,field", [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"summary": "x" * 501}, "summary"),
    ({"budget_min": "50000", "budget_max": "10000"}, "budget_max"),
    ({"budget_min": "-1"}, "budget_min"),
    ({"budget_max": "lots"}, "budget_max"),
    ({"criteria": [{"name": "Fit", "weight": 50}, {"name": "Price", "weight": 40}]}, "criteria"),
    ({"criteria": [{"name": "Fit", "weight": 150}]}, "criteria-0-weight"),
    ({"sectors": ["99"]}, "sectors"),
    ({"kind": "tender"}, "kind"),
    ({"language": "es"}, "language"),
    ({"question_deadline": utcnow() + timedelta(days=40)}, "question_deadline"),
    ({"pilot_duration_weeks": "0"}, "pilot_duration_weeks"),
    ({"success_measures": [{"measure": "", "target": "6 %"}]}, "success_measures-0-measure"),
])
def test_each_rule_names_its_field_and_nothing_is_written(agency, overrides, field):
    _, publisher, _ = agency
    with pytest.raises(ValidationFailed) as refused:
        challenges.create_draft(publisher, _data(**overrides))
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(select(Challenge.id)) is None


def test_publishing_checks_completeness_and_deadlines(agency):
    _, publisher, _ = agency
    challenge = challenges.create_draft(publisher, _data(success_measures=[], problem_statement=""))
    with pytest.raises(ValidationFailed) as refused:
        challenges.publish_challenge(publisher, challenge.slug)
    assert {"success_measures", "problem_statement"} <= set(refused.value.errors)
    challenge.problem_statement = "Now described."
    challenge.pitch_deadline = utcnow() - timedelta(minutes=1)
    challenge.question_deadline = None
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        challenges.publish_challenge(publisher, challenge.slug)
    assert "pitch_deadline" in refused.value.errors
    assert db.session.get(Challenge, challenge.id).status == "draft"


def test_publish_then_no_more_edits(agency):
    _, publisher, _ = agency
    challenge = challenges.create_draft(publisher, _data())
    challenges.publish_challenge(publisher, challenge.slug)
    assert challenge.status == "published" and challenge.published_at is not None
    assert db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.topic == "challenge.published"))
    with pytest.raises(InvalidTransition):
        challenges.update_draft(publisher, challenge.slug, _data(title="Changed"))


def test_an_unverified_agency_cannot_publish(f):
    agency = f.Agency(verified=False)
    publisher = f.member(agency, "publisher")
    challenge = challenges.create_draft(publisher, _data())
    with pytest.raises((InvalidTransition, NotAllowed)):
        challenges.publish_challenge(publisher, challenge.slug)
    assert "verified" in str(challenges.publishable_problems(challenge)[""])


@pytest.mark.parametrize("role", ["evaluator", "procurement_officer"])
def test_agency_roles_that_cannot_write_or_publish(agency, f, role):
    agency_org, publisher, _ = agency
    other = f.member(agency_org, role)
    with pytest.raises(NotAllowed):
        challenges.create_draft(other, _data())
    challenge = challenges.create_draft(publisher, _data())
    with pytest.raises(NotAllowed):
        challenges.publish_challenge(other, challenge.slug)


def test_drafts_are_invisible_outside_the_agency(agency, f):
    _, publisher, _ = agency
    challenge = challenges.create_draft(publisher, _data())
    for stranger in (None, f.member(f.Company(), "owner"), f.member(f.Agency(), "publisher")):
        with pytest.raises(NotFound):
            access.challenge(stranger, challenge.slug)
    assert challenges.search_challenges(ChallengeFilters()).total == 0


def test_four_eyes_needs_a_second_person(agency, f):
    agency_org, publisher, owner = agency
    agency_org.four_eyes_publishing = True
    db.session.commit()
    challenge = challenges.create_draft(publisher, _data())
    with pytest.raises(InvalidTransition):
        challenges.publish_challenge(publisher, challenge.slug)
    with pytest.raises(InvalidTransition):
        challenges.approve_challenge(owner, challenge.slug)  # nobody asked yet
    challenges.request_approval(publisher, challenge.slug)
    with pytest.raises(NotAllowed):
        challenges.approve_challenge(publisher, challenge.slug)
    challenges.approve_challenge(owner, challenge.slug)
    assert challenge.status == "published" and challenge.approved_by_id == owner.id


def test_a_stale_edit_is_refused(agency):
    _, publisher, owner = agency
    challenge = challenges.create_draft(publisher, _data())
    seen = challenge.version
    challenges.update_draft(owner, challenge.slug, _data(title="Owner's title"), expected_version=seen)
    with pytest.raises(StaleState):
        challenges.update_draft(publisher, challenge.slug, _data(title="Mine"), expected_version=seen)
    assert db.session.get(Challenge, challenge.id).title == "Owner's title"


def test_cancel_needs_a_public_reason(agency, f):
    _, publisher, _ = agency
    challenge = challenges.create_draft(publisher, _data())
    challenges.publish_challenge(publisher, challenge.slug)
    with pytest.raises(ValidationFailed):
        challenges.cancel_challenge(publisher, challenge.slug, "  ")
    with pytest.raises(NotAllowed):
        challenges.cancel_challenge(f.member(challenge.agency, "evaluator"), challenge.slug, "No.")
    challenges.cancel_challenge(publisher, challenge.slug, "The law changed.")
    assert challenge.status == "cancelled" and challenge.cancel_reason == "The law changed."
    with pytest.raises(InvalidTransition):
        challenges.cancel_challenge(publisher, challenge.slug, "Again.")


def test_closing_is_idempotent(f):
    challenge = f.Challenge(pitch_deadline=utcnow() - timedelta(minutes=1))
    assert challenges.close_challenge(challenge) is True
    assert challenges.close_challenge(challenge) is False
    db.session.commit()
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "challenge.closed")).all()) == 1
    future = f.Challenge()
    assert challenges.close_challenge(future) is False


def test_a_market_consultation_ends_with_its_summary(agency):
    _, publisher, _ = agency
    challenge = challenges.create_draft(publisher, _data(kind="market_consultation", criteria=[], success_measures=[]))
    challenges.publish_challenge(publisher, challenge.slug)
    with pytest.raises(InvalidTransition):
        challenges.publish_consultation_summary(publisher, challenge.slug, "Too early")
    challenge.status = "closed"
    db.session.commit()
    challenges.publish_consultation_summary(publisher, challenge.slug, "Five kinds of tools exist.")
    assert challenge.status == "completed"


@pytest.fixture
def catalogue(f):
    water = f.Agency(name="Water Board", slug="water-board")
    roads = f.Agency(name="Roads Agency", slug="roads")
    now = utcnow()
    rows = [
        f.Challenge(agency=water, title="Detect leaking pipes early", summary="Leaks waste water.",
                    problem_statement="Old pipes leak.", budget_min=Decimal(5000), budget_max=Decimal(20000),
                    pitch_deadline=now + timedelta(days=5), published_at=now - timedelta(days=3)),
        f.Challenge(agency=roads, title="Potholes reported by citizens", summary="Roads degrade.",
                    problem_statement="Reports arrive late; pipes are not involved.", budget_min=Decimal(50000),
                    budget_max=Decimal(90000), pitch_deadline=now + timedelta(days=60),
                    published_at=now - timedelta(days=1)),
        f.Challenge(agency=roads, title="Winter gritting routes", status="closed", summary="Salt is wasted.",
                    problem_statement="Routes are fixed.", budget_min=None, budget_max=Decimal(15000),
                    pitch_deadline=now - timedelta(days=2), published_at=now - timedelta(days=40)),
        f.Challenge(agency=roads, title="Secret draft about pipes", status="draft", published_at=None),
    ]
    f.set_sectors(rows[0], ["65", "90"])
    f.set_sectors(rows[1], ["45"])
    return rows


def _titles(**args):
    page = challenges.search_challenges(ChallengeFilters.from_args(MultiDict(args)))
    return [c.title for c in page.items]


def test_full_text_search_over_title_summary_and_problem(catalogue):
    assert _titles(q="pipes", sort="newest") == ["Potholes reported by citizens", "Detect leaking pipes early"]
    assert _titles(q="leak") == ["Detect leaking pipes early"]  # word prefixes match
    assert _titles(q="salt wasted") == ["Winter gritting routes"]
    assert _titles(q="'; DROP TABLE challenges; --") == []
    assert _titles(q="100%_") == []


def test_filters_and_sorting(catalogue):
    assert _titles(agency="water-board") == ["Detect leaking pipes early"]
    assert _titles(sector="45") == ["Potholes reported by citizens"]
    assert _titles(status="closed") == ["Winter gritting routes"]
    assert _titles(budget_min="40000") == ["Potholes reported by citizens"]
    assert _titles(budget_max="16000") == ["Detect leaking pipes early", "Winter gritting routes"]
    assert _titles(closing_soon="1") == ["Detect leaking pipes early"]
    # Taking pitches first (soonest deadline first), then the others: not the closed one, whose deadline passed.
    assert _titles(sort="deadline") == ["Detect leaking pipes early", "Potholes reported by citizens",
                                        "Winter gritting routes"]
    assert _titles(sort="budget_high")[0] == "Potholes reported by citizens"


def test_what_cannot_be_read_is_left_out_of_the_search_but_kept_with_the_reason(catalogue):
    """An unknown sector, a budget that is no amount, words past the limit: searched without, never dropped without a
    word (`problems`, which the page shows and a saved search and the API refuse), and kept as typed for links."""
    filters = ChallengeFilters.from_args(MultiDict([("sector", "45"), ("sector", " 99 "), ("sector", ""),
                                                    ("budget_max", "lots"), ("q", "pipes " * 50)]))
    assert (filters.sectors, filters.unknown_sectors, filters.unread_amounts) == (["45"], ["99"], {"budget_max": "lots"})
    assert (len(filters.q), filters.long_query) == (challenges.MAX_QUERY, ("pipes " * 50).strip())
    assert {name: str(message) for name, message in filters.problems().items()} == {
        "q": "Enter at most 200 characters to search for.",
        "sector": "There is no sector 99: choose sectors from the list.",
        "budget_max": "“lots” is not an amount in euros."}
    assert filters.to_args() == {"q": filters.q, "sector": ["45"]}
    assert filters.to_args(typed=True) == {"q": filters.long_query, "sector": ["45", "99"], "budget_max": "lots"}
    assert ChallengeFilters.from_args(MultiDict(filters.to_args(typed=True))).problems().keys() == {
        "q", "sector", "budget_max"}
    assert ChallengeFilters.from_args(MultiDict(dict(sector="45", budget_min="40000"))).problems() == {}


@pytest.mark.parametrize("args", [{"page": "abc"}, {"page": "-5"}, {"budget_min": "-1"}, {"status": "draft"},
                                  {"sort": "drop table"}, {"sector": "../.."}, {"q": "x" * 5000},
                                  {"budget_max": "1e999"}, {"page": "99999999999999999999"}])
def test_nonsense_in_the_query_string_is_ignored(catalogue, args):
    page = challenges.search_challenges(ChallengeFilters.from_args(MultiDict(args)))
    assert all(c.status != "draft" for c in page.items)


def test_pagination(f):
    for i in range(5):
        f.Challenge(title=f"Challenge number {i}", published_at=utcnow() - timedelta(hours=i))
    first = challenges.search_challenges(ChallengeFilters(page=1), per_page=2)
    third = challenges.search_challenges(ChallengeFilters(page=3), per_page=2)
    assert first.total == 5 and first.pages == 3
    assert [c.title for c in first.items] == ["Challenge number 0", "Challenge number 1"]
    assert [c.title for c in third.items] == ["Challenge number 4"]


def test_a_draft_is_in_its_authors_language_unless_another_is_chosen(agency, db):
    _, publisher, _ = agency
    publisher.locale = "nl"
    db.session.commit()
    assert challenges.create_draft(publisher, _data()).language == "nl"
    chosen = challenges.create_draft(publisher, _data(language="de"))
    assert chosen.language == "de"
    assert challenges.update_draft(publisher, chosen.slug, _data(language="fr")).language == "fr"


def test_the_agency_filter_offers_only_agencies_with_a_challenge_that_went_public(f):
    """The lifecycle's one rule of 'public' (published once, not a draft): a draft cancelled before it went live is
    not, so its agency is not offered as a filter that would find nothing."""
    public, quiet = f.Agency(name="Water Board", slug="water-board"), f.Agency(name="Roads Agency", slug="roads")
    f.Challenge(agency=public)
    f.Challenge(agency=quiet, status="cancelled", published_at=None, cancel_reason="Not needed after all.")
    db.session.commit()
    assert challenges.agencies_with_public_challenges() == (("water-board", "Water Board"),)
    assert _titles(agency="roads") == []


def test_a_market_consultation_keeps_no_criteria_or_success_measures(agency):
    """It ranks nothing (lifecycle.ranks_pitches): what was given for them, even unreadable, is neither checked nor
    stored, by the pages and the API alike; a call for solutions keeps its own."""
    _, publisher, _ = agency
    given = {"criteria": [{"name": "Fit", "weight": "lots"}, {"name": "Price", "weight": 10}],
             "success_measures": [{"measure": "", "target": "6 %"}]}
    consultation = challenges.create_draft(publisher, _data(kind="market_consultation", **given))
    assert (consultation.criteria, consultation.success_measures) == ([], [])
    call = challenges.create_draft(publisher, _data())
    assert len(call.criteria) == 2 and len(call.success_measures) == 1
    challenges.update_draft(publisher, call.slug, _data(kind="market_consultation"))
    assert (call.criteria, call.success_measures) == ([], [])
    assert db.session.scalar(select(func.count()).select_from(EvaluationCriterion)) == 0
