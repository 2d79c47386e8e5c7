"""A whole marketplace lifecycle, driven through the services with known times, for the open-data tests.

One call for solutions goes from publishing to two answered questions, four
pitches (one withdrawn, one left as a draft), closing, a blind evaluation,
decisions, two pilots through their stages (one adopted with a payment, one
stopped) and completion. Beside it: a market consultation that ends with its
summary, a challenge cancelled a day after publishing, and drafts that never
went live. Every secret the open data must keep is planted with a word that
is easy to look for.
"""
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

from freezegun import freeze_time

from marketplace.extensions import db
from marketplace.models import PilotDocument
from marketplace.models.pilot import EVALUATION_REPORT, SIGNED_AGREEMENT
from marketplace.services.challenges import challenges, deadlines, questions
from marketplace.services.evaluation import evaluation
from marketplace.services.pilots import pilot_workflow, pilots
from marketplace.services.pitches import pitches, seal
from marketplace.services.clock import utcnow

SECRETS = ("SECRET-SCORE-COMMENT", "SECRET-FEEDBACK", "SECRET-APPROACH", "SECRET-EVIDENCE", "SECRET-TEAM",
           "SECRET-UNSELECTED-TITLE", "SECRET-JUSTIFICATION", "SECRET-MESSAGE", "SECRET-DRAFT", "Evelyn Evaluator",
           "Olivia Officer", "Paula Publisher", "Quentin Quizzer", "Withdrawn Works", "Drafty Devices",
           "Curious Questions Ltd", "SECRET-CONFLICT-NOTE", "@example.org")


@dataclass
class World:
    start: object
    times: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    companies: dict = field(default_factory=dict)
    challenge: object = None
    consultation: object = None
    cancelled: object = None
    drafts: list = field(default_factory=list)
    pilots: dict = field(default_factory=dict)
    questions: dict = field(default_factory=dict)
    pitches: dict = field(default_factory=dict)


def _challenge_data(title, deadline, kind="call_for_solutions"):
    return {
        "kind": kind, "title": title, "summary": f"{title}: the summary.", "problem_statement": "The **problem**.",
        "sectors": ["72", "48"], "budget_min": "10000", "budget_max": "40000", "pilot_duration_weeks": "12",
        "pitch_deadline": deadline, "question_deadline": deadline - timedelta(days=10),
        "criteria": [{"name": "Fit to the problem", "description": "How well it solves it.", "weight": 60},
                     {"name": "Price", "description": "", "weight": 40}],
        "success_measures": [{"measure": "Missed appointments", "baseline": "12 %", "target": "6 %"},
                             {"measure": "Staff hours", "baseline": "40", "target": "25"}],
    }


def _pitch(user, slug, title, price=25000):
    pitch = pitches.save_draft(user, slug, {
        "title": title, "summary": f"{title}: summary.", "approach": "SECRET-APPROACH", "evidence": "SECRET-EVIDENCE",
        "team": "SECRET-TEAM", "trl": "7", "pilot_price": str(price), "pilot_duration_weeks": "10"})
    return pitches.submit_pitch(user, pitch.id)


def _document(pilot, kind):
    db.session.add(PilotDocument(pilot_id=pilot.id, kind=kind, filename=f"{kind}.pdf",
                                 stored_name=f"{kind}-{pilot.id}", content_type="application/pdf", size=10,
                                 sha256="0" * 64))
    db.session.commit()


def _judge(officer, pilot, result, **outcome):
    for measure in pilot.challenge.success_measures:
        pilots.record_measure_outcome(officer, pilot.id, measure.id, result=result, evidence="Measured for 8 weeks.")
    pilots.write_outcome(officer, pilot.id, **outcome)


