"""Questions and pilots through the API: the same rules as the pages, for the same people."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import MeasureOutcome, Pilot, PilotDocument, PilotStageChange, Question
from marketplace.models.pilot import EVALUATION_REPORT, MET, SIGNED_AGREEMENT
from marketplace.services.clock import utcnow

from .conftest import assert_problem


def test_a_company_asks_and_the_agency_answers_for_everyone(client, bearer, f):
    challenge = f.Challenge()
    asker = f.member(f.Company(name="Quiet Asker"))
    asked = client.post(f"/api/v1/challenges/{challenge.slug}/questions", json={"body": "Is night work allowed?"},
                        headers=bearer(asker))
    assert asked.status_code == 201
    question_id = asked.get_json()["id"]
    officer = bearer(f.member(challenge.agency, "procurement_officer"))
    waiting = client.get(f"/api/v1/challenges/{challenge.slug}/questions/open", headers=officer).get_json()
    assert [q["question"] for q in waiting["items"]] == ["Is night work allowed?"]
    assert "Quiet Asker" not in str(waiting)
    answered = client.post(f"/api/v1/questions/{question_id}/answer", json={"answer": "Yes."}, headers=officer)
    assert answered.status_code == 200 and answered.get_json()["answer"] == "Yes."
    public = client.get(f"/api/v1/challenges/{challenge.slug}").get_json()["questions"]
    assert [(q["question"], q["answer"]) for q in public] == [("Is night work allowed?", "Yes.")]
    body = assert_problem(client.post(f"/api/v1/questions/{question_id}/answer", json={"answer": "No."},
                                      headers=officer), 409)
    assert body["type"].endswith("#problem-invalid-transition")
    assert db.session.get(Question, question_id).answer == "Yes."


def test_only_the_agencys_answerers_see_or_answer_open_questions(client, bearer, f):
    challenge = f.Challenge()
    question = Question(challenge_id=challenge.id, body="Budget flexible?")
    db.session.add(question)
    db.session.commit()
    for outsider in (f.member(challenge.agency, "evaluator"), f.member(f.Company()),
                     f.member(f.Agency(), "publisher")):
        assert_problem(client.get(f"/api/v1/challenges/{challenge.slug}/questions/open", headers=bearer(outsider)),
                       404)
        assert_problem(client.post(f"/api/v1/questions/{question.id}/answer", json={"answer": "Sure."},
                                   headers=bearer(outsider)), 404)
    assert db.session.get(Question, question.id).answer is None


def test_an_agency_cannot_ask_and_a_late_question_is_refused(client, bearer, f):
    challenge = f.Challenge(question_deadline=utcnow() - timedelta(minutes=1))
    assert_problem(client.post(f"/api/v1/challenges/{challenge.slug}/questions", json={"body": "Why?"},
                               headers=bearer(f.member(f.Agency(), "publisher"))), 403)
    assert_problem(client.post(f"/api/v1/challenges/{challenge.slug}/questions", json={"body": "Why?"},
                               headers=bearer(f.member(f.Company()))), 409)


@pytest.fixture
def pilot(f):
    challenge = f.Challenge(status="piloting", pitch_deadline=utcnow() - timedelta(days=30))
    pitch = f.Pitch(challenge=challenge, status="selected", submitted_at=utcnow() - timedelta(days=31))
    pilot = Pilot(challenge=challenge, pitch=pitch, agency_id=challenge.agency_id, company_id=pitch.company_id,
                  budget=Decimal("20000"), starts_on=date.today(), ends_on=date.today() + timedelta(days=60))
    db.session.add(pilot)
    db.session.commit()
    return pilot


def _document(pilot, kind):
    db.session.add(PilotDocument(pilot_id=pilot.id, kind=kind, filename=f"{kind}.pdf", stored_name=f"{kind}-{pilot.id}",
                                 content_type="application/pdf", size=10, sha256="0" * 64))
    db.session.commit()


def test_an_officer_moves_a_pilot_once_its_checklist_is_done(client, bearer, f, pilot):
    officer = bearer(f.member(pilot.agency, "procurement_officer"))
    shown = client.get(f"/api/v1/pilots/{pilot.id}", headers=officer).get_json()
    assert shown["stage"] == "agreement"
    assert shown["moves"][0]["target"] == "running" and shown["moves"][0]["open_checks"]
    assert shown["next_action"]["step"] == "signed_agreement" and shown["next_action"]["yours"] is True
    body = assert_problem(client.post(f"/api/v1/pilots/{pilot.id}/moves", json={"target": "running"},
                                      headers=officer), 409)
    assert "signed pilot agreement" in body["detail"]
    _document(pilot, SIGNED_AGREEMENT)
    moved = client.post(f"/api/v1/pilots/{pilot.id}/moves", headers=officer,
                        json={"target": "running", "note": "Signed.", "expected_version": shown["version"]})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["stage"] == "running"
    assert moved.get_json()["history"][-1]["to_stage"] == "running"
    stale = assert_problem(client.post(f"/api/v1/pilots/{pilot.id}/moves", headers=officer, json={
        "target": "evaluation", "expected_version": shown["version"]}), 409)
    assert stale["type"].endswith("#problem-stale-state")
    assert db.session.scalars(select(PilotStageChange.to_stage)).all() == ["running"]


def test_nobody_else_moves_a_pilot(client, bearer, f, pilot):
    _document(pilot, SIGNED_AGREEMENT)
    for who, status in ((f.member(pilot.agency, "evaluator"), 403), (f.member(pilot.agency, "publisher"), 403),
                        (f.member(pilot.company), 403), (f.member(f.Company()), 404),
                        (f.member(f.Agency(), "procurement_officer"), 404)):
        assert_problem(client.post(f"/api/v1/pilots/{pilot.id}/moves", json={"target": "running"},
                                   headers=bearer(who)), status)
    assert db.session.get(Pilot, pilot.id).stage == "agreement"


def test_pilot_outcomes_are_public_and_list_their_measured_results(client, f, pilot):
    assert client.get("/api/v1/pilots/outcomes").get_json()["items"] == []
    _document(pilot, EVALUATION_REPORT)
    for measure in pilot.challenge.success_measures:
        db.session.add(MeasureOutcome(pilot_id=pilot.id, success_measure_id=measure.id, result=MET,
                                      evidence="Halved."))
    pilot.stage, pilot.outcome_summary, pilot.outcome_published_at = "adopted", "It worked.", utcnow()
    pilot.lessons_learned = "Text beats calls."
    db.session.commit()
    body = client.get("/api/v1/pilots/outcomes").get_json()
    assert body["total"] == 1
    outcome = body["items"][0]
    assert (outcome["stage"], outcome["outcome_summary"], outcome["solution"]) == ("adopted", "It worked.",
                                                                                  pilot.pitch.title)
    assert outcome["measures"] == [{"measure": "Missed appointments", "baseline": "12 %", "target": "6 %",
                                    "result": "met", "evidence": "Halved."}]
    assert "budget" not in outcome
    assert client.get(f"/api/v1/challenges/{pilot.challenge.slug}").get_json()["pilot_outcomes"][0]["id"] == pilot.id
