"""Evaluation: conflicts first, blind scoring, ranking with spread, finalising, decisions and feedback."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import OutboxEvent, Pitch, PitchAssessment, Score
from marketplace.services.evaluation import evaluation
from marketplace.services.clock import utcnow
from marketplace.services.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed


@pytest.fixture
def closed(f):
    challenge = f.Challenge(status="closed", pitch_deadline=utcnow() - timedelta(days=1))
    agency = challenge.agency
    pitches = [f.Pitch(challenge=challenge, status="submitted", company=f.Company(name=f"Secret Name {i}"))
               for i in range(3)]
    f.Pitch(challenge=challenge, status="draft")  # never submitted: not evaluated
    f.Pitch(challenge=challenge, status="withdrawn")
    people = {
        "officer": f.member(agency, "procurement_officer"),
        "alice": f.member(agency, "evaluator"),
        "bob": f.member(agency, "evaluator"),
        "carol": f.member(agency, "evaluator"),
        "publisher": f.member(agency, "publisher"),
        "company": f.member(pitches[0].company, "owner"),
        "stranger": f.member(f.Agency(), "evaluator"),
    }
    return challenge, pitches, people


def _started(closed):
    challenge, pitches, people = closed
    evaluation.start_evaluation(people["officer"], challenge.id)
    return challenge, pitches, people


def _score_all(user, challenge, marks):
    """marks: {label: [score per criterion]}"""
    for view in evaluation.assessments(user, challenge.id):
        for criterion, mark in zip(challenge.criteria, marks[view["label"]]):
            evaluation.score_pitch(user, view["assessment_id"], criterion.id, score=mark, comment=f"{mark} points")


def test_starting_labels_received_pitches_only_and_moves_the_challenge(closed):
    challenge, pitches, people = _started(closed)
    rows = db.session.scalars(select(PitchAssessment)).all()
    assert sorted(r.label for r in rows) == ["A", "B", "C"]
    assert {r.pitch_id for r in rows} == {p.id for p in pitches}
    assert challenge.status == "evaluating"
    with pytest.raises(Conflict):
        evaluation.start_evaluation(people["officer"], challenge.id)


def test_only_an_officer_starts_and_only_after_closing(closed, f):
    challenge, _, people = closed
    with pytest.raises(NotAllowed):
        evaluation.start_evaluation(people["alice"], challenge.id)
    with pytest.raises(NotFound):
        evaluation.start_evaluation(people["stranger"], challenge.id)
    with pytest.raises(NotFound):
        evaluation.start_evaluation(people["company"], challenge.id)
    open_challenge = f.Challenge(agency=challenge.agency, status="published")
    with pytest.raises(InvalidTransition):
        evaluation.start_evaluation(people["officer"], open_challenge.id)


def test_the_first_round_is_blind(closed):
    challenge, _, people = _started(closed)
    with pytest.raises(NotAllowed):
        evaluation.assessments(people["alice"], challenge.id)  # no declaration yet
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    views = evaluation.assessments(people["alice"], challenge.id)
    assert len(views) == 3
    for view in views:
        assert "company_name" not in view and "team" not in view and "pitch_id" not in view
        assert "Secret Name" not in repr(view)


def test_a_conflicted_evaluator_is_recused_and_sees_nothing(closed):
    challenge, _, people = _started(closed)
    with pytest.raises(ValidationFailed):
        evaluation.declare_conflict(people["bob"], challenge.id, conflicted=True, note="")
    evaluation.declare_conflict(people["bob"], challenge.id, conflicted=True, note="My brother works at one of them.")
    with pytest.raises(NotAllowed):
        evaluation.assessments(people["bob"], challenge.id)
    assessment = db.session.scalars(select(PitchAssessment)).first()
    with pytest.raises(NotAllowed):
        evaluation.score_pitch(people["bob"], assessment.id, challenge.criteria[0].id, score=5)
    with pytest.raises(Conflict):
        evaluation.declare_conflict(people["bob"], challenge.id, conflicted=False)


def test_scores_must_be_whole_numbers_from_0_to_5_on_published_criteria(closed):
    challenge, _, people = _started(closed)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    assessment = db.session.scalars(select(PitchAssessment)).first()
    criterion = challenge.criteria[0]
    for bad in (6, -1, "3.5", "", None, "five", "1; DROP TABLE evaluation_scores"):
        with pytest.raises(ValidationFailed):
            evaluation.score_pitch(people["alice"], assessment.id, criterion.id, score=bad)
    with pytest.raises(ValidationFailed):
        evaluation.score_pitch(people["alice"], assessment.id, criterion.id, score=3, comment="x" * 2001)
    with pytest.raises(NotFound):
        evaluation.score_pitch(people["alice"], assessment.id, criterion.id + 999, score=3)
    with pytest.raises(NotAllowed):
        evaluation.score_pitch(people["publisher"], assessment.id, criterion.id, score=3)
    assert db.session.scalar(select(Score.id)) is None
    evaluation.score_pitch(people["alice"], assessment.id, criterion.id, score="4", comment="Clear approach.")
    evaluation.score_pitch(people["alice"], assessment.id, criterion.id, score=5, comment="Clearer on reading again.")
    assert [(s.score, s.comment) for s in db.session.scalars(select(Score))] == [(5, "Clearer on reading again.")]


def test_ranking_by_weighted_mean_with_spread_and_recused_scores_left_out(closed):
    challenge, _, people = _started(closed)
    for name in ("alice", "carol"):
        evaluation.declare_conflict(people[name], challenge.id, conflicted=False)
    # weights 60 / 40
    _score_all(people["alice"], challenge, {"A": [5, 5], "B": [2, 4], "C": [1, 1]})
    _score_all(people["carol"], challenge, {"A": [3, 3], "B": [2, 4], "C": [1, 1]})
    rows = evaluation.ranking(people["officer"], challenge.id)
    assert [r["label"] for r in rows] == ["A", "B", "C"]
    assert str(rows[0]["weighted_mean"]) == "4.00" and str(rows[0]["spread"]) == "2.00"
    assert str(rows[1]["weighted_mean"]) == "2.80" and str(rows[1]["spread"]) == "0.00"
    assert rows[0]["evaluators"] == 2
    # Carol then finds a conflict: her scores stop counting.
    evaluation.declare_conflict(people["carol"], challenge.id, conflicted=True, note="Former employer.")
    rows = evaluation.ranking(people["officer"], challenge.id)
    assert str(rows[0]["weighted_mean"]) == "5.00" and rows[0]["evaluators"] == 1
    with pytest.raises(NotAllowed):
        evaluation.ranking(people["alice"], challenge.id)


def test_after_finalising_no_score_changes_and_names_are_revealed(closed):
    challenge, _, people = _started(closed)
    with pytest.raises(InvalidTransition):
        evaluation.finalise_evaluation(people["officer"], challenge.id)  # nothing scored
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    _score_all(people["alice"], challenge, {"A": [5, 5], "B": [2, 4], "C": [1, 1]})
    evaluation.finalise_evaluation(people["officer"], challenge.id)
    assessment = db.session.scalars(select(PitchAssessment)).first()
    with pytest.raises(InvalidTransition):
        evaluation.score_pitch(people["alice"], assessment.id, challenge.criteria[0].id, score=0)
    views = evaluation.assessments(people["alice"], challenge.id)
    assert all(v["company_name"].startswith("Secret Name") for v in views)


def test_decisions_need_feedback_for_the_not_selected_and_are_sent_once(closed):
    challenge, pitches, people = _started(closed)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    _score_all(people["alice"], challenge, {"A": [5, 5], "B": [2, 4], "C": [1, 1]})
    rows = {r.label: r for r in db.session.scalars(select(PitchAssessment))}
    with pytest.raises(InvalidTransition):
        evaluation.decide(people["officer"], rows["A"].id, decision="selected")  # not finalised
    evaluation.finalise_evaluation(people["officer"], challenge.id)
    draft = evaluation.draft_feedback(rows["C"])
    assert "Fit to the problem:" in draft and "- 1 points" in draft
    with pytest.raises(ValidationFailed):
        evaluation.decide(people["officer"], rows["C"].id, decision="not_selected", feedback="  ")
    with pytest.raises(ValidationFailed):
        evaluation.decide(people["officer"], rows["C"].id, decision="winner")
    with pytest.raises(NotAllowed):
        evaluation.decide(people["alice"], rows["A"].id, decision="selected")
    evaluation.decide(people["officer"], rows["A"].id, decision="selected")
    evaluation.decide(people["officer"], rows["B"].id, decision="shortlisted", feedback="Promising.")
    with pytest.raises(InvalidTransition):
        evaluation.publish_decisions(people["officer"], challenge.id)  # C undecided
    evaluation.decide(people["officer"], rows["C"].id, decision="not_selected", feedback=draft)
    evaluation.publish_decisions(people["officer"], challenge.id)
    statuses = {r.label: db.session.get(Pitch, r.pitch_id).status for r in rows.values()}
    assert statuses == {"A": "selected", "B": "shortlisted", "C": "not_selected"}
    assert len(db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "pitch.decided")).all()) == 3
    with pytest.raises(Conflict):
        evaluation.publish_decisions(people["officer"], challenge.id)
    with pytest.raises(InvalidTransition):
        evaluation.decide(people["officer"], rows["C"].id, decision="selected")


def test_a_company_learns_only_its_own_outcome(closed):
    challenge, pitches, people = _started(closed)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    _score_all(people["alice"], challenge, {"A": [5, 5], "B": [2, 4], "C": [1, 1]})
    evaluation.finalise_evaluation(people["officer"], challenge.id)
    for row in db.session.scalars(select(PitchAssessment)):
        evaluation.decide(people["officer"], row.id, decision="not_selected", feedback=f"Feedback for {row.label}")
    assert evaluation.outcome_for_company(people["company"], pitches[0]) is None  # not sent yet
    evaluation.publish_decisions(people["officer"], challenge.id)
    own = evaluation.outcome_for_company(people["company"], pitches[0])
    label = db.session.scalar(select(PitchAssessment.label).where(PitchAssessment.pitch_id == pitches[0].id))
    assert own == {"decision": "not_selected", "feedback": f"Feedback for {label}"}
    assert "score" not in repr(own)
    with pytest.raises(NotFound):
        evaluation.outcome_for_company(people["company"], pitches[1])


def test_a_scoring_sheet_is_saved_whole_or_not_at_all(closed):
    challenge, _, people = _started(closed)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    assessment = db.session.scalars(select(PitchAssessment)).first()
    first, second = challenge.criteria
    with pytest.raises(ValidationFailed) as refused:
        evaluation.score_sheet(people["alice"], assessment.id, {first.id: ("4", "Good"), second.id: ("9", "")})
    assert list(refused.value.errors) == [f"score-{second.id}"]
    assert db.session.scalar(select(Score.id)) is None
    evaluation.score_sheet(people["alice"], assessment.id, {first.id: ("4", "Good"), second.id: ("2", "Dear")})
    mine = evaluation.my_scores(people["alice"], challenge)
    assert {k: v.score for k, v in mine.items()} == {(assessment.id, first.id): 4, (assessment.id, second.id): 2}
    assert evaluation.my_scores(people["carol"], challenge) == {}


def test_each_company_is_told_its_own_outcome_and_feedback(closed, smtp_sink):
    from marketplace.models import Notification
    from marketplace.services.messaging.outbox import process_pending

    challenge, pitches, people = _started(closed)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    _score_all(people["alice"], challenge, {"A": [5, 5], "B": [2, 4], "C": [1, 1]})
    evaluation.finalise_evaluation(people["officer"], challenge.id)
    for row in db.session.scalars(select(PitchAssessment)):
        evaluation.decide(people["officer"], row.id, decision="not_selected", feedback=f"Feedback {row.label}")
    evaluation.publish_decisions(people["officer"], challenge.id)
    process_pending()
    process_pending()
    notes = db.session.scalars(select(Notification).where(Notification.kind == "pitch.decided")).all()
    assert [n.user_id for n in notes] == [people["company"].id]
    label = db.session.scalar(select(PitchAssessment.label).where(PitchAssessment.pitch_id == pitches[0].id))
    assert notes[0].body == f"Feedback {label}" and "was not selected" in notes[0].title
    assert [m["To"] for m in smtp_sink.messages] == [people["company"].email]
