"""Statements per request on the signed-in pages: a fixed number, however many companies and challenges exist.

Aims (issue 17): at most 10 for the challenge page, the dashboard and a pitch step. Met by the dashboards and the
pitch step. Not met by the challenge page for a company: 13 with a stored match, 17 without (its company is then
scored on the spot: words, sectors, solutions), since it also reads its notices of corrections, the pitch's state
by the database clock (the seal's clock, deliberately not cached) and whether the company follows it. The limits
below are today's counts, so that any new statement on these pages is a decision, not an accident.
"""
import pytest
from sqlalchemy import event

from marketplace.extensions import db
from marketplace.models import Match
from marketplace.services.matching import matching
from tests.factories import set_sectors

LIMITS = {"challenge page, company": 17, "challenge page, company matched": 13, "challenge page, visitor": 9,
          "dashboard, company": 10, "dashboard, publisher": 10, "pitch step": 10}


def _counted(client, path):
    seen = []

    def note(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200, path
    return len(seen)


def _world(f):
    challenge = f.Challenge(problem_statement="Detect leaking water pipes under the streets.")
    set_sectors(challenge, ["65"])
    company = f.Company(capability_statement="Acoustic sensors that find leaking water pipes.")
    set_sectors(company, ["65"])
    matched = f.Company(capability_statement="Leak detection for water networks.")
    db.session.add(Match(challenge_id=challenge.id, organisation_id=matched.id, score=0.8, reasons=[]))
    db.session.commit()
    return challenge, f.member(company, "owner"), f.member(matched, "owner"), f.member(challenge.agency, "publisher")


def _counts(client, login, challenge, owner, matched, publisher, f):
    f.Pitch(challenge=challenge, company=owner.organisation)
    counts = {"challenge page, visitor": _counted(client, f"/challenges/{challenge.slug}")}
    login(matched)
    counts["challenge page, company matched"] = _counted(client, f"/challenges/{challenge.slug}")
    login(owner)
    counts["challenge page, company"] = _counted(client, f"/challenges/{challenge.slug}")
    counts["dashboard, company"] = _counted(client, "/dashboard")
    counts["pitch step"] = _counted(client, f"/challenges/{challenge.slug}/pitch/about")
    login(publisher)
    counts["dashboard, publisher"] = _counted(client, "/dashboard")
    client.post("/auth/logout")
    return counts


@pytest.mark.parametrize("more", [0, 1])
def test_signed_in_pages_cost_a_fixed_number_of_statements(client, login, f, app, monkeypatch, more):
    monkeypatch.setitem(app.config, "MATCHING_COMPANY_COUNT_SECONDS", 600)  # as in production
    matching._counted.clear()
    challenge, owner, matched, publisher = _world(f)
    for _ in range(more * 25):  # many more companies and challenges: the same counts
        set_sectors(f.Company(capability_statement="Water leaks, pipes and sensors."), ["65"])
        f.Challenge(agency=challenge.agency)
    counts = _counts(client, login, challenge, owner, matched, publisher, f)
    matching._counted.clear()
    over = {page: (count, LIMITS[page]) for page, count in counts.items() if count > LIMITS[page]}
    assert over == {}, (over, counts)
