"""Evaluating a challenge's pitches: conflicts first, blind scores, a ranking, then decisions with feedback.

Decisions come in one round, or two when the officer shortlists (see "Decisions, in one or two rounds" below).
The scoring is blind: until the evaluation is finalised, evaluators see a
label ("Pitch B") instead of the company, and nothing that names it (the text
goes through `blinding.redact`; see services/evaluation/blinding.py). Nobody
outside the agency ever sees scores; a company sees only its own outcome and
feedback.
"""
import random
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from marketplace.extensions import db
from marketplace.formatting import lazy, number
from marketplace.models import Challenge, Membership, Pilot, Pitch, User
from marketplace.models.challenge import CLOSED, EVALUATING
from marketplace.models.evaluation import SCORE_MAX, SCORE_MIN, ConflictDeclaration, Evaluation, PitchAssessment, Score
from marketplace.services import access, permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.pitches import lifecycle as pitch_lifecycle
from marketplace.services.clock import utcnow
from marketplace.services.evaluation.blinding import redact, redacted_html
from marketplace.services.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from marketplace.services.messaging import links
from marketplace.services.messaging.events import record_change
from marketplace.services.messaging.outbox import handles

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
        select(Pitch).where(Pitch.challenge_id == challenge.id, Pitch.status.in_(pitch_lifecycle.SUBMITTED))
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


STOPPED = _l("This challenge was cancelled: its evaluation has stopped, and nothing in it can change any more.")


def is_stopped(evaluation):
    """An evaluation whose challenge was cancelled while it ran: it stays readable as it was left, but no
    declaration, score, finalising, decision or send happens in it (companies were told of the cancellation,
    not of an outcome)."""
    return evaluation is not None and lifecycle.state_of(evaluation.challenge).called_off


def _evaluation_to_change(challenge):
    """The evaluation, when something in it may still change; refused with the reason once it has stopped."""
    evaluation = _open_evaluation(challenge)
    if is_stopped(evaluation):
        raise InvalidTransition(str(STOPPED))
    return evaluation


def declaration_of(user, challenge):
    return db.session.scalar(select(ConflictDeclaration).where(
        ConflictDeclaration.challenge_id == challenge.id, ConflictDeclaration.evaluator_id == user.id))


def is_recused(declaration):
    """A panel member who declared a conflict of interest: no pitch, score, ranking or decision of it is theirs."""
    return declaration is not None and declaration.conflicted


def refuse_if_recused(user, challenge, declaration=None):
    """The one answer to a recused panel member, whichever page of the evaluation they open (scores, ranking,
    decisions): the pitch pages' own (`access.withheld`), which says why and leads back to the evaluation."""
    if is_recused(declaration if declaration is not None else declaration_of(user, challenge)):
        raise access.withheld(permissions.RECUSED, challenge)


def ranking_withheld(user, challenge, evaluation, conflicted):
    """Why this person may not see the ranking, nor finalise the blind round it fixes, now: a `permissions`
    standing, or None. `conflicted`: their declaration's (None when they have made none).

    Conflicts first: the ranking shows the pitches (their titles) and their scores, so a panel member reads it
    as they read the pitches (`permissions.agency_pitch_standing`) — never when recused, not before they have
    declared (`undeclared`), finalised or not: after finalising it names the companies. Who runs the evaluation
    without sitting on the panel (the agency's owner) declares nothing and sees it. Asked by the ranking,
    finalising, the decisions, the overview, the work list and the audit trail (its scores and decisions)."""
    if conflicted:
        return permissions.RECUSED
    if evaluation is not None and undeclared(user, challenge, conflicted):
        return permissions.UNDECLARED
    return None


def undeclared(user, challenge, conflicted):
    """A member of the challenge's panel (`evaluation.score`) who has not made their declaration (`conflicted`:
    theirs, None when they have made none): until they do, in every state of the evaluation, they read no pitch,
    no ranking and no decision, and sit in no pitch session (`pitch_sessions.panel_of`) — as
    `permissions.agency_pitch_standing` answers for the pitches."""
    return conflicted is None and permissions.can(user, "evaluation.score", challenge)


def ranking_withheld_from(user, challenge, evaluation):
    """`ranking_withheld` for this person, their declaration read here."""
    declaration = declaration_of(user, challenge)
    return ranking_withheld(user, challenge, evaluation, declaration.conflicted if declaration else None)


def refuse_ranking(user, challenge, evaluation):
    """The pitch pages' answer (`access.withheld`: why, and the way to the declaration) to whoever
    `ranking_withheld` keeps from the ranking."""
    standing = ranking_withheld_from(user, challenge, evaluation)
    if standing:
        raise access.withheld(standing, challenge)


