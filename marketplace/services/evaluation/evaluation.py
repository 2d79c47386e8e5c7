"""Evaluating a challenge's pitches: conflicts first, blind scores, a ranking, then decisions with feedback.

The first round is blind: until the evaluation is finalised, evaluators see a
label ("Pitch B") instead of the company, and nothing that names it (the text
goes through `blinding.redact`; see services/evaluation/blinding.py). Nobody
outside the agency ever sees scores; a company sees only its own outcome and
feedback.
"""
import random
import statistics
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.formatting import lazy, number
from marketplace.models import Challenge, Membership, Pitch, User
from marketplace.models.challenge import CLOSED, EVALUATING, MARKET_CONSULTATION
from marketplace.models.evaluation import SCORE_MAX, SCORE_MIN, ConflictDeclaration, Evaluation, PitchAssessment, Score
from marketplace.models.pitch import PITCH_NOT_SELECTED, PITCH_SELECTED, PITCH_SHORTLISTED, PITCH_SUBMITTED
from marketplace.services import access, permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.clock import utcnow
from marketplace.services.evaluation.blinding import redact
from marketplace.services.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from marketplace.services.messaging import links
from marketplace.services.messaging.events import record_change
from marketplace.services.messaging.outbox import handles

DECISIONS = (PITCH_SHORTLISTED, PITCH_NOT_SELECTED, PITCH_SELECTED)
MAX_COMMENT = 2000
MAX_FEEDBACK = 5000
# Fields an evaluator sees in the blind round; the team and attachments may name the company.
BLIND_FIELDS = ("title", "summary", "approach", "evidence", "trl", "pilot_price", "pilot_duration_weeks")
BLIND_TEXT_FIELDS = ("title", "summary", "approach", "evidence")


def _label(index):
    """A, B, … Z, AA, AB, …"""
    label = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        label = chr(65 + remainder) + label
    return label


def evaluation_of(challenge):
    return db.session.scalar(select(Evaluation).where(Evaluation.challenge_id == challenge.id))


def start_evaluation(actor, challenge_id):
    """Open the evaluation of a closed call for solutions: every received pitch gets a random blind label."""
    challenge = access.evaluation_challenge(actor, id=challenge_id)
    permissions.require(actor, "evaluation.manage", challenge)
    lifecycle.require_move(challenge, EVALUATING)
    if evaluation_of(challenge) is not None:
        raise Conflict(str(_l("The evaluation has already started.")))
    pitches = db.session.scalars(
        select(Pitch).where(Pitch.challenge_id == challenge.id, Pitch.status == PITCH_SUBMITTED)
    ).all()
    order = list(pitches)
    random.SystemRandom().shuffle(order)  # labels must not follow submission order or ids
    evaluation = Evaluation(challenge_id=challenge.id, started_by_id=actor.id)
    db.session.add(evaluation)
    for index, pitch in enumerate(order):
        db.session.add(PitchAssessment(challenge_id=challenge.id, pitch_id=pitch.id, label=_label(index)))
    lifecycle.move_challenge(actor, challenge, EVALUATING, detail={"pitches": len(order)})
    db.session.commit()
    return evaluation


def _open_evaluation(challenge):
    evaluation = evaluation_of(challenge)
    if evaluation is None:
        raise InvalidTransition(str(_l("The evaluation has not started yet.")))
    return evaluation


def declaration_of(user, challenge):
    return db.session.scalar(select(ConflictDeclaration).where(
        ConflictDeclaration.challenge_id == challenge.id, ConflictDeclaration.evaluator_id == user.id))


def declare_conflict(evaluator, challenge_id, *, conflicted, note=""):
    """The first thing an evaluator does; it cannot be taken back, only turned into a recusal."""
    challenge = access.evaluation_challenge(evaluator, id=challenge_id)
    permissions.require(evaluator, "evaluation.score", challenge)
    evaluation = _open_evaluation(challenge)
    if evaluation.is_finalised:
        raise InvalidTransition(str(_l("This evaluation is finalised.")))
    note = (note or "").strip()
    if len(note) > MAX_COMMENT:
        raise ValidationFailed({"note": _l("Write %(n)s characters or fewer.", n=lazy(number, MAX_COMMENT))})
    if conflicted and not note:
        raise ValidationFailed({"note": _l("Say briefly what the conflict of interest is.")})
    declaration = declaration_of(evaluator, challenge)
    if declaration is not None:
        if declaration.conflicted or not conflicted:
            raise Conflict(str(_l("You have already made your declaration.")))
        before = {"conflicted": False}
        declaration.conflicted, declaration.note, declaration.declared_at = True, note, utcnow()
    else:
        before = None
        declaration = ConflictDeclaration(challenge_id=challenge.id, evaluator_id=evaluator.id,
                                          conflicted=bool(conflicted), note=note or None)
        db.session.add(declaration)
    record_change(evaluator, "evaluation.conflict_declared", challenge, before=before,
                  after={"evaluator_id": evaluator.id, "conflicted": bool(conflicted)}, challenge_id=challenge.id)
    db.session.commit()
    return declaration


