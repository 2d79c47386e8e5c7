"""`flask seed-demo` loads a world with every challenge status, and loads it only once with --if-empty.

The world must tell the truth: distinct texts in each challenge's language, every state of the stories the
services allow (payments, an extension, nothing selected, several awards, a late cancellation), and only
records the services could have made.
"""
import re
from collections import Counter
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import (AuditEvent, Challenge, Evaluation, EvaluationCriterion, Follow, Organisation, Pilot, Pitch,
                                PitchAssessment, PitchSessionSlot, Question, Score, SuccessMeasure,
                                User)
from marketplace.models.challenge import CHALLENGE_STATUSES
from marketplace.models.pilot import AGREEMENT, EVALUATION_REPORT, EXTENDED, OUTCOME_STAGES, SIGNED_AGREEMENT
from marketplace.services.audit import verify_trail
from marketplace.services.matching.stop_words import DUTCH, ENGLISH, FRENCH
from marketplace.services.pitches.pitches import verify_receipt


def test_seed_demo_then_if_empty_adds_nothing(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "owner@water.example.be" in result.output and "agora demo password" in result.output
    for named_in_the_readme in ("publisher@water.example.be", "procurement.officer@liege.example.be",
                                "owner@leaksense.example.be", "admin@agora.example"):
        assert named_in_the_readme in result.output
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
        assert challenge.question_deadline < challenge.pitch_deadline
        for pitch in db.session.scalars(select(Pitch).where(Pitch.challenge_id == challenge.id)):
            assert challenge.published_at < pitch.created_at
            assert pitch.submitted_at is None or pitch.created_at < pitch.submitted_at < challenge.pitch_deadline
            assert [r.issued_at for r in pitch.receipts] == ([pitch.submitted_at] if pitch.submitted_at else [])
        evaluation = db.session.scalar(select(Evaluation).where(Evaluation.challenge_id == challenge.id))
        if evaluation is not None:
            assert challenge.pitch_deadline < evaluation.started_at
            assert all(evaluation.started_at < s.created_at < (evaluation.finalised_at or s.created_at + timedelta(1))
                       for s in db.session.scalars(select(Score).where(Score.challenge_id == challenge.id)))
            assert evaluation.decisions_published_at is None or \
                evaluation.started_at < evaluation.finalised_at < evaluation.decisions_published_at
        for pilot in db.session.scalars(select(Pilot).where(Pilot.challenge_id == challenge.id)):
            assert evaluation.decisions_published_at < pilot.created_at
            moments = [change.changed_at for change in pilot.stage_changes]
            assert moments == sorted(moments) and all(pilot.created_at < moment for moment in moments)


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    return db.session.scalars(select(Challenge).order_by(Challenge.id)).all()


def _language_of(text):
    """The language whose common words the text uses most (en, fr or nl)."""
    words = Counter(re.findall(r"[a-zà-ÿ]+", text.lower()))
    counts = {code: sum(words[w] for w in set(stop.split())) for code, stop in
              (("en", ENGLISH), ("fr", FRENCH), ("nl", DUTCH))}
    return max(counts, key=counts.get)


def test_each_challenge_tells_its_own_story_in_its_own_language(demo):
    summaries = [c.summary for c in demo]
    assert len(set(summaries)) == len(summaries) and len({c.problem_statement for c in demo}) == len(demo)
    assert not [c.title for c in demo if c.summary.lower().startswith(c.title.lower()[:20])]
    assert {c.language for c in demo} >= {"en", "fr", "nl"}
    for challenge in demo:
        text = " ".join((challenge.title, challenge.summary, challenge.problem_statement, challenge.affected))
        assert _language_of(text) == challenge.language, challenge.title
        pitches = db.session.scalars(select(Pitch).where(Pitch.challenge_id == challenge.id)).all()
        assert len({p.summary for p in pitches}) == len(pitches)


def test_a_challenge_page_says_each_heading_once(demo, client):
    assert not [c.title for c in demo if c.problem_statement.lstrip().startswith("#")]
    for challenge in demo:
        if challenge.published_at is None:
            continue
        page = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
        headings = Counter(re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page, re.S))
        assert headings["The problem"] == 1 and max(headings.values()) == 1, (challenge.title, headings)


def test_deadlines_fall_in_brussels_office_hours_on_weekdays(demo):
    brussels = ZoneInfo("Europe/Brussels")
    for challenge in demo:
        for deadline in (challenge.pitch_deadline, challenge.question_deadline):
            local = deadline.astimezone(brussels)
            assert local.weekday() < 5 and time(9) <= local.time() <= time(17), (challenge.title, local)


def test_every_pilot_follows_a_final_send_with_a_verified_company_and_the_papers_its_stage_needs(demo):
    pilots = db.session.scalars(select(Pilot)).all()
    assert pilots
    for pilot in pilots:
        assert pilot.company.verified, pilot.company.name
        pitch = pilot.pitch
        evaluation = db.session.scalar(select(Evaluation).where(Evaluation.challenge_id == pilot.challenge_id))
        assert pitch.status == "selected" and evaluation.decisions_published_at < pilot.created_at
        kinds = {d.kind for d in pilot.documents}
        assert pilot.stage == AGREEMENT or SIGNED_AGREEMENT in kinds
        assert pilot.stage not in (EXTENDED, *OUTCOME_STAGES) or EVALUATION_REPORT in kinds
        assert pilot.budget <= current_app.config["PILOT_LOW_VALUE_THRESHOLD"] or pilot.budget_approved_at
        assert sum(m.planned_amount for m in pilot.milestones) <= pilot.budget
    sent = db.session.scalars(select(PitchAssessment).where(PitchAssessment.published_at.is_not(None))).all()
    assert sent and all(a.feedback and a.feedback_confirmed_at for a in sent)


