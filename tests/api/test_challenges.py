"""Challenges through the API: the page's filters and pagination, the public detail, an agency drafting and publishing."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, Challenge, Question
from marketplace.services.challenges import challenges as challenges_service
from marketplace.services.clock import utcnow

from .conftest import assert_problem


@pytest.fixture
def catalogue(f):
    water = f.Agency(name="Water Board", slug="water-board")
    f.set_sectors(f.Challenge(agency=water, title="Leaks in old pipes", budget_min=Decimal("50000"),
                              budget_max=Decimal("90000"), published_at=utcnow() - timedelta(days=3)), ["45"])
    f.set_sectors(f.Challenge(title="Air quality in schools", budget_min=None, budget_max=Decimal("20000"),
                              pitch_deadline=utcnow() + timedelta(days=5), published_at=utcnow() - timedelta(days=2)),
                  ["72", "90"])
    f.Challenge(title="Quiet night buses", status="closed", published_at=utcnow() - timedelta(days=1))
    f.Challenge(title="Hidden draft about pipes", status="draft", published_at=None)
    return water


def _titles(client, query):
    response = client.get("/api/v1/challenges" + query)
    assert response.status_code == 200, response.get_json()
    return [item["title"] for item in response.get_json()["items"]]


@pytest.mark.parametrize("query,expected", [
    ("", ["Quiet night buses", "Air quality in schools", "Leaks in old pipes"]),
    ("?q=pipes", ["Leaks in old pipes"]),
    ("?sector=72&sector=45", ["Air quality in schools", "Leaks in old pipes"]),
    ("?agency=water-board", ["Leaks in old pipes"]),
    ("?status=closed", ["Quiet night buses"]),
    ("?budget_min=40000", ["Leaks in old pipes"]),
    ("?budget_min=89999.995", ["Leaks in old pipes"]),  # a number, not "89.999.995" read as typed text
    ("?budget_max=30000", ["Quiet night buses", "Air quality in schools"]),
    ("?closing_soon=true", ["Air quality in schools"]),
    ("?sort=deadline&status=published", ["Air quality in schools", "Leaks in old pipes"]),
    ("?sort=deadline", ["Air quality in schools", "Leaks in old pipes", "Quiet night buses"]),
])
def test_the_list_filters_like_the_challenges_page(client, catalogue, query, expected):
    assert _titles(client, query) == expected
    page = client.get("/challenges" + query).get_data(as_text=True)
    positions = [page.index(title) for title in expected]
    assert positions == sorted(positions)
    assert "Hidden draft" not in page


@pytest.mark.parametrize("query", ["?sector=00&q=pipes", "?sector=45&sector=00"])
def test_a_sector_that_is_no_cpv_division_is_refused_not_left_out(client, catalogue, query):
    """Left out, the search would answer every sector's challenges as if it had been applied."""
    body = assert_problem(client.get("/api/v1/challenges" + query), 422)
    assert body["errors"] == [{"parameter": "sector",
                               "detail": "There is no sector 00: choose sectors from the list."}]


def test_the_list_is_paginated_with_links_and_a_total(client, catalogue):
    first = client.get("/api/v1/challenges?per_page=2&sector=72&sector=45&sector=90").get_json()
    assert first["total"] == 2 and first["pages"] == 1
    body = client.get("/api/v1/challenges?per_page=2&q=").get_json()
    assert (body["total"], body["pages"], body["page"], len(body["items"])) == (3, 2, 1, 2)
    assert body["links"]["prev"] is None
    assert body["links"]["next"].endswith("/api/v1/challenges?per_page=2&q=&page=2")
    second = client.get(body["links"]["next"]).get_json()
    assert [i["title"] for i in second["items"]] == ["Leaks in old pipes"]
    assert second["links"]["next"] is None and second["links"]["prev"].endswith("page=1")


def test_one_challenge_shows_answered_questions_without_the_askers_company(client, f):
    challenge = f.Challenge()
    asker = f.Company(name="Secretive Pipes Ltd", slug="secretive-pipes")
    db.session.add_all([
        Question(challenge_id=challenge.id, organisation_id=asker.id, body="Is night work allowed?",
                 answer="Yes, after 22:00.", answered_at=utcnow()),
        Question(challenge_id=challenge.id, organisation_id=asker.id, body="Unanswered so far?"),
    ])
    db.session.commit()
    response = client.get(f"/api/v1/challenges/{challenge.slug}")
    body = response.get_json()
    assert response.status_code == 200
    assert [(q["question"], q["answer"]) for q in body["questions"]] == [("Is night work allowed?",
                                                                          "Yes, after 22:00.")]
    text = response.get_data(as_text=True)
    assert "Secretive" not in text and "secretive-pipes" not in text and "Unanswered" not in text
    assert body["criteria"] == [{"name": "Fit to the problem", "description": "", "weight": 60},
                                {"name": "Price", "description": "", "weight": 40}]
    assert body["url"].endswith(f"/challenges/{challenge.slug}")


def test_a_draft_is_visible_only_to_its_agency_staff(client, bearer, f):
    draft = f.Challenge(status="draft", published_at=None)
    assert_problem(client.get(f"/api/v1/challenges/{draft.slug}"), 404)
    assert_problem(client.get(f"/api/v1/challenges/{draft.slug}", headers=bearer(f.member(f.Company()))), 404)
    assert_problem(client.get(f"/api/v1/challenges/{draft.slug}",
                              headers=bearer(f.member(f.Agency(), "publisher"))), 404)
    own = client.get(f"/api/v1/challenges/{draft.slug}", headers=bearer(f.member(draft.agency, "evaluator")))
    assert own.status_code == 200 and own.get_json()["status"] == "draft"


