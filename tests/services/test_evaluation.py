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
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=False)  # on the panel: conflicts first
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


def test_an_officer_on_the_panel_sees_no_ranking_before_declaring(closed, f):
    from marketplace.services.errors import Withheld

    challenge, _, people = _started(closed)
    officer = f.member(challenge.agency, "procurement_officer")  # on the panel, not declared yet
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    _score_all(people["alice"], challenge, {"A": [5, 5], "B": [2, 4], "C": [1, 1]})
    for refused in (lambda: evaluation.ranking(officer, challenge.id),
                    lambda: evaluation.finalise_evaluation(officer, challenge.id),
                    lambda: evaluation.assessments(officer, challenge.id)):
        with pytest.raises(Withheld) as withheld:
            refused()
        assert withheld.value.reason == "undeclared"  # the pitch pages' answer: declare first
    owner = f.member(challenge.agency, "owner")  # runs it without sitting on the panel: declares nothing
    assert [r["label"] for r in evaluation.ranking(owner, challenge.id)] == ["A", "B", "C"]
    evaluation.declare_conflict(officer, challenge.id, conflicted=False)
    assert len(evaluation.ranking(officer, challenge.id)) == 3


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


def _finalised(closed):
    challenge, pitches, people = _started(closed)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    _score_all(people["alice"], challenge, {"A": [5, 5], "B": [2, 4], "C": [1, 1]})
    evaluation.finalise_evaluation(people["officer"], challenge.id)
    rows = {r.label: r for r in db.session.scalars(select(PitchAssessment))}
    return challenge, pitches, people, rows


def _statuses(rows):
    return {label: db.session.get(Pitch, r.pitch_id).status for label, r in rows.items()}


def _refusal(officer, challenge):
    with pytest.raises(InvalidTransition) as refused:
        evaluation.publish_decisions(officer, challenge.id)
    return str(refused.value.message)


def test_one_round_without_a_shortlist_needs_feedback_confirmed_and_is_sent_once(closed):
    challenge, pitches, people = _started(closed)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    _score_all(people["alice"], challenge, {"A": [5, 5], "B": [2, 4], "C": [1, 1]})
    rows = {r.label: r for r in db.session.scalars(select(PitchAssessment))}
    with pytest.raises(InvalidTransition):
        evaluation.decide(people["officer"], rows["A"].id, decision="selected")  # not finalised
    officer = people["officer"]
    evaluation.finalise_evaluation(officer, challenge.id)
    draft = evaluation.draft_feedback(rows["C"])
    assert "Fit to the problem:" in draft and "- 1 points" in draft
    with pytest.raises(ValidationFailed):
        evaluation.decide(officer, rows["C"].id, decision="not_selected", feedback="  ")
    with pytest.raises(ValidationFailed):
        evaluation.decide(officer, rows["C"].id, decision="winner")
    with pytest.raises(NotAllowed):
        evaluation.decide(people["alice"], rows["A"].id, decision="selected")
    evaluation.decide(officer, rows["A"].id, decision="selected", feedback="Strong fit.", confirmed=True)
    evaluation.decide(officer, rows["B"].id, decision="not_selected", feedback="Costly.", confirmed=True)
    assert "C" in _refusal(officer, challenge)  # C undecided
    evaluation.decide(officer, rows["C"].id, decision="not_selected", feedback=draft)  # not confirmed
    assert len(evaluation.sending_for(challenge).reasons) == 1  # only the confirmation is missing
    assert "confirm the feedback" in _refusal(officer, challenge) and "C" in _refusal(officer, challenge)
    # Saving the same text again without ticking keeps nothing back; ticking confirms it.
    evaluation.decide(officer, rows["C"].id, decision="not_selected", feedback=draft, confirmed=True)
    plan = evaluation.sending_for(challenge)
    assert plan.possible and not plan.shortlist and plan.round == 1
    evaluation.publish_decisions(officer, challenge.id)
    assert _statuses(rows) == {"A": "selected", "B": "not_selected", "C": "not_selected"}
    assert evaluation.evaluation_of(challenge).decisions_published_at is not None  # awarded: final
    assert evaluation.evaluation_of(challenge).shortlist_sent_at is None
    assert len(db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "pitch.decided")).all()) == 3
    with pytest.raises(Conflict):
        evaluation.publish_decisions(officer, challenge.id)
    with pytest.raises(InvalidTransition):
        evaluation.decide(officer, rows["C"].id, decision="selected")


