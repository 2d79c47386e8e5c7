"""`flask seed-demo` loads a world with every challenge status, and loads it only once with --if-empty."""
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import (Challenge, Evaluation, EvaluationCriterion, Follow, Organisation, Pilot, Pitch, Question,
                                SuccessMeasure, User)
from marketplace.models.challenge import CHALLENGE_STATUSES
from marketplace.services.pitches.pitches import verify_receipt


def test_seed_demo_then_if_empty_adds_nothing(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "owner@water.example.be" in result.output and "agora demo password" in result.output
    kinds = dict(db.session.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)).all())
    assert kinds["agency"] >= 3 and kinds["company"] >= 20
    statuses = set(db.session.scalars(select(Challenge.status)))
    assert statuses == set(CHALLENGE_STATUSES)
    assert {c.kind for c in db.session.scalars(select(Challenge))} == {"call_for_solutions", "market_consultation"}
    assert db.session.query(Challenge).count() >= 12
    submitted = db.session.scalars(select(Pitch).where(Pitch.submitted_at.is_not(None))).all()
    assert submitted and all(verify_receipt(p) for p in submitted)
    assert {p.stage for p in db.session.scalars(select(Pilot))} >= {"running", "adopted", "stopped"}
    challenges = db.session.scalars(select(Challenge)).all()
    assert all(c.cancel_reason for c in challenges if c.status == "cancelled")
    assert any(c.consultation_summary for c in challenges if c.kind == "market_consultation")
    weights = db.session.execute(select(EvaluationCriterion.challenge_id, func.sum(EvaluationCriterion.weight))
                                 .group_by(EvaluationCriterion.challenge_id)).all()
    assert weights and all(total == 100 for _, total in weights)
    agencies = db.session.scalars(select(Organisation).where(Organisation.kind == "agency")).all()
    assert all(a.verified for a in agencies) and any(a.four_eyes_publishing for a in agencies)
    assert db.session.query(SuccessMeasure).count() and db.session.query(Follow).count()
    assert db.session.scalars(select(Question).where(Question.answer.is_not(None))).first() is not None
    assert len({p.status for p in db.session.scalars(select(Pitch))}) >= 3
    users = db.session.query(User).count()
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "already has data" in again.output
    # `make run` prints the sign-ins at every start, not only the first, with the two-factor note for officers.
    assert "procurement.officer@water.example.be" in again.output and "agora demo password" in again.output
    assert "two-factor" in again.output
    assert db.session.query(User).count() == users


def test_the_demo_tells_each_challenge_in_order(runner):
    """Open data and statistics are built from these dates: published, asked, deadline, decided, piloted."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    for challenge in db.session.scalars(select(Challenge).where(Challenge.published_at.is_not(None))):
        for question in db.session.scalars(select(Question).where(Question.challenge_id == challenge.id)):
            assert challenge.published_at < question.asked_at < challenge.question_deadline
            assert question.answered_at is None or question.asked_at < question.answered_at
        evaluation = db.session.scalar(select(Evaluation).where(Evaluation.challenge_id == challenge.id))
        if evaluation is not None:
            assert challenge.pitch_deadline < evaluation.started_at
            assert evaluation.decisions_published_at is None or \
                evaluation.started_at < evaluation.finalised_at < evaluation.decisions_published_at
        for pilot in db.session.scalars(select(Pilot).where(Pilot.challenge_id == challenge.id)):
            assert evaluation.decisions_published_at < pilot.created_at
            moments = [change.changed_at for change in pilot.stage_changes]
            assert moments == sorted(moments) and pilot.created_at < moments[0]
