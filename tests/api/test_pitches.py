"""Pitches through the API: a company sees only its own, drafts and submits; the seal holds exactly as on the pages."""
from datetime import timedelta

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, Pitch
from marketplace.services.evaluation import evaluation
from marketplace.services.clock import utcnow

from .conftest import assert_problem

PITCH = {"title": "Sensors in the pipes", "summary": "Acoustic leak sensors.", "approach": "We listen.",
         "trl": 7, "pilot_price": 25000, "pilot_duration_weeks": 10}


def test_a_company_writes_a_draft_then_submits_it(client, bearer, f):
    challenge = f.Challenge()
    headers = bearer(f.member(f.Company(), "member"))
    created = client.put(f"/api/v1/challenges/{challenge.slug}/pitch", json=PITCH, headers=headers)
    assert created.status_code == 201, created.get_json()
    pitch = created.get_json()
    assert pitch["status"] == "draft" and pitch["receipt_digest"] is None
    assert created.headers["Location"].endswith(f"/api/v1/pitches/{pitch['id']}")
    replaced = client.put(f"/api/v1/challenges/{challenge.slug}/pitch", json={**PITCH, "team": "Two people."},
                          headers=headers)
    assert replaced.status_code == 200 and replaced.get_json()["id"] == pitch["id"]
    submitted = client.post(f"/api/v1/pitches/{pitch['id']}/submit", headers=headers)
    assert submitted.status_code == 200
    assert submitted.get_json()["status"] == "submitted" and len(submitted.get_json()["receipt_digest"]) == 64
    withdrawn = client.post(f"/api/v1/pitches/{pitch['id']}/withdraw", headers=headers)
    assert withdrawn.get_json()["status"] == "withdrawn"


def test_an_empty_pitch_cannot_be_submitted(client, bearer, f):
    challenge = f.Challenge()
    headers = bearer(f.member(f.Company()))
    pitch_id = client.put(f"/api/v1/challenges/{challenge.slug}/pitch", json={}, headers=headers).get_json()["id"]
    body = assert_problem(client.post(f"/api/v1/pitches/{pitch_id}/submit", headers=headers), 422)
    assert {e["pointer"] for e in body["errors"]} == {"#/title", "#/summary", "#/approach"}
    assert db.session.get(Pitch, pitch_id).status == "draft"


def test_after_the_deadline_nothing_changes(client, bearer, f):
    challenge = f.Challenge(pitch_deadline=utcnow() + timedelta(days=1))
    company = f.Company()
    pitch = f.Pitch(challenge=challenge, company=company)
    challenge.pitch_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    headers = bearer(f.member(company))
    body = assert_problem(client.post(f"/api/v1/pitches/{pitch.id}/submit", headers=headers), 409)
    assert body["type"].endswith("#problem-deadline-passed")
    assert_problem(client.put(f"/api/v1/challenges/{challenge.slug}/pitch", json=PITCH, headers=headers), 409)


def test_a_cancelled_challenge_refuses_with_its_public_reason(client, bearer, f):
    challenge = f.Challenge(status="cancelled", cancel_reason="The ward was closed.")
    company = f.Company()
    pitch = f.Pitch(challenge=challenge, company=company, status="submitted", submitted_at=utcnow())
    headers = bearer(f.member(company))
    for answer in (client.post(f"/api/v1/pitches/{pitch.id}/withdraw", headers=headers),
                   client.put(f"/api/v1/challenges/{challenge.slug}/pitch", json=PITCH, headers=headers)):
        body = assert_problem(answer, 409)
        assert "cancelled: The ward was closed." in body["detail"] and "deadline" not in body["detail"]


def test_a_company_lists_only_its_own_pitches(client, bearer, f):
    company, rival = f.Company(), f.Company()
    mine = f.Pitch(company=company, title="Ours")
    f.Pitch(company=rival, title="Theirs", status="submitted", submitted_at=utcnow())
    f.Pitch(challenge=mine.challenge, company=rival, title="Theirs too")
    body = client.get("/api/v1/pitches", headers=bearer(f.member(company, "member"))).get_json()
    assert [p["title"] for p in body["items"]] == ["Ours"]