def test_changing_a_confirmed_text_or_decision_takes_the_confirmation_back(closed):
    challenge, _, people, rows = _finalised(closed)
    officer = people["officer"]
    evaluation.decide(officer, rows["A"].id, decision="not_selected", feedback="Too costly.", confirmed=True)
    assert rows["A"].feedback_confirmed_at is not None
    evaluation.decide(officer, rows["A"].id, decision="not_selected", feedback="Too costly.")  # unchanged
    assert rows["A"].feedback_confirmed_at is not None
    evaluation.decide(officer, rows["A"].id, decision="not_selected", feedback="Too costly by far.")
    assert rows["A"].feedback_confirmed_at is None
    evaluation.decide(officer, rows["A"].id, decision="not_selected", feedback="Too costly by far.", confirmed=True)
    evaluation.decide(officer, rows["A"].id, decision="selected", feedback="Too costly by far.")
    assert rows["A"].feedback_confirmed_at is None
    evaluation.decide(officer, rows["A"].id, decision="shortlisted", confirmed=True)  # a step: nothing to confirm
    assert rows["A"].feedback_confirmed_at is None


def test_two_rounds_shortlist_then_final_decisions_then_a_pilot(closed):
    from marketplace.services.pilots import pilots

    challenge, pitches, people, rows = _finalised(closed)
    officer = people["officer"]
    evaluation.decide(officer, rows["A"].id, decision="shortlisted")
    evaluation.decide(officer, rows["B"].id, decision="selected", feedback="Good.", confirmed=True)
    evaluation.decide(officer, rows["C"].id, decision="not_selected", feedback="Off the problem.", confirmed=True)
    assert "selecting comes after the pitch sessions" in _refusal(officer, challenge)
    evaluation.decide(officer, rows["B"].id, decision="shortlisted")
    plan = evaluation.sending_for(challenge)
    assert plan.possible and plan.shortlist and plan.round == 1
    evaluation.publish_decisions(officer, challenge.id)  # round 1: the shortlist, and C is told now
    current = evaluation.evaluation_of(challenge)
    assert current.shortlist_sent_at is not None and current.decisions_published_at is None  # no award yet
    assert _statuses(rows) == {"A": "shortlisted", "B": "shortlisted", "C": "not_selected"}
    assert challenge.status == "evaluating"

    # Round 2: only the shortlisted are decided again, and only selected or not selected.
    assert evaluation.decision_round(current) == 2
    choices, reason = evaluation.decision_choices(current, rows["A"])
    assert sorted(choices) == ["not_selected", "selected"] and reason is None
    choices, reason = evaluation.decision_choices(current, rows["C"])
    assert choices == () and "told with the shortlist" in str(reason)
    with pytest.raises(InvalidTransition):
        evaluation.decide(officer, rows["C"].id, decision="selected")
    with pytest.raises(ValidationFailed) as refused:
        evaluation.decide(officer, rows["A"].id, decision="shortlisted")
    assert "selected or not selected" in str(refused.value.errors["decision"])
    assert "A, B" in _refusal(officer, challenge)  # both still only shortlisted
    evaluation.decide(officer, rows["A"].id, decision="selected", feedback="Convincing session.")
    evaluation.decide(officer, rows["B"].id, decision="not_selected", feedback="Less mature.", confirmed=True)
    message = _refusal(officer, challenge)
    assert "confirm the feedback" in message and ": A." in message
    with pytest.raises(InvalidTransition) as refused:  # decided but not sent: no pilot yet
        pilots.start_pilot(officer, rows["A"].pitch_id, budget="1000", starts_on=utcnow().date(),
                           ends_on=utcnow().date() + timedelta(days=30), owner_id=officer.id)
    assert "send the final decisions" in str(refused.value.message)
    evaluation.decide(officer, rows["A"].id, decision="selected", feedback="Convincing session.", confirmed=True)
    assert evaluation.sending_for(challenge).to_send == (rows["A"], rows["B"])  # C was told already
    evaluation.publish_decisions(officer, challenge.id)
    assert _statuses(rows) == {"A": "selected", "B": "not_selected", "C": "not_selected"}
    assert evaluation.evaluation_of(challenge).decisions_published_at is not None
    assert evaluation.decision_round(evaluation.evaluation_of(challenge)) is None
    pilot = pilots.start_pilot(officer, rows["A"].pitch_id, budget="1000", starts_on=utcnow().date(),
                               ends_on=utcnow().date() + timedelta(days=30), owner_id=officer.id)
    assert pilot.pitch_id == rows["A"].pitch_id and challenge.status == "piloting"


