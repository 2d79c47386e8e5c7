"""`flask seed-demo` loads a world with every challenge status, and loads it only once with --if-empty."""
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Challenge, Organisation, Pilot, Pitch, User
from marketplace.models.challenge import CHALLENGE_STATUSES
from marketplace.services.pitches import verify_receipt


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
    users = db.session.query(User).count()
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "already has data" in again.output
    assert db.session.query(User).count() == users