def build(f):
    """The world; times are whole minutes from `start`, a day before now (pitches are timed by the database)."""
    start = utcnow().replace(second=0, microsecond=0) - timedelta(days=1)
    w = World(start=start)
    at = lambda **delta: start + timedelta(**delta)  # noqa: E731
    agency = f.Agency(name="Water Agency", website="https://water.example.be")
    w.people = {
        "publisher": f.member(agency, "publisher", name="Paula Publisher"),
        "officer": f.member(agency, "procurement_officer", name="Olivia Officer"),
        "evaluator": f.member(agency, "evaluator", name="Evelyn Evaluator"),
    }
    sizes = {"Alpha Analytics": "small", "Beta Bytes": "micro", "Gamma Group": "large", "Withdrawn Works": "medium",
             "Drafty Devices": "small", "Curious Questions Ltd": "small"}
    for name, size in sizes.items():
        # Alpha's enterprise number as people type it; Beta's is no Belgian number (no identifier by default).
        company = f.Company(name=name, size=size, registration_number={"Alpha Analytics": "BE 0403.170.701",
                                                                       "Beta Bytes": "HRB 12345"}.get(name))
        w.companies[name] = SimpleNamespace(org=company, user=f.member(company, "owner",
                                                                       name="Quentin Quizzer" if "Curious" in name
                                                                       else f"Owner of {name}"))
    publisher, officer, evaluator = w.people["publisher"], w.people["officer"], w.people["evaluator"]
    member = {name: c.user for name, c in w.companies.items()}

    # The seal reads the database clock, which no test can move: in this simulated month it reads the frozen one.
    with freeze_time(at()) as clock, mock.patch.object(seal, "database_now", utcnow):
        deadline = at(days=30)
        w.challenge = challenges.create_draft(publisher, _challenge_data("Fewer missed appointments", deadline))
        challenges.publish_challenge(publisher, w.challenge.slug)
        w.times["published"] = at()
        consultation = _challenge_data("What can sensors do", at(days=20), kind="market_consultation")
        w.consultation = challenges.create_draft(publisher, {**consultation, "criteria": [], "success_measures": []})
        challenges.publish_challenge(publisher, w.consultation.slug)
        w.drafts.append(challenges.create_draft(publisher, _challenge_data("SECRET-DRAFT title", deadline)))
        never_live = challenges.create_draft(publisher, _challenge_data("SECRET-DRAFT cancelled", deadline))
        challenges.cancel_challenge(publisher, never_live.slug, "SECRET-DRAFT reason")
        w.drafts.append(never_live)

        clock.move_to(at(hours=1))
        w.questions["slow"] = questions.ask_question(member["Curious Questions Ltd"], w.challenge.slug,
                                                     "Can the pilot start in spring?")
        clock.move_to(at(hours=2))
        w.questions["fast"] = questions.ask_question(member["Alpha Analytics"], w.challenge.slug, "Which hospitals?")
        w.questions["open"] = questions.ask_question(member["Beta Bytes"], w.challenge.slug, "Unanswered, so private")
        clock.move_to(at(hours=4))
        questions.answer_question(publisher, w.questions["fast"].id, "Three in Liège.")
        clock.move_to(at(hours=31))
        questions.answer_question(publisher, w.questions["slow"].id, "Yes, from March.")

        clock.move_to(at(days=1))
        w.cancelled = challenges.create_draft(publisher, _challenge_data("Quieter night buses", at(days=40)))
        challenges.publish_challenge(publisher, w.cancelled.slug)
        clock.move_to(at(days=2))
        challenges.cancel_challenge(publisher, w.cancelled.slug, "The bus lines are being merged.")
        w.times["cancelled"] = at(days=2)

        clock.move_to(at(days=3))
        w.pitches["alpha"] = _pitch(member["Alpha Analytics"], w.challenge.slug, "Two-way text reminders", 20000)
        w.pitches["beta"] = _pitch(member["Beta Bytes"], w.challenge.slug, "Smart waiting lists", 9000)
        w.pitches["gamma"] = _pitch(member["Gamma Group"], w.challenge.slug, "SECRET-UNSELECTED-TITLE")
        withdrawn = _pitch(member["Withdrawn Works"], w.challenge.slug, "SECRET-WITHDRAWN pitch")
        pitches.withdraw_pitch(member["Withdrawn Works"], withdrawn.id)
        pitches.save_draft(member["Drafty Devices"], w.challenge.slug, {"title": "SECRET-DRAFT pitch"})
        w.pitches["consulted"] = _pitch(member["Beta Bytes"], w.consultation.slug, "Sensors we sell")

        clock.move_to(at(days=20, minutes=1))
        deadlines.close_due_challenges()
        clock.move_to(at(days=21))
        challenges.publish_consultation_summary(publisher, w.consultation.slug, "Four products exist.")
        w.times["consultation_completed"] = at(days=21)

        clock.move_to(at(days=30, minutes=1))
        deadlines.close_due_challenges()
        w.times["closed"] = at(days=30, minutes=1)
        clock.move_to(at(days=31))
        evaluation.start_evaluation(officer, w.challenge.id)
        evaluation.declare_conflict(officer, w.challenge.id, conflicted=False)  # on the panel: before the ranking
        evaluation.declare_conflict(evaluator, w.challenge.id, conflicted=False, note="SECRET-CONFLICT-NOTE")
        for view in evaluation.assessments(evaluator, w.challenge.id):
            evaluation.score_sheet(evaluator, view["assessment_id"], {
                c.id: (4, "SECRET-SCORE-COMMENT") for c in w.challenge.criteria})
        evaluation.finalise_evaluation(officer, w.challenge.id)
        decisions = {w.pitches["alpha"].id: "selected", w.pitches["beta"].id: "selected",
                     w.pitches["gamma"].id: "not_selected"}
        for view in evaluation.assessments(officer, w.challenge.id):
            evaluation.decide(officer, view["assessment_id"], decision=decisions[view["pitch_id"]],
                              feedback="SECRET-FEEDBACK", confirmed=True)
        clock.move_to(at(days=32))
        evaluation.publish_decisions(officer, w.challenge.id)
        w.times["awarded"] = at(days=32)

        clock.move_to(at(days=33))
        w.pilots["adopted"] = pilots.start_pilot(
            officer, w.pitches["alpha"].id, budget="20000", starts_on=at(days=40).date(), ends_on=at(days=100).date(),
            owner_id=officer.id, justification="SECRET-JUSTIFICATION",
            milestones=[("Kick-off", "5000", at(days=40).date()), ("Final report", "15000", at(days=100).date())])
        w.pilots["stopped"] = pilots.start_pilot(
            officer, w.pitches["beta"].id, budget="9000", starts_on=at(days=45).date(), ends_on=at(days=90).date(),
            owner_id=officer.id)
        adopted, stopped = w.pilots["adopted"], w.pilots["stopped"]
        pilots.post_message(officer, adopted.id, "SECRET-MESSAGE")
        clock.move_to(at(days=34))
        _document(adopted, SIGNED_AGREEMENT)
        pilot_workflow.move_pilot(officer, adopted.id, "running", note="Signed.")
        w.times["adopted_running"] = at(days=34)
        clock.move_to(at(days=35))
        _document(stopped, SIGNED_AGREEMENT)
        pilot_workflow.move_pilot(officer, stopped.id, "running")
        clock.move_to(at(days=41))
        pilots.record_payment(officer, adopted.id, adopted.milestones[0].id, paid_amount="5000",
                              paid_on=at(days=40).date())
        w.times["paid"] = at(days=41)
        clock.move_to(at(days=60))
        pilot_workflow.move_pilot(None, adopted.id, "evaluation")
        pilot_workflow.move_pilot(None, stopped.id, "evaluation")
        for day, pilot, result, outcome, summary, lessons in (
                (61, adopted, "met", "adopted", "Missed appointments halved.", "Texts beat calls."),
                (62, stopped, "not_met", "stopped", "Nobody used the lists.", "Ask the nurses first.")):
            clock.move_to(at(days=day))
            _document(pilot, EVALUATION_REPORT)
            _judge(officer, pilot, result, outcome_summary=summary, lessons_learned=lessons)
            pilot_workflow.move_pilot(officer, pilot.id, outcome)
            w.times[outcome] = at(days=day)
        w.times["completed"] = w.times["stopped"]
    w.end = at(days=63)
    for obj in (w.challenge, w.consultation, w.cancelled, *w.pilots.values()):
        db.session.refresh(obj)
    return w
