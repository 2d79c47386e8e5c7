"""The pilot state machine: every legal and illegal move, per role, and two officers at once."""
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, MeasureOutcome, OutboxEvent, Pilot, PilotDocument, PilotStageChange
from marketplace.models.pilot import (
    ADOPTED, AGREEMENT, EVALUATION, EVALUATION_REPORT, EXTENDED, MET, PARTLY_MET, PILOT_STAGES, RUNNING,
    SIGNED_AGREEMENT, STOPPED,
)
from marketplace.services.pilots import pilot_workflow
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, NotAllowed, NotFound, StaleState
from marketplace.services.pilots.pilot_workflow import TRANSITIONS_BY_MOVE, move_pilot


@pytest.fixture
def pilot_world(f):
    challenge = f.Challenge(status="piloting", pitch_deadline=utcnow() - timedelta(days=30))
    agency = challenge.agency
    pitch = f.Pitch(challenge=challenge, status="selected", submitted_at=utcnow() - timedelta(days=31))
    people = {
        "officer": f.member(agency, "procurement_officer"),
        "owner": f.member(agency, "owner"),
        "publisher": f.member(agency, "publisher"),
        "evaluator": f.member(agency, "evaluator"),
        "company": f.member(pitch.company, "owner"),
        "other_company": f.member(f.Company(), "owner"),
        "other_agency": f.member(f.Agency(), "procurement_officer"),
    }
    pilot = Pilot(challenge=challenge, pitch=pitch, agency_id=agency.id, company_id=pitch.company_id,
                  owner_id=people["evaluator"].id, budget=Decimal("20000"), starts_on=date.today(),
                  ends_on=date.today() + timedelta(days=60))
    db.session.add(pilot)
    db.session.commit()
    return pilot, people


def _document(pilot, kind):
    db.session.add(PilotDocument(pilot_id=pilot.id, kind=kind, filename=f"{kind}.pdf", stored_name=f"{kind}-{pilot.id}",
                                 content_type="application/pdf", size=10, sha256="0" * 64))
    db.session.commit()


def _ready_for_outcome(pilot):
    _document(pilot, EVALUATION_REPORT)
    for measure in pilot.challenge.success_measures:
        db.session.add(MeasureOutcome(pilot_id=pilot.id, success_measure_id=measure.id, result=MET, evidence="Halved."))
    pilot.outcome_summary = "Missed appointments fell from 12 % to 5 %."
    pilot.lessons_learned = "Patients answer texts more than calls."
    db.session.commit()


def _put_in(pilot, stage):
    pilot.stage = stage
    db.session.commit()


def test_every_stage_pair_not_declared_is_refused_with_a_clear_message(pilot_world):
    pilot, people = pilot_world
    for source in PILOT_STAGES:
        for target in PILOT_STAGES:
            if (source, target) in TRANSITIONS_BY_MOVE:
                continue
            _put_in(pilot, source)
            with pytest.raises(InvalidTransition) as refused:
                move_pilot(people["officer"], pilot.id, target)
            assert "cannot move" in refused.value.message
            db.session.refresh(pilot)
            assert pilot.stage == source
    assert db.session.scalar(select(PilotStageChange.id)) is None


def test_starting_needs_the_signed_agreement(pilot_world):
    pilot, people = pilot_world
    with pytest.raises(InvalidTransition) as refused:
        move_pilot(people["officer"], pilot.id, RUNNING)
    assert "signed pilot agreement" in refused.value.message
    _document(pilot, SIGNED_AGREEMENT)
    move_pilot(people["officer"], pilot.id, RUNNING, note="Signed on both sides.")
    db.session.refresh(pilot)
    assert pilot.stage == RUNNING
    assert pilot.stage_due_on == pilot.ends_on
    change = db.session.scalars(select(PilotStageChange)).one()
    assert (change.from_stage, change.to_stage, change.actor_id, change.note) == (
        AGREEMENT, RUNNING, people["officer"].id, "Signed on both sides.")
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pilot.stage_changed")).one()
    assert audit.before["stage"] == AGREEMENT and audit.after["stage"] == RUNNING
    event = db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "pilot.stage_changed")).one()
    assert event.payload["to_stage"] == RUNNING and event.payload["object_id"] == pilot.id


def test_a_budget_above_the_threshold_needs_a_second_approver(pilot_world, app):
    pilot, people = pilot_world
    pilot.budget = Decimal(app.config["PILOT_LOW_VALUE_THRESHOLD"]) + 1
    db.session.commit()
    _document(pilot, SIGNED_AGREEMENT)
    with pytest.raises(InvalidTransition) as refused:
        move_pilot(people["officer"], pilot.id, RUNNING)
    assert "approved by a second person" in refused.value.message
    pilot.budget_approved_at = utcnow()
    pilot.budget_approved_by_id = people["owner"].id
    db.session.commit()
    move_pilot(people["officer"], pilot.id, RUNNING)
    assert db.session.get(Pilot, pilot.id).stage == RUNNING