def assessments(user, challenge_id):
    """The pitches under evaluation as this evaluator may see them: blind until finalised."""
    challenge = access.evaluation_challenge(user, id=challenge_id)
    evaluation = _open_evaluation(challenge)
    # The pitches' own rule (permissions.agency_pitch_standing): before finalising, only a panel member who
    # declared no conflict; a recused member never sees them here, nor their scores.
    declaration = declaration_of(user, challenge)
    if declaration is not None and declaration.conflicted:
        raise NotAllowed(str(_l("You declared a conflict of interest and are recused from this evaluation.")))
    if permissions.agency_pitch_standing(user, challenge) != permissions.READS or (
            declaration is None and not permissions.can(user, "evaluation.manage", challenge)):
        raise NotAllowed(str(_l("Declare any conflict of interest before you see the pitches.")))
    rows = db.session.scalars(
        select(PitchAssessment).where(PitchAssessment.challenge_id == challenge.id).order_by(PitchAssessment.label)
    ).all()
    return [blind_view(row, revealed=evaluation.is_finalised) for row in rows]


def blind_view(assessment, *, revealed):
    pitch = assessment.pitch
    view = {"assessment_id": assessment.id, "label": assessment.label,
            **{name: getattr(pitch, name) for name in BLIND_FIELDS}}
    if not revealed:
        view.update({name: redact(view[name], pitch.company) for name in BLIND_TEXT_FIELDS})
    if revealed:
        view.update(company_name=pitch.company.name, team=pitch.team, pitch_id=pitch.id)
    return view


def _scoring_context(evaluator, assessment_id):
    assessment = access.assessment(evaluator, assessment_id)
    challenge = access.evaluation_challenge(evaluator, id=assessment.challenge_id)
    permissions.require(evaluator, "evaluation.score", challenge)
    evaluation = _open_evaluation(challenge)
    if evaluation.is_finalised:
        raise InvalidTransition(str(_l("This evaluation is finalised: scores can no longer change.")))
    declaration = declaration_of(evaluator, challenge)
    if declaration is None:
        raise InvalidTransition(str(_l("Declare any conflict of interest before you score.")))
    if declaration.conflicted:
        raise NotAllowed(str(_l("You declared a conflict of interest and are recused from this evaluation.")))
    return assessment, challenge


def _checked_score(score, comment, errors, suffix=""):
    try:
        value = int(str(score).strip())
        if not SCORE_MIN <= value <= SCORE_MAX:
            raise ValueError
    except (TypeError, ValueError):
        errors["score" + suffix] = _l("Give a whole number from %(low)s to %(high)s.", low=SCORE_MIN, high=SCORE_MAX)
        value = None
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment" + suffix] = _l("Write %(n)s characters or fewer.", n=lazy(number, MAX_COMMENT))
    return value, comment


def _save_score(evaluator, assessment, challenge, criterion, value, comment):
    row = db.session.scalar(select(Score).where(
        Score.pitch_id == assessment.pitch_id, Score.criterion_id == criterion.id, Score.evaluator_id == evaluator.id))
    before = {"score": row.score, "comment": row.comment} if row else None
    if row is None:
        row = Score(challenge_id=challenge.id, pitch_id=assessment.pitch_id, criterion_id=criterion.id,
                    evaluator_id=evaluator.id, score=value, comment=comment)
        db.session.add(row)
    else:
        row.score, row.comment = value, comment
    # The audit names the blind label, not the company: the trail is readable by the agency's owner.
    record_change(evaluator, "evaluation.scored", challenge, before=before,
                  after={"label": assessment.label, "criterion_id": criterion.id, "score": value},
                  challenge_id=challenge.id)
    return row


def score_pitch(evaluator, assessment_id, criterion_id, *, score, comment=""):
    """One score for one criterion."""
    assessment, challenge = _scoring_context(evaluator, assessment_id)
    criterion = next((c for c in challenge.criteria if c.id == criterion_id), None)
    if criterion is None:
        raise NotFound(str(_l("That criterion is not one of this challenge's published criteria.")))
    errors = {}
    value, comment = _checked_score(score, comment, errors)
    if errors:
        raise ValidationFailed(errors)
    row = _save_score(evaluator, assessment, challenge, criterion, value, comment)
    db.session.commit()
    return row