def test_a_rivals_pitch_does_not_exist_and_the_attempt_is_audited(client, bearer, f):
    pitch = f.Pitch(status="submitted", submitted_at=utcnow())
    rival = f.member(f.Company())
    for path in (f"/api/v1/pitches/{pitch.id}", f"/api/v1/pitches/{pitch.id}/submit",
                 f"/api/v1/pitches/{pitch.id}/withdraw"):
        request = client.get if path.endswith(str(pitch.id)) else client.post
        body = assert_problem(request(path, headers=bearer(rival)), 404)
        assert "Theirs" not in str(body) and pitch.title not in str(body)
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pitch.access_refused")).all()
    assert len(refused) == 3 and all(e.actor_id == rival.id for e in refused)
    assert db.session.get(Pitch, pitch.id).status == "submitted"


def test_the_agency_reads_a_pitch_only_after_the_deadline_and_a_declaration(client, bearer, f):
    challenge = f.Challenge()
    pitch = f.Pitch(challenge=challenge, status="submitted", submitted_at=utcnow())
    officer = f.member(challenge.agency, "procurement_officer")
    headers = bearer(officer)
    assert_problem(client.get(f"/api/v1/pitches/{pitch.id}", headers=headers), 404)
    challenge.pitch_deadline = utcnow() - timedelta(minutes=1)
    challenge.status = "closed"
    db.session.commit()
    evaluation.start_evaluation(officer, challenge.id)
    body = assert_problem(client.get(f"/api/v1/pitches/{pitch.id}", headers=headers), 403)
    assert "Declare your conflicts of interest" in str(body) and pitch.title not in str(body)
    evaluation.declare_conflict(officer, challenge.id, conflicted=False)
    opened = client.get(f"/api/v1/pitches/{pitch.id}", headers=headers)
    assert opened.status_code == 200 and opened.get_json()["title"] == pitch.title
    assert_problem(client.get("/api/v1/pitches", headers=headers), 403)  # an agency has no pitches of its own
    assert_problem(client.post(f"/api/v1/pitches/{pitch.id}/withdraw", headers=headers), 403)


def test_an_agency_cannot_pitch(client, bearer, f):
    challenge = f.Challenge()
    assert_problem(client.put(f"/api/v1/challenges/{challenge.slug}/pitch", json=PITCH,
                              headers=bearer(f.member(f.Agency(), "publisher"))), 403)
    assert db.session.scalar(select(Pitch.id)) is None


def test_pitch_fields_are_checked_before_anything_is_saved(client, bearer, f):
    challenge = f.Challenge()
    headers = bearer(f.member(f.Company()))
    body = assert_problem(client.put(f"/api/v1/challenges/{challenge.slug}/pitch", headers=headers,
                                     json={"title": "x" * 201, "trl": 10, "pilot_price": -1, "status": "selected"}),
                          422)
    assert {e["pointer"] for e in body["errors"]} == {"#/title", "#/trl", "#/pilot_price", "#/status"}
    assert db.session.scalar(select(Pitch.id)) is None