@pytest.mark.parametrize("target", [ADOPTED, STOPPED])
def test_an_outcome_needs_the_report_every_measure_and_a_summary(pilot_world, target):
    pilot, people = pilot_world
    _put_in(pilot, EVALUATION)
    with pytest.raises(InvalidTransition) as refused:
        move_pilot(people["officer"], pilot.id, target)
    assert "evaluation report" in refused.value.message
    assert "success measure" in refused.value.message
    _ready_for_outcome(pilot)
    move_pilot(people["owner"], pilot.id, target)
    db.session.refresh(pilot)
    assert pilot.stage == target
    assert pilot.outcome_published_at is not None
    assert pilot.stage_due_on is None


def test_a_stop_must_say_what_was_learned(pilot_world):
    pilot, people = pilot_world
    _put_in(pilot, EVALUATION)
    _ready_for_outcome(pilot)
    pilot.lessons_learned = "   "
    db.session.commit()
    with pytest.raises(InvalidTransition) as refused:
        move_pilot(people["officer"], pilot.id, STOPPED)
    assert "lessons learned" in refused.value.message


def test_an_extension_needs_a_reason_and_a_later_end_date(pilot_world):
    pilot, people = pilot_world
    _put_in(pilot, EVALUATION)
    _document(pilot, EVALUATION_REPORT)
    with pytest.raises(InvalidTransition):
        move_pilot(people["officer"], pilot.id, EXTENDED)
    pilot.ends_on = date.today() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(InvalidTransition) as refused:
        move_pilot(people["officer"], pilot.id, EXTENDED, note="Needs the winter season.")
    assert "end date" in refused.value.message
    pilot.ends_on = date.today() + timedelta(days=90)
    db.session.commit()
    move_pilot(people["officer"], pilot.id, EXTENDED, note="Needs the winter season.")
    assert db.session.get(Pilot, pilot.id).stage == EXTENDED


@pytest.mark.parametrize("role,allowed", [
    ("officer", True), ("owner", True), ("evaluator", True),  # the evaluator is this pilot's owner
    ("publisher", False),
])
def test_who_at_the_agency_may_move_the_pilot(pilot_world, role, allowed):
    pilot, people = pilot_world
    _document(pilot, SIGNED_AGREEMENT)
    if allowed:
        move_pilot(people[role], pilot.id, RUNNING)
        assert db.session.get(Pilot, pilot.id).stage == RUNNING
    else:
        with pytest.raises(NotAllowed):
            move_pilot(people[role], pilot.id, RUNNING)
        assert db.session.get(Pilot, pilot.id).stage == AGREEMENT


def test_the_company_sees_but_cannot_move_and_strangers_get_not_found(pilot_world):
    pilot, people = pilot_world
    _document(pilot, SIGNED_AGREEMENT)
    with pytest.raises(NotAllowed):
        move_pilot(people["company"], pilot.id, RUNNING)
    for stranger in ("other_company", "other_agency"):
        with pytest.raises(NotFound):
            move_pilot(people[stranger], pilot.id, RUNNING)
    with pytest.raises(NotFound):
        move_pilot(people["officer"], pilot.id + 999, RUNNING)
    assert db.session.get(Pilot, pilot.id).stage == AGREEMENT


def test_the_worker_may_only_make_automatic_moves(pilot_world):
    pilot, _ = pilot_world
    _document(pilot, SIGNED_AGREEMENT)
    with pytest.raises(InvalidTransition):
        move_pilot(None, pilot.id, RUNNING)
    _put_in(pilot, RUNNING)
    move_pilot(None, pilot.id, EVALUATION)
    assert db.session.get(Pilot, pilot.id).stage == EVALUATION
    change = db.session.scalars(select(PilotStageChange)).one()
    assert change.actor_id is None


def test_a_move_based_on_an_old_page_is_refused(pilot_world):
    pilot, people = pilot_world
    _document(pilot, SIGNED_AGREEMENT)
    seen = pilot.version
    move_pilot(people["officer"], pilot.id, RUNNING, expected_version=seen)
    with pytest.raises(StaleState):
        move_pilot(people["owner"], pilot.id, EVALUATION, expected_version=seen)
    assert db.session.get(Pilot, pilot.id).stage == RUNNING


def test_available_moves_list_the_open_checklist(pilot_world):
    pilot, people = pilot_world
    moves = pilot_workflow.available_moves(people["officer"], pilot)
    assert [t.target for t, _ in moves] == [RUNNING]
    assert [c.key for c in moves[0][1]] == ["signed_agreement"]
    assert pilot_workflow.available_moves(people["company"], pilot) == []