def running_it_instead(user, challenge):
    """Who ranks, finalises and decides while this person is recused: the agency's other people who may run the
    evaluation (`evaluation.manage`) and sit on its panel themselves (`pitch_sessions.panel_of`: not recused, and
    declared when on the panel), by name."""
    from marketplace.services.evaluation.pitch_sessions import panel_of  # pitch_sessions reads evaluations too

    return [person for person in panel_of(challenge)
            if person.id != user.id and permissions.can(person, "evaluation.manage", challenge)]


# What is left of an evaluation for a panel member's declaration to change (`what_remains`).
SCORING, DECIDING, PILOTS_TO_START = "scoring", "deciding", "pilots_to_start"


def pilots_to_start(challenge_id):
    """SQL: how many of the challenge's selected pitches have no pilot yet (`challenge_id`: a value or a column,
    for the work list's one statement over all of an agency's evaluations)."""
    has_pilot = select(Pilot.id).where(Pilot.pitch_id == Pitch.id).exists()
    return select(func.count(Pitch.id)).where(Pitch.challenge_id == challenge_id,
                                              Pitch.status.in_(pitch_lifecycle.SELECTED), ~has_pilot).scalar_subquery()


def what_remains(evaluation, challenge=None, waiting_pilots=None):
    """What a panel member's declaration still changes in this evaluation, or None once it changes nothing: the
    one rule for stepping aside (`may_step_aside`), what the overview says it changes and the work list's
    declarations. SCORING before finalising (the member's scores, and the pitches); DECIDING once finalised,
    until the final decisions are sent (the pitch sessions and the decisions); PILOTS_TO_START after them while a
    selected pitch has no pilot yet — starting one is the last thing decided on the ranking
    (`pilots.require_may_start` refuses the recused), and those who start it read any conflict declared now
    (`late_conflicts`) first. None once every selected pitch has its pilot (or none was selected): nothing is
    decided on the evaluation any more, and a cancellation stops it (`is_stopped`). `challenge`: the evaluation's
    (or a row of its columns) when the caller has read it; `waiting_pilots`: `pilots_to_start`'s count, likewise."""
    if evaluation is None or lifecycle.state_of(challenge if challenge is not None else evaluation.challenge).called_off:
        return None
    if not evaluation.is_finalised:
        return SCORING
    if evaluation.decisions_published_at is None:
        return DECIDING
    if waiting_pilots is None:
        waiting_pilots = db.session.scalar(select(pilots_to_start(evaluation.challenge_id)))
    return PILOTS_TO_START if waiting_pilots else None


def may_declare(declaration, evaluation):
    """Whether this panel member (`declaration`: theirs, or None) may make their declaration now: once, from the
    start of the evaluation until a cancellation stops it — after finalising too, for whoever joined the panel
    late: until they declare they read no pitch (`undeclared`), and a conflict still matters while something is
    decided on the evaluation (`what_remains`; nothing is left to score). Asked by the overview and by
    `declare_conflict`."""
    return declaration is None and evaluation is not None and not is_stopped(evaluation)


NOTHING_REMAINS = _l("The final decisions are sent and every selected pitch has its pilot: nothing is decided on "
                     "this evaluation any more, so stepping aside would change nothing. If you have found a conflict "
                     "of interest, tell the people who run the pilots.")


def may_step_aside(declaration, evaluation):
    """A declaration of no conflict can still become a recusal (a conflict found later) for as long as something
    is decided on the evaluation (`what_remains`): its scores before finalising; the pitch sessions and the
    decisions after; the pilots of the selected pitches still to start after the final decisions. Once every
    selected pitch has its pilot, or a cancellation stopped it, stepping aside would change nothing and is not
    offered (`why_not_step_aside`). Nothing else about a declaration changes. Asked by the overview and by
    `declare_conflict`."""
    return declaration is not None and not declaration.conflicted and what_remains(evaluation) is not None


def why_not_step_aside(declaration, evaluation):
    """Why this panel member, who declared no conflict, can no longer step aside (the overview shows it in place
    of the form, `declare_conflict` refuses with it), or None: they may, or have nothing to step aside from."""
    if declaration is None or declaration.conflicted or may_step_aside(declaration, evaluation):
        return None
    return STOPPED if is_stopped(evaluation) else NOTHING_REMAINS