def test_both_rounds_come_after_the_blind_scoring(closed):
    from marketplace.services.evaluation import blinding

    challenge, pitches, people = _started(closed)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    _score_all(people["alice"], challenge, {"A": [5, 5], "B": [2, 4], "C": [1, 1]})
    rows = {r.label: r for r in db.session.scalars(select(PitchAssessment))}
    assert blinding.blind_round(challenge)
    with pytest.raises(InvalidTransition):  # no decision page while the pitches are blind
        evaluation.decision_sheet(people["officer"], rows["A"].id)
    assert not evaluation.sending_for(challenge).possible
    evaluation.finalise_evaluation(people["officer"], challenge.id)
    assert not blinding.blind_round(challenge)  # deciding and meeting the companies happen by name
    assert "Secret Name" in evaluation.decision_sheet(people["officer"], rows["A"].id)["pitch"]["company_name"]
    evaluation.decide(people["officer"], rows["A"].id, decision="shortlisted")
    for row in ("B", "C"):
        evaluation.decide(people["officer"], rows[row].id, decision="not_selected", feedback="No.", confirmed=True)
    evaluation.publish_decisions(people["officer"], challenge.id)
    assert not blinding.blind_round(challenge)
    with pytest.raises(InvalidTransition):  # and no score changes in the second round either
        evaluation.score_pitch(people["alice"], rows["A"].id, challenge.criteria[0].id, score=0)


def test_the_ranking_reads_per_criterion_and_flags_disagreement(closed):
    challenge, _, people = _started(closed)
    for name in ("alice", "carol"):
        evaluation.declare_conflict(people[name], challenge.id, conflicted=False)
    # weights 60 / 40; on A they agree on the total's first criterion but not the second
    _score_all(people["alice"], challenge, {"A": [4, 5], "B": [3, 3], "C": [1, 2]})
    _score_all(people["carol"], challenge, {"A": [4, 1], "B": [3, 4], "C": [2, 1]})
    rows = {r["label"]: r for r in evaluation.ranking(people["officer"], challenge.id)}
    first, second = challenge.criteria
    assert [(c["criterion_id"], str(c["mean"]), c["spread"]) for c in rows["A"]["criteria"]] == \
        [(first.id, "4.00", 0), (second.id, "3.00", 4)]
    assert rows["A"]["disagreement"] and rows["A"]["disagreement_on"] == [second.name]
    assert not rows["B"]["disagreement"] and not rows["C"]["disagreement"]
    by_second = evaluation.ranking(people["officer"], challenge.id, by=second.id)
    assert [r["label"] for r in by_second] == ["B", "A", "C"]  # 3.50, 3.00, 1.50
    assert [r["label"] for r in evaluation.ranking(people["officer"], challenge.id)] == ["A", "B", "C"]


def test_a_company_learns_only_its_own_outcome(closed):
    challenge, pitches, people, rows = _finalised(closed)
    for row in rows.values():
        evaluation.decide(people["officer"], row.id, decision="not_selected", feedback=f"Feedback for {row.label}",
                          confirmed=True)
    assert evaluation.outcome_for_company(people["company"], pitches[0]) is None  # not sent yet
    evaluation.publish_decisions(people["officer"], challenge.id)
    own = evaluation.outcome_for_company(people["company"], pitches[0])
    label = db.session.scalar(select(PitchAssessment.label).where(PitchAssessment.pitch_id == pitches[0].id))
    assert own == {"decision": "not_selected", "feedback": f"Feedback for {label}"}
    assert "score" not in repr(own)
    with pytest.raises(NotFound):
        evaluation.outcome_for_company(people["company"], pitches[1])