@pytest.mark.postgres
def test_two_officers_moving_at_once_one_wins_and_the_other_is_told(pilot_world, app):
    """Each officer in their own session and connection, as two web requests would be."""
    pilot, people = pilot_world
    _put_in(pilot, EVALUATION)
    _ready_for_outcome(pilot)
    pilot_id, version = pilot.id, pilot.version
    officer_ids = (people["officer"].id, people["owner"].id)
    barrier = threading.Barrier(2)
    results = {}

    def officer_moves(user_id, target):
        with app.app_context():
            from marketplace.models import User

            user = db.session.get(User, user_id)
            loaded = db.session.get(Pilot, pilot_id)
            assert loaded.stage == EVALUATION
            barrier.wait()
            try:
                move_pilot(user, pilot_id, target, expected_version=version)
                results[target] = "moved"
            except StaleState as exc:
                results[target] = exc.message
            except Exception as exc:  # recorded so the assertion below shows what went wrong
                results[target] = f"{exc.__class__.__name__}: {exc}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=officer_moves, args=(officer_ids[0], ADOPTED)),
               threading.Thread(target=officer_moves, args=(officer_ids[1], STOPPED))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [ADOPTED, STOPPED]
    assert sorted(results.values(), key=lambda v: v != "moved")[0] == "moved"
    assert [v for v in results.values() if v != "moved"][0].startswith("Someone else changed this pilot")
    db.session.expire_all()
    final = db.session.get(Pilot, pilot_id)
    winner = next(t for t, v in results.items() if v == "moved")
    assert final.stage == winner
    assert len(db.session.scalars(select(PilotStageChange)).all()) == 1


def test_an_adoption_says_what_was_learned_and_why_when_the_evidence_falls_short(pilot_world):
    pilot, people = pilot_world
    _put_in(pilot, EVALUATION)
    _ready_for_outcome(pilot)
    pilot.lessons_learned = ""
    db.session.commit()
    with pytest.raises(InvalidTransition) as refused:
        move_pilot(people["officer"], pilot.id, ADOPTED)
    assert "lessons learned" in refused.value.message
    pilot.lessons_learned = "Texts beat calls."
    pilot.measure_outcomes[0].result = PARTLY_MET
    db.session.commit()
    adopt = pilot_workflow.TRANSITIONS_BY_MOVE[(EVALUATION, ADOPTED)]
    assert "partly met or not met" in str(pilot_workflow.note_needed(pilot, adopt))
    with pytest.raises(InvalidTransition) as refused:
        move_pilot(people["officer"], pilot.id, ADOPTED)
    assert "why the solution is adopted" in refused.value.message
    move_pilot(people["officer"], pilot.id, ADOPTED, note="The remaining gap closes with the winter timetable.")
    assert pilot_workflow.outcome_justification(db.session.get(Pilot, pilot.id)) == \
        "The remaining gap closes with the winter timetable."


def test_an_adoption_with_every_measure_met_needs_no_note_and_publishes_none(pilot_world):
    pilot, people = pilot_world
    _put_in(pilot, EVALUATION)
    _ready_for_outcome(pilot)
    move_pilot(people["officer"], pilot.id, ADOPTED, note="Signed off by the board.")
    assert pilot_workflow.outcome_justification(db.session.get(Pilot, pilot.id)) is None


def test_the_next_action_names_the_first_open_item_who_takes_it_and_whether_this_person_can(pilot_world, app):
    pilot, people = pilot_world
    pilot.budget = Decimal(app.config["PILOT_LOW_VALUE_THRESHOLD"]) + 1
    pilot.started_by_id = people["officer"].id
    db.session.commit()
    step = pilot_workflow.next_action(pilot, people["company"])
    assert (step.key, str(step.what), step.yours) == ("signed_agreement", "Upload the signed pilot agreement", True)
    assert pilot.company.name in str(step.who) and [c.key for c in step.open_items] == [
        "signed_agreement", "budget_cleared"]
    _document(pilot, SIGNED_AGREEMENT)
    # The second pair of eyes: the officer who started the pilot is told who must approve, the owner may.
    step = pilot_workflow.next_action(pilot, people["officer"])
    assert (step.key, step.yours) == ("budget_cleared", False) and people["officer"].name in str(step.who)
    assert pilot_workflow.next_action(pilot, people["owner"]).yours is True
    pilot.budget_approved_at, pilot.budget_approved_by_id = utcnow(), people["owner"].id
    db.session.commit()
    step = pilot_workflow.next_action(pilot, people["officer"])
    assert (step.key, str(step.what), step.yours, step.open_items) == (RUNNING, "Start the pilot", True, ())
    assert pilot_workflow.next_action(pilot, people["company"]).yours is False
    _put_in(pilot, RUNNING)
    assert pilot_workflow.next_action(pilot, people["officer"]).key == EVALUATION
    _put_in(pilot, EVALUATION)
    assert pilot_workflow.next_action(pilot, people["officer"]).key == "evaluation_report"
    _ready_for_outcome(pilot)
    assert pilot_workflow.next_action(pilot, people["officer"]).key == ADOPTED
    _put_in(pilot, STOPPED)
    step = pilot_workflow.next_action(pilot, people["officer"])
    assert (step.key, step.who, step.yours) == ("done", None, False)