def test_the_company_reads_its_outcome_shortlist_first_then_the_final_feedback(client, bearer, f):
    from marketplace.models import PitchAssessment

    challenge = f.Challenge(status="closed", pitch_deadline=utcnow() - timedelta(days=1))
    mine, other = (f.Pitch(challenge=challenge, status="submitted", submitted_at=utcnow()) for _ in range(2))
    officer = f.member(challenge.agency, "procurement_officer")
    headers = bearer(f.member(mine.company, "member"))
    evaluation.start_evaluation(officer, challenge.id)
    evaluation.declare_conflict(officer, challenge.id, conflicted=False)
    for view in evaluation.assessments(officer, challenge.id):
        evaluation.score_sheet(officer, view["assessment_id"], {c.id: ("3", "Fine.") for c in challenge.criteria})
    evaluation.finalise_evaluation(officer, challenge.id)
    rows = {r.pitch_id: r for r in db.session.scalars(select(PitchAssessment))}
    evaluation.decide(officer, rows[mine.id].id, decision="shortlisted", feedback="Not for the company yet.")
    evaluation.decide(officer, rows[other.id].id, decision="not_selected", feedback="No.", confirmed=True)
    assert client.get(f"/api/v1/pitches/{mine.id}", headers=headers).get_json()["outcome"] is None
    evaluation.publish_decisions(officer, challenge.id)
    outcome = client.get(f"/api/v1/pitches/{mine.id}", headers=headers).get_json()["outcome"]
    assert outcome["decision"] == "shortlisted" and outcome["feedback"] is None
    assert outcome["session_booking"].endswith(f"/pitches/{mine.id}/session")
    evaluation.decide(officer, rows[mine.id].id, decision="selected", feedback="Welcome.", confirmed=True)
    evaluation.publish_decisions(officer, challenge.id)
    outcome = client.get(f"/api/v1/pitches/{mine.id}", headers=headers).get_json()["outcome"]
    assert outcome == {"decision": "selected", "feedback": "Welcome.", "session_booking": None}
    agency = client.get(f"/api/v1/pitches/{mine.id}", headers=bearer(officer)).get_json()
    assert agency["outcome"] is None  # the agency reads its decisions on its own pages


def test_a_whole_number_sent_as_a_float_is_taken_and_a_fraction_is_not(client, bearer, f):
    challenge = f.Challenge()
    headers = bearer(f.member(f.Company()))
    refused = assert_problem(client.put(f"/api/v1/challenges/{challenge.slug}/pitch", headers=headers,
                                        json={**PITCH, "pilot_duration_weeks": 35.5, "trl": True}), 422)
    assert {e["pointer"] for e in refused["errors"]} == {"#/pilot_duration_weeks", "#/trl"}
    taken = client.put(f"/api/v1/challenges/{challenge.slug}/pitch", headers=headers,
                       json={**PITCH, "pilot_duration_weeks": 35.0, "pilot_price": 25000.0})
    assert taken.status_code == 201, taken.get_json()
    assert (taken.get_json()["pilot_duration_weeks"], taken.get_json()["pilot_price"]) == (35, 25000)


def test_every_whole_number_of_a_body_takes_a_whole_float():
    from typing import get_args

    from marketplace.api.operations import Body, WholeNumber

    whole = get_args(WholeNumber)[1]

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    for model in subclasses(Body):
        for name, field in model.model_fields.items():
            if field.annotation is int:
                assert whole in field.metadata, (model, name)
            assert int not in get_args(field.annotation), (model, name)


def test_a_consultation_keeps_and_shows_no_pilot_duration(client, bearer, f):
    consultation = f.Challenge(kind="market_consultation", pilot_duration_weeks=12, with_criteria=False)
    detail = client.get(f"/api/v1/challenges/{consultation.slug}").get_json()
    assert (detail["pilot_duration_weeks"], detail["criteria"], detail["success_measures"]) == (None, [], [])
    headers = bearer(f.member(f.Company(), "member"))
    body = {"title": "Flood alerts", "summary": "Per street.", "approach": "Text messages.", "pilot_price": 9000,
            "pilot_duration_weeks": 10}
    saved = client.put(f"/api/v1/challenges/{consultation.slug}/pitch", json=body, headers=headers).get_json()
    assert (saved["pilot_price"], saved["pilot_duration_weeks"]) == (9000, None)
    assert db.session.get(Pitch, saved["id"]).pilot_duration_weeks is None
    call = f.Challenge()
    assert client.get(f"/api/v1/challenges/{call.slug}").get_json()["pilot_duration_weeks"] == 12