def test_a_shortlisted_company_sees_no_feedback_until_the_final_send(closed):
    challenge, pitches, people, rows = _finalised(closed)
    mine = next(r for r in rows.values() if r.pitch_id == pitches[0].id)
    for row in rows.values():
        if row is mine:
            evaluation.decide(people["officer"], row.id, decision="shortlisted", feedback="Draft: maybe.")
        else:
            evaluation.decide(people["officer"], row.id, decision="not_selected", feedback="No.", confirmed=True)
    evaluation.publish_decisions(people["officer"], challenge.id)
    assert evaluation.outcome_for_company(people["company"], pitches[0]) == {"decision": "shortlisted",
                                                                            "feedback": None}
    evaluation.decide(people["officer"], mine.id, decision="selected", feedback="Half-written", confirmed=False)
    assert evaluation.outcome_for_company(people["company"], pitches[0])["feedback"] is None


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

    challenge, pitches, people, rows = _finalised(closed)
    for row in rows.values():
        evaluation.decide(people["officer"], row.id, decision="not_selected", feedback=f"Feedback {row.label}",
                          confirmed=True)
    evaluation.publish_decisions(people["officer"], challenge.id)
    process_pending()
    process_pending()
    notes = db.session.scalars(select(Notification).where(Notification.kind == "pitch.decided")).all()
    assert [n.user_id for n in notes] == [people["company"].id]
    label = db.session.scalar(select(PitchAssessment.label).where(PitchAssessment.pitch_id == pitches[0].id))
    assert notes[0].body == f"Feedback {label}" and "was not selected" in notes[0].title
    assert [m["To"] for m in smtp_sink.messages] == [people["company"].email]
    assert f"Feedback {label}" in smtp_sink.messages[0].get_body(("plain",)).get_content()


def test_the_shortlisted_are_invited_to_book_then_told_the_final_decision(closed, smtp_sink):
    from marketplace.models import Notification
    from marketplace.services.messaging.outbox import process_pending

    challenge, pitches, people, rows = _finalised(closed)
    mine = next(r for r in rows.values() if r.pitch_id == pitches[0].id)
    for row in rows.values():
        if row is mine:
            evaluation.decide(people["officer"], row.id, decision="shortlisted")
        else:
            evaluation.decide(people["officer"], row.id, decision="not_selected", feedback="No.", confirmed=True)
    evaluation.publish_decisions(people["officer"], challenge.id)
    process_pending()
    [invited] = smtp_sink.messages
    text = invited.get_body(("plain",)).get_content()
    assert invited["To"] == people["company"].email and "is shortlisted" in invited["Subject"]
    assert f"/pitches/{pitches[0].id}/session" in text and "pitch session" in text
    # No time offered yet: not "pick a time" (there is none to pick), but that the company will be told.
    assert "will offer times" in text and "Pick a time" not in text
    evaluation.decide(people["officer"], mine.id, decision="selected", feedback="Welcome aboard.", confirmed=True)
    evaluation.publish_decisions(people["officer"], challenge.id)
    process_pending()
    assert len(smtp_sink.messages) == 2  # the company is told again: the final decision is news
    final = smtp_sink.messages[1]
    assert "is selected for a pilot" in final["Subject"]
    assert "Welcome aboard." in final.get_body(("plain",)).get_content()
    notes = db.session.scalars(select(Notification).where(Notification.user_id == people["company"].id)).all()
    assert len(notes) == 2