def scores_stay(evaluation):
    """Whether the scores of someone who steps aside now stay counted: once the evaluation is finalised its
    ranking is a record, and a conflict found later does not rewrite it (the people who run the evaluation are
    told instead, `late_conflicts`); before, a recused member's scores no longer count (`_score_counts`)."""
    return evaluation is not None and evaluation.is_finalised


def stepped_aside_late(declaration, evaluation):
    """A recusal declared after the evaluation was finalised: kept out of what remains (pitch sessions,
    decisions, the pitches), but the scores given stay in the finalised record (`scores_stay`)."""
    return is_recused(declaration) and scores_stay(evaluation) and declaration.declared_at > evaluation.finalised_at


@dataclass(frozen=True)
class LateConflict:
    """A panel member who declared a conflict of interest after the evaluation was finalised."""

    person: User
    declared_at: object
    note: str | None  # only for those who may manage the evaluation
    pitches_scored: int  # their scores, still in the finalised ranking


def late_conflicts(user, challenge, evaluation):
    """The panel members who stepped aside after finalising (`stepped_aside_late`), oldest first, for the people
    who run the evaluation and see its ranking (`ranking_withheld`): who, when, their note, and how many pitches
    they scored — those scores stay in the ranking, and the people who run it decide what to do. Nobody else
    is shown them."""
    if not scores_stay(evaluation) or not permissions.can(user, "evaluation.manage", challenge) or \
            ranking_withheld_from(user, challenge, evaluation):
        return []
    rows = db.session.execute(
        select(ConflictDeclaration, User).join(User, User.id == ConflictDeclaration.evaluator_id)
        .where(ConflictDeclaration.challenge_id == challenge.id, ConflictDeclaration.conflicted.is_(True),
               ConflictDeclaration.declared_at > evaluation.finalised_at)
        .order_by(ConflictDeclaration.declared_at, ConflictDeclaration.id)).all()
    if not rows:
        return []
    scored = dict(db.session.execute(
        select(Score.evaluator_id, func.count(distinct(Score.pitch_id)))
        .where(Score.challenge_id == challenge.id, Score.evaluator_id.in_([person.id for _, person in rows]))
        .group_by(Score.evaluator_id)).all())
    return [LateConflict(person, declaration.declared_at, declaration.note, scored.get(person.id, 0))
            for declaration, person in rows]


def declare_conflict(evaluator, challenge_id, *, conflicted, note=""):
    """The first thing an evaluator does; it cannot be taken back, only turned into a recusal (`may_declare`,
    `may_step_aside`: while something is decided on the evaluation, finalised or not)."""
    challenge = access.evaluation_challenge(evaluator, id=challenge_id)
    permissions.require(evaluator, "evaluation.score", challenge)
    evaluation = _evaluation_to_change(challenge)
    note = (note or "").strip()
    if len(note) > MAX_COMMENT:
        raise ValidationFailed({"note": _l("Write %(n)s characters or fewer.", n=lazy(number, MAX_COMMENT))})
    if conflicted and not note:
        raise ValidationFailed({"note": _l("Say briefly what the conflict of interest is.")})
    declaration = declaration_of(evaluator, challenge)
    if declaration is not None:
        if conflicted and why_not_step_aside(declaration, evaluation):
            raise InvalidTransition(str(why_not_step_aside(declaration, evaluation)))
        if not (conflicted and may_step_aside(declaration, evaluation)):
            raise Conflict(str(_l("You have already made your declaration.")))
        before = {"conflicted": False}
        declaration.conflicted, declaration.note, declaration.declared_at = True, note, utcnow()
    else:
        before = None
        declaration = ConflictDeclaration(challenge_id=challenge.id, evaluator_id=evaluator.id,
                                          conflicted=bool(conflicted), note=note or None)
        db.session.add(declaration)
    after = {"evaluator_id": evaluator.id, "conflicted": bool(conflicted)}
    if conflicted and scores_stay(evaluation):
        after["scores_stay"] = True  # after finalising: the ranking keeps their scores
    record_change(evaluator, "evaluation.conflict_declared", challenge, before=before, after=after,
                  challenge_id=challenge.id)
    db.session.commit()
    return declaration