def test_a_publisher_creates_and_publishes_a_challenge(client, bearer, f):
    publisher = f.member(f.Agency(), "publisher")
    headers = bearer(publisher)
    created = client.post("/api/v1/challenges", headers=headers, json={
        "title": "Fewer flooded cellars", "summary": "Cellars flood after storms.",
        "problem_statement": "Twice a year **200 cellars** flood.", "sectors": ["45", "90"],
        "budget_min": 10000, "budget_max": 25000.5, "pilot_duration_weeks": 12,
        "pitch_deadline": (utcnow() + timedelta(days=40)).isoformat(),
        "criteria": [{"name": "Fit", "weight": 70}, {"name": "Price", "weight": 30}],
        "success_measures": [{"measure": "Flooded cellars", "baseline": "200", "target": "50"}]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "draft" and body["sectors"] == ["45", "90"]
    assert body["budget"] == {"min": 10000.0, "max": 25000.5, "currency": "EUR"}
    assert created.headers["Location"].endswith(f"/api/v1/challenges/{body['slug']}")
    assert body["question_deadline"] is not None  # the default: 10 days before the pitch deadline
    published = client.post(f"/api/v1/challenges/{body['slug']}/publish", headers=headers)
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == publisher.id)).all()
    assert "challenge.created" in actions and "challenge.published" in actions


def test_an_incomplete_draft_cannot_be_published(client, bearer, f):
    publisher = f.member(f.Agency(), "publisher")
    headers = bearer(publisher)
    slug = client.post("/api/v1/challenges", headers=headers, json={"title": "Half a thought"}).get_json()["slug"]
    body = assert_problem(client.post(f"/api/v1/challenges/{slug}/publish", headers=headers), 422)
    assert {"#/summary", "#/problem_statement", "#/pitch_deadline"} <= {e["pointer"] for e in body["errors"]}
    assert db.session.scalar(select(Challenge.status).where(Challenge.slug == slug)) == "draft"


def test_four_eyes_publishing_holds_through_the_api(client, bearer, f):
    agency = f.Agency(four_eyes_publishing=True)
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    body = assert_problem(client.post(f"/api/v1/challenges/{draft.slug}/publish",
                                      headers=bearer(f.member(agency, "publisher"))), 409)
    assert "second publisher" in body["detail"]


def test_another_agency_cannot_publish_or_even_see_a_draft(client, bearer, f):
    draft = f.Challenge(status="draft", published_at=None)
    assert_problem(client.post(f"/api/v1/challenges/{draft.slug}/publish",
                               headers=bearer(f.member(f.Agency(), "publisher"))), 404)
    assert db.session.get(Challenge, draft.id).status == "draft"


def test_a_publisher_extends_a_deadline_and_a_deadline_brought_forward_is_refused(client, bearer, f):
    challenge = f.Challenge(title="Fewer mised appointments")
    headers = bearer(f.member(challenge.agency, "publisher"))
    later = challenge.pitch_deadline + timedelta(days=7)
    sooner = assert_problem(client.post(f"/api/v1/challenges/{challenge.slug}/corrections", headers=headers, json={
        "pitch_deadline": (challenge.pitch_deadline - timedelta(days=7)).isoformat(), "reason": "Sooner."}), 422)
    assert [e["pointer"] for e in sooner["errors"]] == ["#/pitch_deadline"]
    answer = client.post(f"/api/v1/challenges/{challenge.slug}/corrections", headers=headers, json={
        "pitch_deadline": later.isoformat(), "title": "Fewer missed appointments", "reason": "More time; a typo."})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["changed"] == ["title", "pitch_deadline"]
    detail = client.get(f"/api/v1/challenges/{challenge.slug}").get_json()
    assert detail["title"] == "Fewer missed appointments" and detail["pitch_deadline"].startswith(later.date().isoformat())
    assert [(n["id"], n["reason"]) for n in detail["notices"]] == [(answer.get_json()["id"], "More time; a typo.")]
    assert_problem(client.post(f"/api/v1/challenges/{challenge.slug}/corrections",
                               headers=bearer(f.member(f.Agency(), "publisher")),
                               json={"title": "Mine now", "reason": "x"}), 403)


def test_words_rank_the_best_matches_first_by_default_as_on_the_page(client, f, db, monkeypatch):
    """With words and no `sort`, the API orders as the /challenges page does: best match first (on PostgreSQL;
    SQLite has no ranking, its best match is the newest first); without words the newest first."""
    in_title = f.Challenge(title="Leaking pipes", published_at=utcnow() - timedelta(days=2))
    in_text = f.Challenge(title="Old network", problem_statement="Some pipes leak.", published_at=utcnow())
    ranked = [in_title, in_text] if db.engine.dialect.name == "postgresql" else [in_text, in_title]
    asked = []
    search = challenges_service.search_challenges
    monkeypatch.setattr(challenges_service, "search_challenges",
                        lambda filters, **kw: asked.append(filters.sort) or search(filters, **kw))
    assert _titles(client, "?q=leaks") == [c.title for c in ranked]
    assert _titles(client, "?q=leaks&sort=relevance") == [c.title for c in ranked]
    assert _titles(client, "?q=leaks&sort=newest") == ["Old network", "Leaking pipes"]
    assert _titles(client, "") == ["Old network", "Leaking pipes"]
    assert asked == ["relevance", "relevance", "newest", "relevance"]
    page = client.get("/challenges?q=leaks").text
    assert page.index(ranked[0].title) < page.index(ranked[1].title)