def test_the_world_shows_every_turn_a_story_can_take(demo, client):
    pilots = db.session.scalars(select(Pilot)).all()
    assert any(m.paid_amount and m.paid_on for p in pilots for m in p.milestones), "a challenge with payments"
    extended = [p for p in pilots if p.stage == EXTENDED]
    assert extended and all(p.stage_changes[-1].note for p in extended), "an extended pilot, with its reason"
    nothing = [c for c in demo if c.status == "evaluating" and (e := db.session.scalar(
        select(Evaluation).where(Evaluation.challenge_id == c.id))).decisions_published_at is not None
        and not db.session.scalar(select(func.count()).select_from(Pitch).where(
            Pitch.challenge_id == c.id, Pitch.status == "selected"))]
    assert nothing, "an evaluation finished with nothing selected"
    awards = Counter(p.challenge_id for p in pilots)
    assert max(awards.values()) >= 2, "several awards on one challenge"
    two_rounds = db.session.scalars(select(Evaluation).where(Evaluation.shortlist_sent_at.is_not(None))).all()
    assert two_rounds and all(e.finalised_at < e.shortlist_sent_at < e.decisions_published_at for e in two_rounds)
    sessions = db.session.scalars(select(PitchSessionSlot)).all()
    assert sessions and all(s.pitch.status == "selected" and s.booked_at < s.starts_at
                            and s.ends_at < db.session.scalar(select(Evaluation.decisions_published_at).where(
                                Evaluation.challenge_id == s.challenge_id)) for s in sessions)
    late = [c for c in demo if c.status == "cancelled" and c.cancelled_at > c.pitch_deadline and c.cancel_reason]
    assert late, "a cancellation after the deadline"
    assert late[0].cancel_reason in client.get(f"/challenges/{late[0].slug}").get_data(as_text=True).replace(
        "&#39;", "'")


def test_each_challenge_has_the_audit_rows_of_the_moves_that_brought_it_where_it_is(demo):
    """As `lifecycle.move_challenge` writes them, so that the audit trail tells the demo's story."""
    expected = {"draft": [], "published": ["published"], "closed": ["published", "closed"],
                "evaluating": ["published", "closed", "evaluation_started"],
                "piloting": ["published", "closed", "evaluation_started", "piloting"],
                "cancelled": ["published", "closed", "cancelled"]}
    for challenge in demo:
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.challenge_id == challenge.id,
                                                           AuditEvent.object_type == "challenges")
                                  .order_by(AuditEvent.id)).all()
        moves = [row.action.removeprefix("challenge.") for row in rows[1:]]
        assert rows[0].action == "challenge.created"
        if challenge.status == "completed":  # dated by its last pilot's outcome in the open data, not by a row
            assert moves == (["published", "closed"] if challenge.kind == "market_consultation" else
                             expected["piloting"])
        else:
            assert moves == expected[challenge.status], challenge.title
        published = next((row for row in rows if row.action == "challenge.published"), None)
        assert published is None or (published.after["published_at"] == challenge.published_at.isoformat()
                                      and published.actor_id == challenge.created_by_id)
    assert verify_trail().problem is None  # the rows chain as every other audit row does


def test_each_audit_row_is_dated_when_its_event_happened_and_the_trail_reads_in_that_order(demo):
    """Not all at the moment the demo was loaded: the audit trail tells the stories as they went, oldest first."""
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    times = [row.occurred_at for row in rows]
    assert times == sorted(times) and len(set(times)) > len(demo)
    by_challenge = {c.id: c for c in demo}
    stamps = {"challenge.created": "created_at", "challenge.published": "published_at",
              "challenge.closed": "closed_at", "challenge.cancelled": "cancelled_at"}
    for row in rows:
        challenge = by_challenge[row.challenge_id]
        if row.action in stamps:
            assert row.occurred_at == getattr(challenge, stamps[row.action]), (row.action, challenge.title)
        elif row.action == "challenge.evaluation_started":
            assert row.occurred_at == db.session.scalar(select(Evaluation.started_at).where(
                Evaluation.challenge_id == challenge.id))
        else:
            assert row.action == "challenge.piloting" and row.occurred_at == db.session.scalar(
                select(func.min(Pilot.created_at)).where(Pilot.challenge_id == challenge.id))


def test_a_pilots_budget_justification_is_in_its_challenges_language(demo):
    """A French agency's pilot gave its budget justification in English (found walking the demo in French)."""
    pilots = db.session.scalars(select(Pilot).where(Pilot.budget_justification.is_not(None))).all()
    assert {p.challenge.language for p in pilots} - {"en"}  # the demo has some beyond English
    for pilot in pilots:
        assert _language_of(pilot.budget_justification) == pilot.challenge.language, pilot.id
