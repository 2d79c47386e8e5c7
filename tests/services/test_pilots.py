"""Starting pilots, the budget guardrail, outcomes per success measure, payments, messages, completion."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, PaymentMilestone, Pilot, PilotDocument
from marketplace.models.pilot import ADOPTED, AGREEMENT, EVALUATION, EVALUATION_REPORT, MET, STOPPED
from marketplace.services.pilots import pilots
from marketplace.services.clock import utcnow
from marketplace.services.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from marketplace.services.pilots.pilot_workflow import move_pilot


@pytest.fixture
def selected(f):
    challenge = f.Challenge(status="evaluating", pitch_deadline=utcnow() - timedelta(days=20))
    pitch = f.Pitch(challenge=challenge, status="selected", submitted_at=utcnow() - timedelta(days=21))
    people = {
        "officer": f.member(challenge.agency, "procurement_officer"),
        "owner": f.member(challenge.agency, "owner"),
        "publisher": f.member(challenge.agency, "publisher"),
        "company": f.member(pitch.company, "owner"),
        "stranger": f.member(f.Agency(), "procurement_officer"),
    }
    return pitch, people


def _start(pitch, people, **overrides):
    fields = dict(budget="20000", starts_on=date.today(), ends_on=date.today() + timedelta(days=90),
                  owner_id=people["officer"].id,
                  milestones=[("On signature", "5000", None), ("At the end", "15000", None), ("", "", None)])
    fields.update(overrides)
    return pilots.start_pilot(people["officer"], pitch.id, **fields)


def test_a_selected_pitch_becomes_a_pilot_and_the_challenge_is_piloting(selected):
    pitch, people = selected
    pilot = _start(pitch, people)
    assert pilot.stage == AGREEMENT
    assert pilot.company_id == pitch.company_id
    assert [m.label for m in pilot.milestones] == ["On signature", "At the end"]
    assert pilot.challenge.status == "piloting"
    assert pilot.stage_due_on == utcnow().date() + timedelta(days=14)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "pilot.started" in actions and "challenge.piloting" in actions


@pytest.mark.parametrize("overrides,field", [
    ({"budget": ""}, "budget"),
    ({"budget": "abc"}, "budget"),
    ({"budget": "-5"}, "budget"),
    ({"budget": "1e400"}, "budget"),
    ({"budget": "NaN"}, "budget"),
    ({"ends_on": date.today() - timedelta(days=1)}, "ends_on"),
    ({"starts_on": None}, "starts_on"),
    ({"owner_id": None}, "owner_id"),
    ({"milestones": [("x" * 201, "10", None)]}, "milestones-0"),
    ({"milestones": [("All of it", "30000", None)]}, "milestones"),
])
def test_bad_pilot_details_are_refused_and_nothing_is_written(selected, overrides, field):
    pitch, people = selected
    with pytest.raises(ValidationFailed) as refused:
        _start(pitch, people, **overrides)
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(select(Pilot.id)) is None


def test_the_owner_must_belong_to_the_agency(selected):
    pitch, people = selected
    with pytest.raises(ValidationFailed) as refused:
        _start(pitch, people, owner_id=people["company"].id)
    assert "owner_id" in refused.value.errors


def test_the_owner_is_one_the_start_form_offers_never_an_evaluator(selected, f):
    pitch, people = selected
    evaluator = f.member(pitch.challenge.agency, "evaluator")
    offered = {row.id for row in pilots.possible_owners(pitch.challenge.agency_id)}
    assert offered == {people[who].id for who in ("officer", "owner", "publisher")}
    with pytest.raises(ValidationFailed) as refused:  # the API (or a crafted post) is refused what the form leaves out
        _start(pitch, people, owner_id=evaluator.id)
    assert "owner_id" in refused.value.errors


def test_only_a_selected_pitch_once_and_only_by_an_officer(selected, f):
    pitch, people = selected
    with pytest.raises(NotAllowed):
        pilots.start_pilot(people["publisher"], pitch.id, budget="1000", starts_on=date.today(),
                           ends_on=date.today() + timedelta(days=5), owner_id=people["officer"].id)
    with pytest.raises(NotFound):
        pilots.start_pilot(people["stranger"], pitch.id, budget="1000", starts_on=date.today(),
                           ends_on=date.today() + timedelta(days=5), owner_id=people["officer"].id)
    _start(pitch, people)
    with pytest.raises(Conflict):
        _start(pitch, people)
    other = f.Pitch(challenge=pitch.challenge, status="not_selected")
    with pytest.raises(InvalidTransition):
        _start(other, people)


def test_above_the_threshold_a_justification_and_a_second_approver(selected, app):
    pitch, people = selected
    above = str(app.config["PILOT_LOW_VALUE_THRESHOLD"] + 10000)
    with pytest.raises(ValidationFailed) as refused:
        _start(pitch, people, budget=above, milestones=[])
    assert "justification" in refused.value.errors
    db.session.rollback()
    pilot = _start(pitch, people, budget=above, milestones=[],
                   justification="Two sites are needed to see the effect on missed appointments.")
    with pytest.raises(NotAllowed):
        pilots.approve_budget(people["officer"], pilot.id)  # the one who started it
    with pytest.raises(NotAllowed):
        pilots.approve_budget(people["publisher"], pilot.id)
    pilots.approve_budget(people["owner"], pilot.id)
    assert db.session.get(Pilot, pilot.id).budget_approved_by_id == people["owner"].id


def test_a_low_budget_needs_no_approval(selected):
    pitch, people = selected
    pilot = _start(pitch, people)
    with pytest.raises(InvalidTransition):
        pilots.approve_budget(people["owner"], pilot.id)


def _to_evaluation(pilot, people):
    db.session.add(PilotDocument(pilot_id=pilot.id, kind=EVALUATION_REPORT, filename="r.pdf", stored_name="r",
                                 content_type="application/pdf", size=1, sha256="0" * 64))
    pilot.stage = EVALUATION
    db.session.commit()


def test_outcomes_per_measure_then_adoption_completes_the_challenge(selected):
    pitch, people = selected
    pilot = _start(pitch, people)
    _to_evaluation(pilot, people)
    measure = pilot.challenge.success_measures[0]
    with pytest.raises(ValidationFailed):
        pilots.record_measure_outcome(people["officer"], pilot.id, measure.id, result="great", evidence="")
    with pytest.raises(NotFound):
        pilots.record_measure_outcome(people["officer"], pilot.id, measure.id + 999, result=MET, evidence="x")
    pilots.record_measure_outcome(people["officer"], pilot.id, measure.id, result=MET, evidence="5 % missed.")
    with pytest.raises(ValidationFailed):
        pilots.write_outcome(people["officer"], pilot.id, outcome_summary="Good",
                             follow_on_procurement_url="javascript:alert(1)")
    pilots.write_outcome(people["officer"], pilot.id, outcome_summary="It worked.",
                         lessons_learned="Start with the districts that report most.",
                         follow_on_procurement_url="https://procurement.example.org/notice/1")
    with pytest.raises(NotAllowed):
        pilots.write_outcome(people["company"], pilot.id, outcome_summary="We say it worked.")
    move_pilot(people["officer"], pilot.id, ADOPTED)
    pilot = db.session.get(Pilot, pilot.id)
    assert pilot.challenge.status == "completed"
    with pytest.raises(InvalidTransition):
        pilots.write_outcome(people["officer"], pilot.id, outcome_summary="Changed my mind")


def test_the_challenge_stays_piloting_while_another_pilot_runs(selected, f):
    pitch, people = selected
    second = f.Pitch(challenge=pitch.challenge, status="selected")
    first_pilot = _start(pitch, people)
    _start(second, people)
    _to_evaluation(first_pilot, people)
    measure = first_pilot.challenge.success_measures[0]
    officer = people["officer"]
    pilots.record_measure_outcome(officer, first_pilot.id, measure.id, result="not_met", evidence="No change.")
    pilots.write_outcome(officer, first_pilot.id, outcome_summary="No effect.", lessons_learned="Ask earlier.")
    move_pilot(people["officer"], first_pilot.id, STOPPED)
    assert db.session.get(Pilot, first_pilot.id).challenge.status == "piloting"


def test_payments_and_messages(selected):
    pitch, people = selected
    pilot = _start(pitch, people)
    milestone = pilot.milestones[0]
    with pytest.raises(ValidationFailed):
        pilots.record_payment(people["officer"], pilot.id, milestone.id, paid_amount="5000",
                              paid_on=date.today() + timedelta(days=30))
    pilots.record_payment(people["officer"], pilot.id, milestone.id, paid_amount="5000", paid_on=date.today())
    assert milestone.paid_amount == Decimal("5000.00")
    with pytest.raises(NotAllowed):
        pilots.record_payment(people["company"], pilot.id, milestone.id, paid_amount="1", paid_on=date.today())
    pilots.post_message(people["company"], pilot.id, "When can we install?")
    pilots.post_message(people["officer"], pilot.id, "<script>alert(1)</script> Monday.")
    assert [m.body for m in db.session.get(Pilot, pilot.id).messages][0] == "When can we install?"
    with pytest.raises(ValidationFailed):
        pilots.post_message(people["company"], pilot.id, "x" * 5001)
    with pytest.raises(NotFound):
        pilots.post_message(people["stranger"], pilot.id, "Hello")


def _paying_pilot(selected, f):
    """A running pilot of €20,000 with two milestones of €10,000."""
    pitch, people = selected
    pilot = pilots.start_pilot(people["officer"], pitch.id, budget="20000", starts_on=date.today(),
                               ends_on=date.today() + timedelta(days=60), owner_id=people["officer"].id,
                               milestones=[("Start", "10000", None), ("End", "10000", None)])
    return pilot, people


def test_money_adds_up_and_a_payment_above_the_approved_budget_is_refused(selected, f):
    pilot, people = _paying_pilot(selected, f)
    first, second = pilot.milestones
    pilots.record_payment(people["officer"], pilot.id, first.id, paid_amount="12000", paid_on=date.today())
    money = pilots.money_of(pilot)
    assert (money.approved, money.planned, money.paid, money.remaining) == (20000, 20000, 12000, 8000)
    with pytest.raises(ValidationFailed) as refused:
        pilots.record_payment(people["officer"], pilot.id, second.id, paid_amount="10000", paid_on=date.today())
    assert "above the approved budget" in str(refused.value.errors["paid_amount"])
    assert db.session.get(PaymentMilestone, second.id).paid_amount is None  # nothing half-written
    # Correcting the first payment is not counted twice.
    pilots.record_payment(people["officer"], pilot.id, first.id, paid_amount="10000", paid_on=date.today())
    pilots.record_payment(people["officer"], pilot.id, second.id, paid_amount="10000", paid_on=date.today())
    assert pilots.money_of(pilot).remaining == 0


def test_a_budget_increase_counts_once_a_second_person_approved_it(selected, f):
    pilot, people = _paying_pilot(selected, f)
    first, second = pilot.milestones
    pilots.record_payment(people["officer"], pilot.id, first.id, paid_amount="12000", paid_on=date.today())
    with pytest.raises(ValidationFailed):
        pilots.request_budget_increase(people["officer"], pilot.id, amount="2000", justification="More")
    increase = pilots.request_budget_increase(people["officer"], pilot.id, amount="2000",
                                              justification="Winter doubled the number of sites.")
    assert pilots.money_of(pilot).approved == 20000 and pilots.money_of(pilot).pending_increase == 2000
    with pytest.raises(ValidationFailed):
        pilots.record_payment(people["officer"], pilot.id, second.id, paid_amount="10000", paid_on=date.today())
    with pytest.raises(NotAllowed):
        pilots.approve_budget_increase(people["officer"], pilot.id, increase.id)
    with pytest.raises(NotAllowed):
        pilots.approve_budget_increase(people["company"], pilot.id, increase.id)  # sees the pilot, approves nothing
    pilots.approve_budget_increase(people["owner"], pilot.id, increase.id)
    pilots.record_payment(people["officer"], pilot.id, second.id, paid_amount="10000", paid_on=date.today())
    assert pilots.money_of(pilot).approved == 22000 and pilots.money_of(pilot).remaining == 0


def test_after_the_outcome_only_what_was_planned_is_paid(selected, f):
    pilot, people = _paying_pilot(selected, f)
    first, _ = pilot.milestones
    pilot.stage = ADOPTED
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        pilots.record_payment(people["officer"], pilot.id, first.id, paid_amount="10500", paid_on=date.today())
    assert "only what was planned before it" in str(refused.value.errors["paid_amount"])
    pilots.record_payment(people["officer"], pilot.id, first.id, paid_amount="10000", paid_on=date.today())
    with pytest.raises(InvalidTransition):
        pilots.request_budget_increase(people["officer"], pilot.id, amount="100", justification="x" * 30)


def test_the_end_date_moves_before_the_outcome_and_a_running_stage_is_due_with_it(selected):
    pitch, people = selected
    pilot = _start(pitch, people)
    pilot.stage = "running"
    db.session.commit()
    later = pilot.ends_on + timedelta(days=30)
    with pytest.raises(ValidationFailed) as refused:
        pilots.change_end_date(people["officer"], pilot.id, ends_on=pilot.starts_on)
    assert "ends_on" in refused.value.errors
    with pytest.raises(NotAllowed):
        pilots.change_end_date(people["company"], pilot.id, ends_on=later)
    pilots.change_end_date(people["officer"], pilot.id, ends_on=later)
    assert (pilot.ends_on, pilot.stage_due_on) == (later, later)
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pilot.end_date_changed")).one()
    assert audit.after["ends_on"] == later.isoformat()
    pilot.stage = STOPPED
    db.session.commit()
    with pytest.raises(InvalidTransition):
        pilots.change_end_date(people["officer"], pilot.id, ends_on=later + timedelta(days=1))


def test_a_conflict_of_interest_keeps_from_approving_a_pilots_budget_and_its_increases(selected, app, f):
    """The second pair of eyes on a pilot's money is one of the decisions that remain after the evaluation, as
    starting the pilot: a panel member who declared a conflict of interest, or has not declared, may not approve
    its budget nor an increase, and is told why; the agency's owner (off the panel) may."""
    from marketplace.models import Evaluation
    from marketplace.services.evaluation import evaluation
    from marketplace.services.pilots.pilot_workflow import (CONFLICTED_APPROVER, UNDECLARED_APPROVER,
                                                            may_approve_budget, may_approve_increase)

    pitch, people = selected
    db.session.add(Evaluation(challenge_id=pitch.challenge_id, started_by_id=people["officer"].id))
    db.session.commit()
    evaluation.declare_conflict(people["officer"], pitch.challenge_id, conflicted=False)
    conflicted, undeclared = (f.member(pitch.challenge.agency, "procurement_officer") for _ in range(2))
    evaluation.declare_conflict(conflicted, pitch.challenge_id, conflicted=True, note="My cousin runs the company.")
    above = str(app.config["PILOT_LOW_VALUE_THRESHOLD"] + 10000)
    pilot = _start(pitch, people, budget=above, milestones=[], justification="Two sites are needed.")
    for person, why in ((conflicted, CONFLICTED_APPROVER), (undeclared, UNDECLARED_APPROVER)):
        assert not may_approve_budget(person, pilot)
        with pytest.raises(NotAllowed) as refused:
            pilots.approve_budget(person, pilot.id)
        assert str(refused.value) == str(why)
        db.session.rollback()
    pilots.approve_budget(people["owner"], pilot.id)
    increase = pilots.request_budget_increase(people["officer"], pilot.id, amount="5000",
                                              justification="A third site is needed for the effect.")
    for person, why in ((conflicted, CONFLICTED_APPROVER), (undeclared, UNDECLARED_APPROVER)):
        assert not may_approve_increase(person, pilot, increase)
        with pytest.raises(NotAllowed) as refused:
            pilots.approve_budget_increase(person, pilot.id, increase.id)
        assert str(refused.value) == str(why)
        db.session.rollback()
    assert pilots.approve_budget_increase(people["owner"], pilot.id, increase.id).approved_by_id == people["owner"].id