def test_a_challenge_cancelled_while_evaluated_stops_its_evaluation_and_tells_the_panel_and_companies(closed):
    """Cancelled mid-evaluation: nothing in the evaluation changes any more (no score, declaration, finalising,
    decision or send), its pages read it as it was left, and the panel and the companies hear why."""
    from marketplace.models import Notification
    from marketplace.services.challenges import challenges
    from marketplace.services.messaging.outbox import process_pending

    challenge, _, people = _started(closed)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    _score_all(people["alice"], challenge, {"A": [5, 5], "B": [2, 4], "C": [1, 1]})
    challenges.cancel_challenge(people["publisher"], challenge.slug, "The budget went to the floods.")
    assessment = db.session.scalars(select(PitchAssessment)).first()
    stopped = str(evaluation.STOPPED)
    refusals = (lambda: evaluation.score_pitch(people["alice"], assessment.id, challenge.criteria[0].id, score=0),
                lambda: evaluation.declare_conflict(people["bob"], challenge.id, conflicted=False),
                lambda: evaluation.declare_conflict(people["alice"], challenge.id, conflicted=True, note="Found one."),
                lambda: evaluation.finalise_evaluation(people["officer"], challenge.id),
                lambda: evaluation.decide(people["officer"], assessment.id, decision="shortlisted"))
    for refused in refusals:
        with pytest.raises(InvalidTransition) as raised:
            refused()
        assert raised.value.message == stopped
    current = evaluation.evaluation_of(challenge)
    assert evaluation.is_stopped(current) and not current.is_finalised
    assert evaluation.sending_for(challenge).reasons == (evaluation.STOPPED,)
    assert evaluation.decision_round(current) is None
    assert not evaluation.may_step_aside(evaluation.declaration_of(people["alice"], challenge), current)
    assert not evaluation.may_declare(None, current)  # bob never declared: the page says so, no form
    assert len(evaluation.assessments(people["alice"], challenge.id)) == 3  # still readable, as it was left
    process_pending()
    told = {n.user_id: n for n in db.session.scalars(
        select(Notification).where(Notification.kind == "challenge.cancelled"))}
    # the panel members who declared; the people of every company with a pitch
    assert set(told) == {people["alice"].id, people["officer"].id, people["company"].id}
    assert "The budget went to the floods." in told[people["company"].id].body
    assert told[people["alice"].id].link.endswith("/evaluation")


def test_a_cancellation_is_told_to_a_recused_panel_member_too_and_reveals_nothing_of_the_pitches(closed, smtp_sink):
    """A recused member (pitch sessions booked before stepping aside may be in their calendar) hears of the
    cancellation like the rest of the panel, with the same words; whoever is no longer on the panel (by the panel's
    rule, `evaluation.score`) is not told as one."""
    from marketplace.models import EmailDelivery, Notification
    from marketplace.services.challenges import challenges
    from marketplace.services.messaging.outbox import process_pending

    challenge, pitches, people = _started(closed)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    evaluation.declare_conflict(people["bob"], challenge.id, conflicted=True, note="My brother runs company B.")
    evaluation.declare_conflict(people["carol"], challenge.id, conflicted=False)
    people["carol"].membership.role = "publisher"  # moved off the panel since
    db.session.commit()
    challenges.cancel_challenge(people["publisher"], challenge.slug, "The budget went to the floods.")
    process_pending()
    told = {n.user_id: n for n in db.session.scalars(
        select(Notification).where(Notification.kind == "challenge.cancelled"))}
    assert set(told) == {people["alice"].id, people["bob"].id, people["officer"].id, people["company"].id}
    recused, declared = told[people["bob"].id], told[people["alice"].id]
    assert (recused.title, recused.body, recused.link) == (declared.title, declared.body, declared.link)
    assert "The budget went to the floods." in recused.body and recused.link.endswith("/evaluation")
    email = db.session.scalars(select(EmailDelivery).where(EmailDelivery.user_id == people["bob"].id)).one()
    assert "has been cancelled" in email.subject and "The budget went to the floods." in email.body_text
    secrets = [p.company.name for p in pitches] + [p.title for p in pitches]
    assert not any(secret in text for secret in secrets for text in (recused.body, email.body_text, email.subject))