def score_sheet(evaluator, assessment_id, marks):
    """Every criterion of one pitch at once: {criterion_id: (score, comment)}; all saved or none."""
    assessment, challenge = _scoring_context(evaluator, assessment_id)
    errors, checked = {}, []
    for criterion in challenge.criteria:
        score, comment = marks.get(criterion.id, (None, ""))
        value, comment = _checked_score(score, comment, errors, suffix=f"-{criterion.id}")
        checked.append((criterion, value, comment))
    if errors:
        raise ValidationFailed(errors)
    for criterion, value, comment in checked:
        _save_score(evaluator, assessment, challenge, criterion, value, comment)
    db.session.commit()


def my_scores(evaluator, challenge):
    """{(assessment_id, criterion_id): Score} of this evaluator, to fill in the scoring sheet."""
    rows = db.session.execute(
        select(PitchAssessment.id, Score).join(Score, Score.pitch_id == PitchAssessment.pitch_id)
        .where(Score.challenge_id == challenge.id, Score.evaluator_id == evaluator.id)
    ).all()
    return {(assessment_id, score.criterion_id): score for assessment_id, score in rows}


def _counted_scores(challenge):
    recused = set(db.session.scalars(select(ConflictDeclaration.evaluator_id).where(
        ConflictDeclaration.challenge_id == challenge.id, ConflictDeclaration.conflicted.is_(True))))
    return [s for s in db.session.scalars(select(Score).where(Score.challenge_id == challenge.id))
            if s.evaluator_id not in recused]


def ranking(officer, challenge_id):
    """Pitches by weighted mean score, with the spread between evaluators' totals.

    Each evaluator's total is the weighted mean of their scores (weights sum to
    100); the ranking uses the mean of those totals, and the spread (highest
    minus lowest total) shows where evaluators disagree.
    """
    challenge = access.evaluation_challenge(officer, id=challenge_id)
    permissions.require(officer, "evaluation.manage", challenge)
    declaration = declaration_of(officer, challenge)
    if declaration is not None and declaration.conflicted:
        raise NotAllowed(str(_l("You declared a conflict of interest and are recused from this evaluation.")))
    evaluation = _open_evaluation(challenge)
    weights = {c.id: Decimal(c.weight) for c in challenge.criteria}
    by_pitch = {}
    for score in _counted_scores(challenge):
        by_pitch.setdefault(score.pitch_id, {}).setdefault(score.evaluator_id, {})[score.criterion_id] = score.score
    rows = []
    for assessment in db.session.scalars(select(PitchAssessment).where(PitchAssessment.challenge_id == challenge.id)):
        totals = []
        for evaluator_scores in by_pitch.get(assessment.pitch_id, {}).values():
            if set(evaluator_scores) >= set(weights):  # only evaluators who scored every criterion
                totals.append(sum(weights[c] * evaluator_scores[c] for c in weights) / 100)
        mean = statistics.fmean(totals) if totals else None
        rows.append({
            **blind_view(assessment, revealed=evaluation.is_finalised),
            "weighted_mean": Decimal(str(mean)).quantize(Decimal("0.01"), ROUND_HALF_UP) if mean is not None else None,
            "spread": (max(totals) - min(totals)).quantize(Decimal("0.01")) if totals else None,
            "evaluators": len(totals),
            "decision": assessment.decision,
        })
    rows.sort(key=lambda r: (r["weighted_mean"] is None, -(r["weighted_mean"] or 0), r["label"]))
    return rows


def finalise_evaluation(officer, challenge_id):
    challenge = access.evaluation_challenge(officer, id=challenge_id)
    permissions.require(officer, "evaluation.manage", challenge)
    evaluation = _open_evaluation(challenge)
    if evaluation.is_finalised:
        return evaluation
    if not _counted_scores(challenge):
        raise InvalidTransition(str(_l("No scores yet: at least one evaluator must score before you finalise.")))
    evaluation.finalised_at = utcnow()
    evaluation.finalised_by_id = officer.id
    record_change(officer, "evaluation.finalised", challenge, after={"finalised_at": evaluation.finalised_at},
                  challenge_id=challenge.id)
    db.session.commit()
    return evaluation


def draft_feedback(assessment):
    """Feedback pre-filled from the evaluators' comments, per criterion, for the officer to edit."""
    challenge = assessment.pitch.challenge
    comments = {}
    for score in _counted_scores(challenge):
        if score.pitch_id == assessment.pitch_id and score.comment:
            comments.setdefault(score.criterion_id, []).append(score.comment)
    parts = []
    for criterion in challenge.criteria:
        if criterion.id in comments:
            parts.append(f"{criterion.name}:\n" + "\n".join(f"- {c}" for c in comments[criterion.id]))
    return "\n\n".join(parts)


