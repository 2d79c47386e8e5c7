"""The pilot state machine: stages, transitions and their guards, declared once.

Pages, the API and the worker all move pilots through `move_pilot`, so a rule
added here holds everywhere. Each transition lists the checks that must pass
(its checklist); a page shows them as a checklist, a refused move names the
ones still open.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from marketplace.extensions import db
from marketplace.formatting import lazy, listed, money, number
from marketplace.models.challenge import COMPLETED
from marketplace.models.pilot import ADOPTED, AGREEMENT, EVALUATION, EVALUATION_REPORT, EXTENDED, MET, OUTCOME_STAGES, RUNNING, SIGNED_AGREEMENT, STOPPED, PaymentMilestone, Pilot, PilotStageChange
from marketplace.services import access, permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, NotFound, StaleState
from marketplace.services.evaluation.evaluation import evaluation_of, ranking_withheld_from
from marketplace.services.messaging.events import record_change

NOTE_MAX = 5000  # a note on a move; the move form (marketplace/forms/pilots.py) applies it too
NOTE_TOO_LONG = _l("The note must be %(n)s characters or fewer.", n=lazy(number, NOTE_MAX))

STAGE_LABELS = {
    AGREEMENT: _l("Agreement"),
    RUNNING: _l("Running"),
    EVALUATION: _l("Evaluation"),
    ADOPTED: _l("Adopted"),
    EXTENDED: _l("Extended"),
    STOPPED: _l("Stopped"),
}

# How long a stage may take before its owner is reminded; None: the pilot's own end date.
STAGE_DURATION = {AGREEMENT: timedelta(days=14), RUNNING: None, EXTENDED: None, EVALUATION: timedelta(days=21)}


@dataclass(frozen=True)
class Check:
    """One checklist item: a name for people and a test on the pilot."""

    key: str
    label: object
    passes: object  # callable(pilot) -> bool
    todo: object = None  # the same item as something to do, for the summary of the pilot page
    by: str = "agency"  # who does it: BY_AGENCY, BY_EITHER_SIDE or BY_SECOND_APPROVER
    # callable(pilot) -> why the item does not apply to this pilot (it then passes, never shown as done), or None
    not_needed: object = None


# Who takes a step of a pilot.
BY_AGENCY = "agency"  # whoever may move the pilot (permission "pilot.move")
BY_EITHER_SIDE = "either"  # the agency or the company: a document either may upload
BY_SECOND_APPROVER = "second_approver"  # a mover of the agency other than the person who started the pilot


def _budget_cleared(pilot):
    return pilot.budget_approved_at is not None or not needs_second_approval(pilot)


def _budget_needs_no_approval(pilot):
    if needs_second_approval(pilot):
        return None
    from flask import current_app  # the configured threshold; nothing else from Flask

    return _l("Not needed: this budget, %(amount)s, is not above the low-value threshold of %(threshold)s.",
              amount=lazy(money, pilot.budget, pilot.currency),
              threshold=lazy(money, current_app.config["PILOT_LOW_VALUE_THRESHOLD"], pilot.currency))


def _every_measure_judged(pilot):
    judged = {o.success_measure_id for o in pilot.measure_outcomes}
    return all(m.id in judged for m in pilot.challenge.success_measures)


SIGNED_AGREEMENT_UPLOADED = Check(
    "signed_agreement", _l("The signed pilot agreement is uploaded"), lambda p: p.has_document(SIGNED_AGREEMENT),
    _l("Upload the signed pilot agreement"), BY_EITHER_SIDE,
)
BUDGET_CLEARED = Check(
    "budget_cleared", _l("A budget above the low-value threshold is approved by a second person"), _budget_cleared,
    _l("Approve the budget"), BY_SECOND_APPROVER, _budget_needs_no_approval,
)
EVALUATION_REPORT_UPLOADED = Check(
    "evaluation_report", _l("The evaluation report is uploaded"), lambda p: p.has_document(EVALUATION_REPORT),
    _l("Upload the evaluation report"), BY_EITHER_SIDE,
)
MEASURES_JUDGED = Check(
    "measures_judged", _l("Every success measure is judged met, partly met or not met"), _every_measure_judged,
    _l("Judge every success measure"),
)
OUTCOME_WRITTEN = Check(
    "outcome_summary", _l("An outcome summary is written"), lambda p: bool((p.outcome_summary or "").strip()),
    _l("Write the outcome summary"),
)
LESSONS_WRITTEN = Check(
    "lessons_learned", _l("The lessons learned are written"), lambda p: bool((p.lessons_learned or "").strip()),
    _l("Write the lessons learned"),
)
END_DATE_AHEAD = Check(
    "end_date_ahead", _l("The end date is moved later than today"), lambda p: p.ends_on > utcnow().date(),
    _l("Move the end date later than today"),
)


def measures_short_of_met(pilot):
    """The success measures judged partly met or not met: an adoption against them must say why."""
    return [outcome for outcome in pilot.measure_outcomes if outcome.result != MET]


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: object
    checks: tuple = ()
    # The worker may make this move on its own (no person behind it).
    automatic: bool = False
    notes_required: bool = False
    # A note asked for only in some cases: callable(pilot) -> the reason a note is needed, or None.
    note_required_when: object = None


def _adopted_against_the_evidence(pilot):
    if measures_short_of_met(pilot):
        return _l("Some success measures were judged partly met or not met: say in the note why the solution is "
                  "adopted all the same. The note is published with the outcome.")
    return None


TRANSITIONS = (
    Transition(AGREEMENT, RUNNING, _l("Start the pilot"), (SIGNED_AGREEMENT_UPLOADED, BUDGET_CLEARED)),
    Transition(RUNNING, EVALUATION, _l("Move to evaluation"), automatic=True),
    Transition(EXTENDED, EVALUATION, _l("Move to evaluation"), automatic=True),
    # Lessons are asked of an adopted pilot too: what worked is learning as much as what failed.
    Transition(EVALUATION, ADOPTED, _l("Adopt the solution"),
               (EVALUATION_REPORT_UPLOADED, MEASURES_JUDGED, OUTCOME_WRITTEN, LESSONS_WRITTEN),
               note_required_when=_adopted_against_the_evidence),
    Transition(EVALUATION, EXTENDED, _l("Extend the pilot"), (EVALUATION_REPORT_UPLOADED, END_DATE_AHEAD),
               notes_required=True),
    Transition(EVALUATION, STOPPED, _l("Stop the pilot"),
               (EVALUATION_REPORT_UPLOADED, MEASURES_JUDGED, OUTCOME_WRITTEN, LESSONS_WRITTEN)),
)
TRANSITIONS_BY_MOVE = {(t.source, t.target): t for t in TRANSITIONS}


def transitions_from(stage):
    return [t for t in TRANSITIONS if t.source == stage]


def open_checks(pilot, transition):
    """The checklist items of a move that do not pass yet."""
    return [check for check in transition.checks if not check.passes(pilot)]


def checks_not_needed(pilot, transitions):
    """{check key: why it does not apply to this pilot} for the items of these moves that do not apply: a page
    shows them as not applicable with the reason, never as done."""
    reasons = {}
    for transition in transitions:
        for check in transition.checks:
            reason = check.not_needed(pilot) if check.not_needed is not None else None
            if reason is not None:
                reasons[check.key] = reason
    return reasons


def note_needed(pilot, transition):
    """Why this move needs a note from the person making it, or None when the note is optional."""
    if transition.notes_required:
        return _l("Say why, in the note, before you make this move.")
    if transition.note_required_when is not None:
        return transition.note_required_when(pilot)
    return None


def outcome_justification(pilot):
    """The note with which a pilot was adopted although some measures fell short: public with the outcome."""
    if pilot.stage != ADOPTED or not measures_short_of_met(pilot):
        return None
    moves = [change for change in pilot.stage_changes if change.to_stage == ADOPTED and change.note]
    return moves[-1].note if moves else None


def needs_second_approval(pilot):
    from flask import current_app  # the configured threshold; nothing else from Flask

    return pilot.budget is not None and pilot.budget > current_app.config["PILOT_LOW_VALUE_THRESHOLD"]


def overdue_since(item, today=None):
    """The date a pilot's current stage (a Pilot) or a planned payment (a PaymentMilestone) was due by, when that
    day has passed and it is still not done (the stage not left for an outcome, the payment not recorded); None
    otherwise. The pilot page, the dashboard, the work list and the reminders all ask this."""
    if isinstance(item, PaymentMilestone):
        due, done = item.planned_on, item.paid_on is not None
    else:
        due, done = item.stage_due_on, is_outcome(item.stage)
    return due if due is not None and not done and due < (today or utcnow().date()) else None


def due_date_for(pilot, stage, entered_at):
    duration = STAGE_DURATION.get(stage, "none")
    if duration == "none":
        return None  # outcome stages are final
    if duration is None:
        return pilot.ends_on
    return (entered_at + duration).date()


def has_outcome(pilot):
    """Adopted or stopped: the outcome is published, the pilot takes no more steps."""
    return is_outcome(pilot.stage)


def is_outcome(stage):
    """The stage is an outcome (adopted or stopped): has_outcome, of a stage named."""
    return stage in OUTCOME_STAGES


def with_outcome(stage=None):
    """has_outcome as an SQL condition on the column naming a stage (Pilot.stage by default), for queries;
    ~with_outcome() for the pilots still running."""
    return (Pilot.stage if stage is None else stage).in_(OUTCOME_STAGES)


def judging_open(pilot):
    """The success measures are judged during the evaluation stage, against its evidence."""
    return pilot.stage == EVALUATION


def may_approve_budget(user, pilot):
    """The second pair of eyes: a mover of the agency, never the person who started the pilot, nor one whom a
    conflict of interest keeps from it (`conflict_keeps_from_approving`)."""
    return (permissions.can(user, "pilot.approve_budget", pilot) and pilot.started_by_id != user.id
            and conflict_keeps_from_approving(user, pilot) is None)


def may_approve_increase(user, pilot, increase):
    """The same second pair of eyes on a budget increase: never the person who asked for it."""
    return (permissions.can(user, "pilot.approve_budget", pilot) and increase.requested_by_id != user.id
            and conflict_keeps_from_approving(user, pilot) is None)


CONFLICTED_APPROVER = _l("You declared a conflict of interest in this challenge’s evaluation: someone else at the "
                         "agency must approve this pilot’s budget.")
UNDECLARED_APPROVER = _l("You sit on this challenge’s panel and have not declared your conflicts of interest: "
                         "declare them in its evaluation before approving this pilot’s budget.")


def conflict_keeps_from_approving(user, pilot):
    """Why a conflict of interest keeps this person from approving the pilot's budget or an increase, or None:
    they declared one in its challenge's evaluation, or sit on its panel without having declared — as it keeps them
    from starting the pilot (pilots.require_may_start, `ranking_withheld_from`): the money is one of the decisions
    that remain."""
    standing = ranking_withheld_from(user, pilot.challenge, evaluation_of(pilot.challenge))
    return {permissions.RECUSED: CONFLICTED_APPROVER, permissions.UNDECLARED: UNDECLARED_APPROVER}.get(standing)


@dataclass(frozen=True)
class NextAction:
    """What a pilot waits for, who must do it and whether this person can: the summary of its page."""

    key: str  # the checklist item's key, the move's target, or "done"
    what: object
    who: object  # None once there is nothing left to do
    yours: bool
    open_items: tuple = ()  # the checklist items of the next move still open, for the summary


def _who(by, pilot):
    if by == BY_EITHER_SIDE:
        return _l("%(agency)s or %(company)s", agency=pilot.agency.name, company=pilot.company.name)
    if by == BY_SECOND_APPROVER:
        return _l("A procurement officer or the owner of %(agency)s, other than %(name)s who started the pilot",
                  agency=pilot.agency.name, name=pilot.started_by.name if pilot.started_by else "–")
    # Not "agency: who": the page says it after its own "By:" label, which would make it "By: agency: who".
    return _l("%(agency)s (the pilot owner, a procurement officer or the agency’s owner)", agency=pilot.agency.name)


def _yours(by, user, pilot):
    if by == BY_EITHER_SIDE:
        return permissions.can(user, "pilot.view", pilot)
    if by == BY_SECOND_APPROVER:
        return may_approve_budget(user, pilot)
    return permissions.can(user, "pilot.move", pilot)


def next_action(pilot, user):
    """The one next step of the pilot, whose it is, and what its move still waits for."""
    if has_outcome(pilot):
        return NextAction("done", _l("Nothing more: the outcome is published."), None, False)
    moves = [t for t in transitions_from(pilot.stage) if not t.automatic]
    if not moves:  # running or extended: the worker moves it to evaluation on its end date
        return NextAction(EVALUATION, _l("The pilot runs until its end date, then moves to evaluation by itself. "
                                         "The agency may move it earlier."),
                          _who(BY_AGENCY, pilot), _yours(BY_AGENCY, user, pilot))
    first = moves[0]  # agreement: start it; evaluation: adopt it, whose checklist is the longest
    missing = tuple(open_checks(pilot, first))
    if missing:
        check = missing[0]
        return NextAction(check.key, check.todo or check.label, _who(check.by, pilot),
                          _yours(check.by, user, pilot), missing)
    what = first.label if len(moves) == 1 else _l("Decide the outcome: adopt the solution, extend the pilot or "
                                                  "stop it")
    return NextAction(first.target, what, _who(BY_AGENCY, pilot), _yours(BY_AGENCY, user, pilot))


def available_moves(user, pilot):
    """What this user could do next: (transition, open checks) pairs, for pages and the API."""
    if not permissions.can(user, "pilot.move", pilot):
        return []
    return [(t, open_checks(pilot, t)) for t in transitions_from(pilot.stage)]


def move_pilot(actor, pilot_id, target, *, note="", expected_version=None):
    """Move a pilot to `target`, or explain why not. `actor` None means the worker.

    `expected_version` is the version the person saw on the page: if someone
    moved the pilot since, they are told instead of overwriting that move.
    """
    pilot = access.pilot(actor, pilot_id) if actor is not None else db.session.get(Pilot, pilot_id)
    if pilot is None:
        raise NotFound(str(_l("We could not find that pilot.")))
    if actor is not None:
        permissions.require(actor, "pilot.move", pilot)
    if expected_version is not None and int(expected_version) != pilot.version:
        raise StaleState(str(_l("Someone else changed this pilot while you were looking at it. "
                                "Check its current stage and try again.")))
    transition = TRANSITIONS_BY_MOVE.get((pilot.stage, target))
    if transition is None:
        raise InvalidTransition(str(_l(
            "A pilot in stage “%(current)s” cannot move to “%(target)s”.",
            current=STAGE_LABELS.get(pilot.stage, pilot.stage), target=STAGE_LABELS.get(target, target),
        )))
    if actor is None and not transition.automatic:
        raise InvalidTransition(str(_l("Only a person can make this move.")))
    note = (note or "").strip()
    reason_for_note = note_needed(pilot, transition)
    if reason_for_note is not None and not note:
        raise InvalidTransition(str(reason_for_note))
    if len(note) > NOTE_MAX:
        raise InvalidTransition(str(NOTE_TOO_LONG))
    missing = open_checks(pilot, transition)
    if missing:
        raise InvalidTransition(str(_l("This move needs first: %(items)s.",
                                       items=listed(check.label for check in missing))))

    before = {"stage": pilot.stage, "stage_due_on": pilot.stage_due_on}
    now = utcnow()
    try:
        pilot.stage = target
        pilot.stage_entered_at = now
        pilot.stage_due_on = due_date_for(pilot, target, now)
        if is_outcome(target):
            pilot.outcome_published_at = now
        # The first flush checks the version: if another officer's move won the race, it fails here.
        db.session.flush()
        db.session.add(PilotStageChange(pilot_id=pilot.id, from_stage=before["stage"], to_stage=target,
                                        actor_id=actor.id if actor is not None else None, note=note,
                                        changed_at=now))
        record_change(actor, "pilot.stage_changed", pilot, before=before,
                      after={"stage": target, "stage_due_on": pilot.stage_due_on}, challenge_id=pilot.challenge_id,
                      payload={"from_stage": before["stage"], "to_stage": target,
                               "stage_due_on": pilot.stage_due_on})
        if is_outcome(target):
            complete_challenge_if_all_pilots_decided(pilot.challenge, actor)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleState(str(_l("Someone else changed this pilot at the same moment. "
                                "Check its current stage and try again."))) from None
    return pilot


def complete_challenge_if_all_pilots_decided(challenge, actor=None):
    """A challenge is completed once every one of its pilots has an outcome; the caller commits."""
    # The move "complete" (from piloting), whose guard asks the pilots: a consultation is completed by its summary.
    if not lifecycle.may_make(challenge, "complete"):
        return False
    lifecycle.move_challenge(actor, challenge, COMPLETED)
    return True