def test_a_conflict_found_after_finalising_is_declared_the_scores_stay_and_who_runs_it_is_told(closed, f):
    """After finalising the panel still sits in the pitch sessions and the agency decides: a member who declared
    no conflict may still step aside. They are recused from what remains, the finalised ranking keeps their
    scores, and those who run the evaluation see (and are told) who, when and why; nobody else is."""
    from marketplace.models import Notification
    from marketplace.services.errors import Withheld
    from marketplace.services.messaging.outbox import process_pending

    challenge, _, people, rows = _finalised(closed)
    owner = f.member(challenge.agency, "owner")
    evaluation.declare_conflict(people["bob"], challenge.id, conflicted=False)
    current = evaluation.evaluation_of(challenge)
    assert evaluation.may_step_aside(evaluation.declaration_of(people["alice"], challenge), current)
    before = [(r["label"], r["weighted_mean"], r["evaluators"]) for r in evaluation.ranking(owner, challenge.id)]
    with pytest.raises(ValidationFailed):
        evaluation.declare_conflict(people["alice"], challenge.id, conflicted=True, note="")
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=True, note="I now advise company A.")
    declaration = evaluation.declaration_of(people["alice"], challenge)
    assert evaluation.stepped_aside_late(declaration, current) and evaluation.is_recused(declaration)
    after = [(r["label"], r["weighted_mean"], r["evaluators"]) for r in evaluation.ranking(owner, challenge.id)]
    assert after == before and after[0][2] == 1  # her scores stay in the finalised record
    with pytest.raises(Withheld):  # recused from what remains: the pitches, the decisions
        evaluation.assessments(people["alice"], challenge.id)
    with pytest.raises(Conflict):
        evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    late = evaluation.late_conflicts(owner, challenge, current)
    assert [(c.person, c.note, c.pitches_scored) for c in late] == [(people["alice"], "I now advise company A.", 3)]
    assert evaluation.late_conflicts(people["officer"], challenge, current) == late
    assert evaluation.late_conflicts(people["bob"], challenge, current) == []  # does not run it
    assert evaluation.late_conflicts(people["publisher"], challenge, current) == []
    process_pending()
    process_pending()  # once
    told = db.session.scalars(select(Notification).where(Notification.kind == "evaluation.late_conflict")).all()
    assert sorted(n.user_id for n in told) == sorted([people["officer"].id, owner.id])
    assert all(people["alice"].name in n.title and "advise" not in n.body for n in told)  # the note stays on the page
    # The officer steps aside too: no decision, send or ranking of theirs any more; the owner runs it and sees both.
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=True, note="Company B hired my wife.")
    with pytest.raises(Withheld):
        evaluation.decide(people["officer"], rows["A"].id, decision="shortlisted")
    with pytest.raises(Withheld):
        evaluation.publish_decisions(people["officer"], challenge.id)
    assert evaluation.late_conflicts(people["officer"], challenge, current) == []
    assert evaluation.running_it_instead(people["officer"], challenge) == [owner]
    assert [c.person for c in evaluation.late_conflicts(owner, challenge, current)] == [people["alice"],
                                                                                        people["officer"]]
    evaluation.decide(owner, rows["A"].id, decision="shortlisted")


def test_a_conflict_declared_before_finalising_still_takes_the_scores_out(closed):
    challenge, _, people = _started(closed)
    evaluation.declare_conflict(people["alice"], challenge.id, conflicted=False)
    evaluation.declare_conflict(people["bob"], challenge.id, conflicted=False)
    _score_all(people["alice"], challenge, {"A": [5, 5], "B": [2, 4], "C": [1, 1]})
    _score_all(people["bob"], challenge, {"A": [1, 1], "B": [1, 1], "C": [1, 1]})
    evaluation.declare_conflict(people["bob"], challenge.id, conflicted=True, note="Found one.")
    evaluation.finalise_evaluation(people["officer"], challenge.id)
    current = evaluation.evaluation_of(challenge)
    assert not evaluation.stepped_aside_late(evaluation.declaration_of(people["bob"], challenge), current)
    assert {r["evaluators"] for r in evaluation.ranking(people["officer"], challenge.id)} == {1}
    assert evaluation.late_conflicts(people["officer"], challenge, current) == []