def draft_feedback_for(assessment_id):
    assessment = db.session.get(PitchAssessment, assessment_id)
    if assessment is None:
        return ""
    return assessment.feedback if assessment.feedback is not None else draft_feedback(assessment)


def decide(officer, assessment_id, *, decision, feedback=""):
    assessment = access.assessment(officer, assessment_id)
    challenge = access.evaluation_challenge(officer, id=assessment.challenge_id)
    permissions.require(officer, "evaluation.manage", challenge)
    evaluation = _open_evaluation(challenge)
    if not evaluation.is_finalised:
        raise InvalidTransition(str(_l("Finalise the evaluation before you decide.")))
    if evaluation.decisions_published_at is not None:
        raise InvalidTransition(str(_l("The decisions have been sent to the companies and can no longer change.")))
    feedback = (feedback or "").strip()
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = _l("Choose shortlisted, not selected or selected.")
    if decision == PITCH_NOT_SELECTED and not feedback:
        errors["feedback"] = _l("Give the company feedback: say why its pitch was not selected.")
    if len(feedback) > MAX_FEEDBACK:
        errors["feedback"] = _l("Write %(n)s characters or fewer.", n=lazy(number, MAX_FEEDBACK))
    if errors:
        raise ValidationFailed(errors)
    before = {"decision": assessment.decision}
    assessment.decision, assessment.feedback = decision, feedback or None
    assessment.decided_at, assessment.decided_by_id = utcnow(), officer.id
    record_change(officer, "evaluation.decided", challenge, before=before,
                  after={"label": assessment.label, "decision": decision}, challenge_id=challenge.id)
    db.session.commit()
    return assessment


def publish_decisions(officer, challenge_id):
    """Tell every company that pitched its outcome and feedback; each pitch takes its decided status."""
    challenge = access.evaluation_challenge(officer, id=challenge_id)
    permissions.require(officer, "evaluation.manage", challenge)
    evaluation = _open_evaluation(challenge)
    if evaluation.decisions_published_at is not None:
        raise Conflict(str(_l("The decisions have already been sent.")))
    rows = db.session.scalars(select(PitchAssessment).where(PitchAssessment.challenge_id == challenge.id)).all()
    undecided = [r.label for r in rows if r.decision is None]
    if undecided:
        raise InvalidTransition(str(_l("Decide on every pitch first: %(labels)s.", labels=", ".join(undecided))))
    if not evaluation.is_finalised:
        raise InvalidTransition(str(_l("Finalise the evaluation before you send the decisions.")))
    now = utcnow()
    for row in rows:
        pitch = row.pitch
        before = {"status": pitch.status}
        pitch.status = row.decision
        row.published_decision, row.published_at = row.decision, now
        record_change(officer, "pitch.decided", pitch, before=before, after={"status": row.decision},
                      challenge_id=challenge.id)
    evaluation.decisions_published_at = now
    db.session.commit()
    return rows


def outcome_for_company(user, pitch):
    """What a company may learn: its own decision and feedback, never scores or other companies."""
    if not permissions.can(user, "pitch.write", pitch):
        raise NotFound(str(_l("We could not find that pitch.")))
    row = db.session.scalar(select(PitchAssessment).where(PitchAssessment.pitch_id == pitch.id))
    if row is None or row.published_at is None:
        return None
    return {"decision": row.published_decision, "feedback": row.feedback}



def _decision_title(decision, title):
    if decision == PITCH_SELECTED:
        return _l("Your pitch for “%(title)s” is selected for a pilot", title=title)
    if decision == PITCH_SHORTLISTED:
        return _l("Your pitch for “%(title)s” is shortlisted", title=title)
    return _l("Your pitch for “%(title)s” was not selected", title=title)


@handles("pitch.decided")
def tell_the_company(event):
    """Every company that pitched hears its own outcome, with its feedback; nothing about the others."""
    from marketplace.services.messaging.notifications import notify

    pitch = db.session.get(Pitch, event.payload["object_id"])
    row = db.session.scalar(select(PitchAssessment).where(PitchAssessment.pitch_id == event.payload["object_id"]))
    if pitch is None or row is None or row.published_decision is None:
        return
    members = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == pitch.company_id, User.is_suspended.is_(False))).all()
    for user in members:
        notify(user, kind="pitch.decided", title=_decision_title(row.published_decision, pitch.challenge.title),
               body=row.feedback or "", link=links.pitch_path(pitch), dedupe_key=f"decided:{pitch.id}:{user.id}",
               email_template="notification")