def assessments(user, challenge_id):
    """The pitches under evaluation as this evaluator may see them: blind until finalised."""
    challenge = access.evaluation_challenge(user, id=challenge_id)
    if permissions.agency_pitch_standing(user, challenge) == permissions.AWAITING_EVALUATION:
        # Not started yet: the pitch pages' answer (403, why, and the way to the evaluation), not a 409 saying
        # that something changed meanwhile.
        raise access.withheld(permissions.AWAITING_EVALUATION, challenge)
    evaluation = _open_evaluation(challenge)
    # The pitches' own rule (permissions.agency_pitch_standing): before finalising, only a panel member who
    # declared no conflict; a recused member never sees them here, nor their scores.
    declaration = declaration_of(user, challenge)
    refuse_if_recused(user, challenge, declaration)
    standing = permissions.agency_pitch_standing(user, challenge)
    if standing == permissions.UNDECLARED:  # the pitch pages' answer, with the way to the declaration (finalised
        raise access.withheld(standing, challenge)  # before a latecomer declared too: `may_declare` keeps it open)
    if standing != permissions.READS:
        raise NotAllowed(str(_l("Declare any conflict of interest before you see the pitches.")))
    rows = db.session.scalars(
        select(PitchAssessment).where(PitchAssessment.challenge_id == challenge.id).order_by(PitchAssessment.label)
    ).all()
    return [blind_view(row, revealed=evaluation.is_finalised) for row in rows]


def blind_view(assessment, *, revealed):
    pitch = assessment.pitch
    view = {"assessment_id": assessment.id, "label": assessment.label,
            **{name: getattr(pitch, name) for name in BLIND_FIELDS},
            "approach_html": pitch.approach_html, "evidence_html": pitch.evidence_html}
    if not revealed:
        view.update({name: redact(view[name], pitch.company) for name in BLIND_TEXT_FIELDS})
        view.update({f"{name}_html": redacted_html(pitch, name, pitch.company) for name in ("approach", "evidence")})
    if revealed:
        view.update(company_name=pitch.company.name, team=pitch.team, pitch_id=pitch.id)
    return view


def _scoring_context(evaluator, assessment_id):
    assessment = access.assessment(evaluator, assessment_id)
    challenge = access.evaluation_challenge(evaluator, id=assessment.challenge_id)
    permissions.require(evaluator, "evaluation.score", challenge)
    evaluation = _evaluation_to_change(challenge)
    if evaluation.is_finalised:
        raise InvalidTransition(str(_l("This evaluation is finalised: scores can no longer change.")))
    declaration = declaration_of(evaluator, challenge)
    if declaration is None:
        raise InvalidTransition(str(_l("Declare any conflict of interest before you score.")))
    refuse_if_recused(evaluator, challenge, declaration)
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
        raise NotFound(str(_l("That criterion is not one of this challenge’s published criteria.")))
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


def _score_counts():
    """SQL: a score counts unless its evaluator is recused from its challenge — by a conflict declared before the
    evaluation was finalised: one declared after leaves the finalised record as it was (`scores_stay`,
    `stepped_aside_late`). The one rule for the ranking, the finalise button and the work list."""
    finalised_before = select(Evaluation.id).where(
        Evaluation.challenge_id == ConflictDeclaration.challenge_id, Evaluation.finalised_at.is_not(None),
        Evaluation.finalised_at < ConflictDeclaration.declared_at).exists()
    return ~select(ConflictDeclaration.id).where(
        ConflictDeclaration.challenge_id == Score.challenge_id, ConflictDeclaration.evaluator_id == Score.evaluator_id,
        ConflictDeclaration.conflicted.is_(True), ~finalised_before).exists()


def _counted_scores(challenge):
    return list(db.session.scalars(select(Score).where(Score.challenge_id == challenge.id, _score_counts())))


# A spread of this many points (0–5 scale) between evaluators, on a pitch's total or on one criterion, is flagged.
LARGE_SPREAD = Decimal("2")