def test_a_panel_member_who_joins_after_finalising_can_still_declare_either_way(closed, f):
    """Latecomers: given the panel's role after the evaluation was finalised, nothing is left to score, but the
    declaration stays open (the pitch sessions and decisions remain); the scoring sheet answers with the way to it
    until they have made it."""
    from marketplace.services import permissions
    from marketplace.services.errors import Withheld

    challenge, _, people, _ = _finalised(closed)
    current = evaluation.evaluation_of(challenge)
    dave, erin = f.member(challenge.agency, "evaluator"), f.member(challenge.agency, "evaluator")
    assert evaluation.may_declare(None, current)
    with pytest.raises(Withheld) as withheld:
        evaluation.assessments(dave, challenge.id)
    assert withheld.value.reason == permissions.UNDECLARED
    evaluation.declare_conflict(dave, challenge.id, conflicted=False)
    assert all(v["company_name"] for v in evaluation.assessments(dave, challenge.id))  # read, not scored
    assert evaluation.may_step_aside(evaluation.declaration_of(dave, challenge), current)
    assessment = db.session.scalars(select(PitchAssessment)).first()
    with pytest.raises(InvalidTransition):
        evaluation.score_pitch(dave, assessment.id, challenge.criteria[0].id, score=3)
    evaluation.declare_conflict(erin, challenge.id, conflicted=True, note="I came from company C.")
    late = evaluation.late_conflicts(people["officer"], challenge, current)
    assert [(c.person, c.pitches_scored) for c in late] == [(erin, 0)]


def _decided(closed, selected=("A",)):
    """Finalised, and the final decisions sent in one round: `selected` selected, the others not."""
    challenge, pitches, people, rows = _finalised(closed)
    for label, row in rows.items():
        evaluation.decide(people["officer"], row.id, decision="selected" if label in selected else "not_selected",
                          feedback="Thank you.", confirmed=True)
    evaluation.publish_decisions(people["officer"], challenge.id)
    return challenge, pitches, people, rows


def test_after_the_final_decisions_stepping_aside_stays_open_while_a_pilot_is_to_start(closed, f):
    """The final decisions sent, what is still decided on the evaluation is starting the selected pitches' pilots:
    a member may step aside while one is still to start (an officer who does can start none: the pilot's own
    rule), and those who start it read the conflict first. Once every selected pitch has its pilot, stepping aside
    would change nothing: not offered, refused with the reason, and the work list asks no latecomer to declare."""
    from marketplace.services.errors import Withheld
    from marketplace.services.pilots import pilots

    challenge, _, people, rows = _decided(closed)
    owner = f.member(challenge.agency, "owner")
    current = evaluation.evaluation_of(challenge)
    evaluation.declare_conflict(people["bob"], challenge.id, conflicted=False)
    assert evaluation.what_remains(current) == evaluation.PILOTS_TO_START
    assert evaluation.may_step_aside(evaluation.declaration_of(people["alice"], challenge), current)
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=True, note="Company A hired my wife.")
    with pytest.raises(Withheld):
        pilots.start_pilot(people["officer"], rows["A"].pitch_id, budget="1000", starts_on=utcnow().date(),
                           ends_on=utcnow().date() + timedelta(days=30), owner_id=people["officer"].id)
    assert [c.person for c in evaluation.late_conflicts(owner, challenge, current)] == [people["officer"]]
    pilots.start_pilot(owner, rows["A"].pitch_id, budget="1000", starts_on=utcnow().date(),
                       ends_on=utcnow().date() + timedelta(days=30), owner_id=owner.id)
    assert evaluation.what_remains(current) is None
    declaration = evaluation.declaration_of(people["alice"], challenge)
    assert not evaluation.may_step_aside(declaration, current)
    assert evaluation.why_not_step_aside(declaration, current) == evaluation.NOTHING_REMAINS
    with pytest.raises(InvalidTransition) as refused:
        evaluation.declare_conflict(people["alice"], challenge.id, conflicted=True, note="Found one.")
    assert refused.value.message == str(evaluation.NOTHING_REMAINS)
    assert not evaluation.is_recused(evaluation.declaration_of(people["alice"], challenge))
    assert evaluation.why_not_step_aside(evaluation.declaration_of(people["officer"], challenge), current) is None


def test_final_decisions_that_select_nothing_leave_nothing_to_step_aside_from(closed):
    challenge, _, people, _ = _decided(closed, selected=())
    current = evaluation.evaluation_of(challenge)
    assert evaluation.what_remains(current) is None
    assert not evaluation.may_step_aside(evaluation.declaration_of(people["alice"], challenge), current)
    assert evaluation.may_declare(None, current)  # a latecomer still declares before reading the pitches