def _two_places(value):
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def ranking(officer, challenge_id, *, by=None):
    """Pitches by weighted mean score, each criterion's mean beside it, and where evaluators disagree.

    Each evaluator's total is the weighted mean of their scores (weights sum to
    100); the ranking uses the mean of those totals, and the spread (highest
    minus lowest total) shows where evaluators disagree. Each criterion has its
    own mean and spread; `by` (a criterion id) ranks by that criterion alone. A
    pitch whose total or any criterion spreads by `LARGE_SPREAD` or more is
    flagged `disagreement`, naming the criteria, for the panel to talk over.
    """
    challenge = access.evaluation_challenge(officer, id=challenge_id)
    permissions.require(officer, "evaluation.manage", challenge)
    evaluation = _open_evaluation(challenge)
    refuse_ranking(officer, challenge, evaluation)
    weights = {c.id: Decimal(c.weight) for c in challenge.criteria}
    by_pitch = {}
    for score in _counted_scores(challenge):
        by_pitch.setdefault(score.pitch_id, {}).setdefault(score.evaluator_id, {})[score.criterion_id] = score.score
    rows = []
    for assessment in db.session.scalars(select(PitchAssessment).where(PitchAssessment.challenge_id == challenge.id)):
        totals = []
        scored = by_pitch.get(assessment.pitch_id, {}).values()
        for evaluator_scores in scored:
            if set(evaluator_scores) >= set(weights):  # only evaluators who scored every criterion
                totals.append(sum(weights[c] * evaluator_scores[c] for c in weights) / 100)
        mean = statistics.fmean(totals) if totals else None
        spread = (max(totals) - min(totals)).quantize(Decimal("0.01")) if totals else None
        criteria = []
        for criterion in challenge.criteria:
            marks = [s[criterion.id] for s in scored if criterion.id in s]
            criteria.append({
                "criterion_id": criterion.id, "name": criterion.name,
                "mean": _two_places(statistics.fmean(marks)) if marks else None,
                "spread": max(marks) - min(marks) if marks else None,
                "large_spread": bool(marks) and max(marks) - min(marks) >= LARGE_SPREAD,
            })
        rows.append({
            **blind_view(assessment, revealed=evaluation.is_finalised),
            "weighted_mean": _two_places(mean) if mean is not None else None,
            "spread": spread,
            "evaluators": len(totals),
            "criteria": criteria,
            "disagreement": (spread is not None and spread >= LARGE_SPREAD) or any(c["large_spread"] for c in criteria),
            "disagreement_on": [c["name"] for c in criteria if c["large_spread"]],
            "decision": assessment.decision,
            "may_decide": bool(decision_choices(evaluation, assessment)[0]),
            "feedback_confirmed_at": assessment.feedback_confirmed_at,
            "published_decision": assessment.published_decision,
            "needs_confirmed_feedback": needs_confirmed_feedback(assessment),
            # Told it is selected: its pilot can start (pilots.start asks the pitch lifecycle too).
            "sent_selected": assessment.published_decision in pitch_lifecycle.SELECTED,
        })

    def key(row):
        value = row["weighted_mean"] if by is None else next(
            (c["mean"] for c in row["criteria"] if c["criterion_id"] == by), None)
        return value is None, -(value or 0), row["label"]
    rows.sort(key=key)
    return rows


def has_counted_scores(challenge_id):
    """SQL: whether someone whose scores count (not recused) has scored this challenge (`challenge_id`: a value
    or a column, for the work list's one statement over all of an agency's evaluations)."""
    return select(Score.id).where(Score.challenge_id == challenge_id, _score_counts()).exists()


def why_not_finalise(challenge):
    """Why the evaluation cannot be finalised yet (nobody whose scores count has scored), or None: the overview
    shows the button unavailable with this reason, `finalise_evaluation` refuses with it."""
    if lifecycle.state_of(challenge).called_off:
        return STOPPED
    if not db.session.scalar(select(has_counted_scores(challenge.id))):
        return _l("No scores yet: at least one evaluator must score before you finalise.")
    return None


def finalise_evaluation(officer, challenge_id):
    challenge = access.evaluation_challenge(officer, id=challenge_id)
    permissions.require(officer, "evaluation.manage", challenge)
    evaluation = _open_evaluation(challenge)
    refuse_ranking(officer, challenge, evaluation)  # the ranking it fixes is not theirs to see
    if evaluation.is_finalised:
        return evaluation
    reason = why_not_finalise(challenge)
    if reason:
        raise InvalidTransition(str(reason))
    evaluation.finalised_at = utcnow()
    evaluation.finalised_by_id = officer.id
    record_change(officer, "evaluation.finalised", challenge, after={"finalised_at": evaluation.finalised_at},
                  challenge_id=challenge.id)
    db.session.commit()
    return evaluation


def _comments_by_criterion(assessment):
    """[(criterion, [comment, …])] of the evaluators who count, in the criteria's order."""
    challenge = assessment.pitch.challenge
    comments = {}
    for score in _counted_scores(challenge):
        if score.pitch_id == assessment.pitch_id and score.comment:
            comments.setdefault(score.criterion_id, []).append(score.comment)
    return [(criterion, comments[criterion.id]) for criterion in challenge.criteria if criterion.id in comments]


def draft_feedback(assessment):
    """Feedback pre-filled from the evaluators' comments, per criterion, for the officer to edit."""
    return "\n\n".join(f"{criterion.name}:\n" + "\n".join(f"- {c}" for c in comments)
                        for criterion, comments in _comments_by_criterion(assessment))


def draft_feedback_for(assessment_id):
    assessment = db.session.get(PitchAssessment, assessment_id)
    if assessment is None:
        return ""
    return assessment.feedback if assessment.feedback is not None else draft_feedback(assessment)


# ---- Decisions, in one or two rounds ------------------------------------------------------------------------
#
# After finalising, the officer decides on each pitch. Shortlisting is a step, not a final decision: when any
# pitch is shortlisted, the first send is the shortlist; the shortlisted companies book a pitch session, and
# after the sessions the officer decides "selected" or "not selected" on each of them and sends the final
# decisions. With no shortlist, the first send is final: one round, as before. Only the final send counts as
# an award (OCDS reads `Evaluation.decisions_published_at`).
#
# The companies not shortlisted are told at the first send, not kept waiting until the final one: nothing in
# the second round can change their outcome (only shortlisted pitches are decided again), so holding it back
# would only keep them from their feedback while it is fresh and from planning their next bid. It is fairer to
# them, and their feedback must therefore be confirmed before the shortlist goes out.
#
# The blind round (blinding.py) is the scoring before finalising: both rounds of decisions come after it, so
# the panel decides, meets and writes feedback knowing the companies, and no score changes in either.

# A decision is the status it gives the pitch: which ones there are, which are final and which go on to the
# pitch sessions is the pitch lifecycle's (pitch_lifecycle.DECISIONS, FINAL, SHORTLISTED), and so is its word, in
# the decide form's order.
DECISION_LABELS = {status: pitch_lifecycle.status_label(status) for status in pitch_lifecycle.DECISIONS}


def decision_round(evaluation):
    """1 (the shortlist, or the only round), 2 (the final decisions after the sessions), or None (not now)."""
    if evaluation is None or not evaluation.is_finalised or evaluation.decisions_published_at is not None or \
            is_stopped(evaluation):
        return None
    return 2 if evaluation.shortlist_sent_at is not None else 1


def decision_choices(evaluation, assessment):
    """The decisions the officer may record on this pitch now, and why none when there are none: (choices, reason)."""
    if evaluation is None:
        return (), _l("The evaluation has not started yet.")
    if is_stopped(evaluation):
        return (), STOPPED
    if not evaluation.is_finalised:
        return (), _l("Finalise the evaluation before you decide.")
    if evaluation.decisions_published_at is not None:
        return (), _l("The decisions have been sent to the companies and can no longer change.")
    if evaluation.shortlist_sent_at is None:
        return pitch_lifecycle.DECISIONS, None
    if assessment.published_decision in pitch_lifecycle.SHORTLISTED:
        return pitch_lifecycle.FINAL, None
    return (), _l("This company was told with the shortlist that its pitch was not selected.")


def needs_confirmed_feedback(assessment):
    """A final decision goes out with feedback the officer has read and confirmed; a shortlisting needs none."""
    return assessment.decision in pitch_lifecycle.FINAL


@dataclass(frozen=True)
class Sending:
    """What the next send would do: which round, whom it tells, and what still stands in its way."""

    round: int | None
    shortlist: bool  # the first of two rounds: shortlisted companies are invited to a session
    to_send: tuple  # the assessments told at this send
    reasons: tuple  # empty when the send is possible

    @property
    def possible(self):
        return not self.reasons


def _labels(rows):
    return ", ".join(r.label for r in rows)


def sending(evaluation, rows):
    """The rule of the send button, asked by the page, the API and the send itself."""
    current = decision_round(evaluation)
    if evaluation is None:
        return Sending(None, False, (), (_l("The evaluation has not started yet."),))
    if is_stopped(evaluation):
        return Sending(None, False, (), (STOPPED,))
    if evaluation.decisions_published_at is not None:
        return Sending(None, False, (), (_l("The decisions have already been sent."),))
    if current is None:
        return Sending(None, False, (), (_l("Finalise the evaluation before you send the decisions."),))
    if current == 1:
        to_send = tuple(rows)
        shortlist = any(r.decision in pitch_lifecycle.SHORTLISTED for r in to_send)
        undecided = [r for r in to_send if r.decision is None]
    else:
        to_send = tuple(r for r in rows if r.published_decision in pitch_lifecycle.SHORTLISTED)
        shortlist = False
        undecided = [r for r in to_send if r.decision not in pitch_lifecycle.FINAL]
    reasons = []
    if undecided:
        reasons.append(_l("Decide on every pitch first: %(labels)s.", labels=_labels(undecided)) if current == 1 else
                       _l("Decide selected or not selected on every shortlisted pitch first: %(labels)s.",
                          labels=_labels(undecided)))
    early = [r for r in to_send if shortlist and r.decision in pitch_lifecycle.SELECTED]
    if early:
        reasons.append(_l("Pitches are shortlisted, so selecting comes after the pitch sessions: shortlist these "
                          "too, or decide them not selected: %(labels)s.", labels=_labels(early)))
    unconfirmed = [r for r in to_send if needs_confirmed_feedback(r) and r.feedback_confirmed_at is None]
    if unconfirmed:
        reasons.append(_l("Open and confirm the feedback of each company told now: %(labels)s.",
                          labels=_labels(unconfirmed)))
    return Sending(current, shortlist, to_send, tuple(reasons))


def _assessments_of(challenge):
    return db.session.scalars(select(PitchAssessment).where(PitchAssessment.challenge_id == challenge.id)
                              .order_by(PitchAssessment.label)).all()


def sending_for(challenge):
    return sending(evaluation_of(challenge), _assessments_of(challenge))


def decide(officer, assessment_id, *, decision, feedback="", confirmed=False):
    """Record (not send) a decision and its feedback; `confirmed`: the officer has read the text and stands by it."""
    assessment = access.assessment(officer, assessment_id)
    challenge = access.evaluation_challenge(officer, id=assessment.challenge_id)
    refuse_ranking(officer, challenge, evaluation_of(challenge))  # first, as decision_sheet does
    permissions.require(officer, "evaluation.manage", challenge)
    evaluation = _open_evaluation(challenge)
    choices, reason = decision_choices(evaluation, assessment)
    if not choices:
        raise InvalidTransition(str(reason))
    feedback = (feedback or "").strip()
    errors = {}
    if decision not in choices:
        errors["decision"] = (_l("Choose shortlisted, not selected or selected.")
                              if choices == pitch_lifecycle.DECISIONS
                              else _l("After the pitch sessions, choose selected or not selected."))
    if decision in pitch_lifecycle.TURNED_DOWN and not feedback:
        errors["feedback"] = _l("Give the company feedback: say why its pitch was not selected.")
    if len(feedback) > MAX_FEEDBACK:
        errors["feedback"] = _l("Write %(n)s characters or fewer.", n=lazy(number, MAX_FEEDBACK))
    if errors:
        raise ValidationFailed(errors)
    before = {"decision": assessment.decision, "feedback_confirmed": assessment.feedback_confirmed_at is not None}
    changed = decision != assessment.decision or feedback != (assessment.feedback or "")
    assessment.decision, assessment.feedback = decision, feedback or None
    assessment.decided_at, assessment.decided_by_id = utcnow(), officer.id
    if confirmed and decision in pitch_lifecycle.FINAL:
        assessment.feedback_confirmed_at, assessment.feedback_confirmed_by_id = utcnow(), officer.id
    elif changed or decision not in pitch_lifecycle.FINAL:
        assessment.feedback_confirmed_at = assessment.feedback_confirmed_by_id = None
    record_change(officer, "evaluation.decided", challenge, before=before,
                  after={"label": assessment.label, "decision": decision,
                         "feedback_confirmed": assessment.feedback_confirmed_at is not None},
                  challenge_id=challenge.id)
    db.session.commit()
    return assessment


def decision_sheet(officer, assessment_id):
    """One pitch's decision page: the evaluators' comments per criterion, the decisions possible now and the
    feedback as it stands (or its draft), for the officer to read, edit and confirm."""
    assessment = access.assessment(officer, assessment_id)
    challenge = access.evaluation_challenge(officer, id=assessment.challenge_id)
    # Recused or undeclared first: such an evaluator gets the one answer of the pitch and score pages, not "not
    # allowed" (the sheet names the company and quotes the scores' comments).
    refuse_ranking(officer, challenge, evaluation_of(challenge))
    permissions.require(officer, "evaluation.manage", challenge)
    evaluation = _open_evaluation(challenge)
    if not evaluation.is_finalised:  # before, the pitch is blind: nothing to decide on by name
        raise InvalidTransition(str(_l("Finalise the evaluation before you decide.")))
    choices, reason = decision_choices(evaluation, assessment)
    return {"challenge": challenge, "evaluation": evaluation, "assessment": assessment,
            "pitch": blind_view(assessment, revealed=True), "comments": _comments_by_criterion(assessment),
            "choices": choices, "reason": reason, "round": decision_round(evaluation),
            "feedback": draft_feedback_for(assessment.id)}


def publish_decisions(officer, challenge_id):
    """Send this round: the shortlist (and the not selected), or the final decisions; each pitch takes its status."""
    challenge = access.evaluation_challenge(officer, id=challenge_id)
    permissions.require(officer, "evaluation.manage", challenge)
    evaluation = _open_evaluation(challenge)
    refuse_ranking(officer, challenge, evaluation)  # recused, or not declared: the decisions are not theirs
    if evaluation.decisions_published_at is not None:
        raise Conflict(str(_l("The decisions have already been sent.")))
    plan = sending(evaluation, _assessments_of(challenge))
    if not plan.possible:
        raise InvalidTransition(" ".join(str(reason) for reason in plan.reasons))
    now = utcnow()
    for row in plan.to_send:
        pitch = row.pitch
        before = {"status": pitch.status}
        pitch.status = row.decision
        row.published_decision, row.published_at = row.decision, now
        record_change(officer, "pitch.decided", pitch, before=before, after={"status": row.decision},
                      challenge_id=challenge.id)
    if plan.shortlist:
        evaluation.shortlist_sent_at = now
        record_change(officer, "evaluation.shortlist_sent", challenge, after={"shortlist_sent_at": now},
                      challenge_id=challenge.id)
    else:
        evaluation.decisions_published_at = now
        record_change(officer, "evaluation.decisions_sent", challenge, after={"decisions_published_at": now},
                      challenge_id=challenge.id)
    db.session.commit()
    return list(plan.to_send)


def outcome_for_company(user, pitch):
    """What a company may learn: its own decision and feedback, never scores or other companies.

    A shortlisting comes without feedback: the text the officer is writing for the final round stays theirs
    until it is sent.
    """
    if not permissions.can(user, "pitch.write", pitch):
        raise NotFound(str(_l("We could not find that pitch.")))
    row = db.session.scalar(select(PitchAssessment).where(PitchAssessment.pitch_id == pitch.id))
    if row is None or row.published_at is None:
        return None
    final = row.published_decision in pitch_lifecycle.FINAL
    return {"decision": row.published_decision, "feedback": row.feedback if final else None}


def _decision_title(decision, title):
    state = pitch_lifecycle.state_named(decision)
    if state.selected:
        return _l("Your pitch for “%(title)s” is selected for a pilot", title=title)
    if state.shortlisted:
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
    shortlisted = pitch_lifecycle.state_named(row.published_decision).shortlisted
    # Shortlisted: the way to book a session (or, none offered yet, that the company will be told: see
    # pitch_sessions.tell_of_offered_slots), no feedback yet. Decided: the feedback, also on the pitch's page.
    from marketplace.services.evaluation.pitch_sessions import open_slots  # it imports this module

    if not shortlisted:
        body = row.feedback or ""
    elif open_slots(pitch.challenge):
        body = _l("Pick a time for a short pitch session with the agency’s panel. No new documents are needed.")
    else:
        body = _l("The agency’s panel will offer times for a short pitch session; you will be told as soon as it "
                  "does. No new documents are needed.")
    link = links.pitch_session_path(pitch) if shortlisted else links.pitch_path(pitch)
    for user in members:
        notify(user, kind="pitch.decided", title=_decision_title(row.published_decision, pitch.challenge.title),
               body=body, link=link, dedupe_key=f"decided:{pitch.id}:{row.published_decision}:{user.id}",
               email_template="notification")


@handles("evaluation.conflict_declared")
def tell_who_runs_it_of_a_late_conflict(event):
    """A panel member who steps aside after finalising leaves their scores in the ranking (`stepped_aside_late`):
    the people who run the evaluation (`running_it_instead`: not recused, not them) are told, by notice and by
    email as each chose, to read the evaluation page — where their note is, not in the email — and decide."""
    from marketplace.services.messaging.notifications import Notice, notify_all

    challenge = db.session.get(Challenge, event.payload["object_id"])
    member = db.session.get(User, event.payload["actor_id"]) if event.payload.get("actor_id") else None
    if challenge is None or member is None or \
            not stepped_aside_late(declaration_of(member, challenge), evaluation_of(challenge)):
        return
    title = _l("%(name)s declared a conflict of interest after the evaluation of “%(title)s” was finalised",
               name=member.name, title=challenge.title)
    body = _l("Any scores they gave stay in the finalised ranking. Their note is on the evaluation page: decide "
              "there what to do.")
    notify_all([Notice(person, "evaluation.late_conflict", title, f"late-conflict:{challenge.id}:{member.id}:{person.id}",
                       body=body, link=links.evaluation_path(challenge), email_template="notification")
                for person in running_it_instead(member, challenge)])
