"""The challenge lifecycle: states, moves, their guards and time stamps, declared once.

Every change of `Challenge.status` goes through `move_challenge`: it checks the
move is allowed from the current state and that its guard has nothing against
it, sets the status, stamps the time, and records the audit and outbox event.
Pages, the API and templates ask `may_move`, `next_moves`, `reasons_against` and
the state's facts (`state_of`) instead of comparing statuses. A draft awaiting
approval is still a draft: four-eyes publishing is a rule of who publishes, not
a state.
"""
from dataclasses import dataclass
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, literal_column, not_, or_, select

from marketplace.extensions import db
from marketplace.models import Challenge, Pilot
from marketplace.models.challenge import CANCELLED, CHALLENGE_STATUSES, CLOSED, COMPLETED, DRAFT, EVALUATING, MARKET_CONSULTATION, OPEN_STATUSES, PILOTING, PUBLISHED
from marketplace.models.pilot import OUTCOME_STAGES
from marketplace.services import permissions
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, ValidationFailed
from marketplace.services.messaging.events import record_change
from marketplace.services.organisations.verification import verification_notice
from marketplace.services.pitches import seal


@dataclass(frozen=True)
class State:
    """What a state means for the people around a challenge."""

    name: str
    label: object
    draft: bool = False  # still being written: only its agency sees it, its text may change
    takes_pitches: bool = False  # companies write, change and submit pitches
    correctable: bool = False  # published text corrected and deadlines extended, each with a public notice
    evaluation_page: bool = False  # a call for solutions has an evaluation to start or follow
    pitch_sessions: bool = False  # the agency offers pitch sessions to the shortlist
    under_evaluation: bool = False  # the panel reads and scores the pitches: none of them may change any more
    final: bool = False  # nothing happens any more
    concluded: bool = False  # it reached its end: every pilot decided, or the consultation's summary published
    called_off: bool = False  # cancelled: the page leads with the public reason

    @property
    def matched(self):
        """Companies are matched with it and it is shown among similar challenges: it went out (not a draft,
        which only its agency sees) and was not called off."""
        return not self.draft and not self.called_off


STATES = {
    DRAFT: State(DRAFT, _l("Draft"), draft=True),
    PUBLISHED: State(PUBLISHED, _l("Open for pitches"), takes_pitches=True, correctable=True),
    CLOSED: State(CLOSED, _l("Closed"), evaluation_page=True),
    EVALUATING: State(EVALUATING, _l("Evaluating"), evaluation_page=True, pitch_sessions=True, under_evaluation=True),
    PILOTING: State(PILOTING, _l("Piloting"), evaluation_page=True),
    COMPLETED: State(COMPLETED, _l("Completed"), final=True, concluded=True),
    CANCELLED: State(CANCELLED, _l("Cancelled"), final=True, called_off=True),
}
assert tuple(STATES) == CHALLENGE_STATUSES
STATE_LABELS = {name: state.label for name, state in STATES.items()}
# The statuses in which companies pitch, for queries (`state_of(c).takes_pitches` for one challenge).
TAKING_PITCHES = tuple(name for name, state in STATES.items() if state.takes_pitches)
# The statuses of a challenge called off, for queries (`state_of(c).called_off` for one challenge).
CALLED_OFF = tuple(name for name, state in STATES.items() if state.called_off)
# The statuses of a challenge companies are matched with, for queries (`state_of(c).matched` for one challenge).
MATCHED = tuple(name for name, state in STATES.items() if state.matched)
# The statuses of a challenge that reached its end, for queries (`state_of(c).concluded` for one challenge).
CONCLUDED = tuple(name for name, state in STATES.items() if state.concluded)


def state_of(challenge):
    return STATES[challenge.status]


def status_label(status):
    """The one word people read for a status."""
    return STATE_LABELS.get(status, status)


def ever_published(challenge):
    """Published at some point: a draft, or a draft cancelled before it went live (no published_at), never was.
    Its query form is `public_condition`."""
    return not state_of(challenge).draft and challenge.published_at is not None


def public_condition():
    """The SQL condition of the challenges that were ever published (`ever_published`): the public may see them."""
    # 'draft' written in the SQL, not bound: a statement psycopg has prepared may run with a generic plan, and
    # only a constant lets PostgreSQL see that the partial indexes on public challenges (models/challenge.py) apply.
    return and_(Challenge.published_at.is_not(None), Challenge.status != literal_column(f"'{DRAFT}'", String))


# ---- Guards: each returns {field or "": reason} — empty when nothing stands in the way -------------------

def publishable_fields(challenge, now):
    """What in the draft's text still stops it from going live, as field errors."""
    errors = {}
    for name, message in (("summary", _l("Write a short summary.")),
                          ("problem_statement", _l("Describe the problem."))):
        if not (getattr(challenge, name) or "").strip():
            errors[name] = message
    if challenge.pitch_deadline is None:
        errors["pitch_deadline"] = _l("Enter the pitch deadline.")
    elif challenge.pitch_deadline <= now:
        errors["pitch_deadline"] = _l("The pitch deadline must be in the future.")
    if challenge.question_deadline is not None and challenge.question_deadline <= now:
        errors["question_deadline"] = _l("The question deadline must be in the future.")
    if ranks_pitches(challenge):
        if not challenge.criteria:
            errors["criteria"] = _l("Publish at least one evaluation criterion.")
        elif sum(c.weight for c in challenge.criteria) != 100:
            errors["criteria"] = _l("The criteria weights must add up to 100.")
        if not challenge.success_measures:
            errors["success_measures"] = _l("State at least one success measure a pilot would be judged by.")
    return errors


def _ready_to_publish(challenge, now):
    reasons = publishable_fields(challenge, now)
    if not challenge.agency.verified:
        reasons[""] = " ".join((str(_l("Your agency must be verified by the Agora team before it can publish.")),
                                verification_notice()))
    return reasons


def _deadline_passed(challenge, now):
    if challenge.pitch_deadline is None or challenge.pitch_deadline > now:
        return {"": _l("A challenge closes at its pitch deadline, which has not passed yet.")}
    return {}


def ranks_pitches(challenge):
    """A call for solutions ranks its pitches by published criteria and judges a pilot by success measures; a market
    consultation ranks nothing (its answers are read, then summarised) and no pilot follows from it: criteria, success
    measures or a pilot duration it was given are not its rules, and its answers are asked about no pilot."""
    return kind_ranks_pitches(challenge.kind)


def kind_ranks_pitches(kind):
    """`ranks_pitches` for a kind not yet saved (a form being filled in): criteria, success measures and an expected
    pilot duration mean something only for a kind that ranks; a market consultation neither shows nor keeps them."""
    return kind != MARKET_CONSULTATION


def surveys_the_market(challenge):
    """A market consultation comes before any procurement: the agency reads the answers to learn what the market
    offers, and may follow up with a call for solutions. It is the planning of a procurement (open data publishes
    it at that stage), not the procurement itself; a call for solutions is the procurement (the tender)."""
    return not ranks_pitches(challenge)


def _ranked(challenge, now):
    if not ranks_pitches(challenge):
        return {"": _l("Answers to a market consultation are not ranked.")}
    return {}


def _a_consultation(challenge, now):
    if not surveys_the_market(challenge):
        return {"": _l("Only a market consultation ends with a summary.")}
    return {}


def _every_pilot_decided(challenge, now):
    stages = db.session.scalars(select(Pilot.stage).where(Pilot.challenge_id == challenge.id)).all()
    if not stages or any(stage not in OUTCOME_STAGES for stage in stages):
        return {"": _l("A challenge is completed once every one of its pilots has an outcome.")}
    return {}


def _nothing_against(challenge, now):
    return {}


@dataclass(frozen=True)
class Move:
    name: str
    sources: tuple
    target: str
    event: str  # the audit action and outbox topic
    label: object
    refused: object  # said when the challenge is in none of the sources
    guard: Callable = _nothing_against  # (challenge, now) -> {field or "": reason}
    stamp: str | None = None  # the column that records when it happened
    permission: str | None = None  # a person asks for it; None: it follows from another action
    due: Callable | None = None  # automatic: (now) -> SQL condition of the challenges the clock moves
    audited: tuple = ()  # changes made with the move that the audit event keeps


MOVES = (
    Move("publish", (DRAFT,), PUBLISHED, "challenge.published", _l("Publish the challenge"),
         _l("This challenge is already published."), _ready_to_publish, stamp="published_at",
         permission="challenge.publish"),
    Move("close", (PUBLISHED,), CLOSED, "challenge.closed", _l("Close at the pitch deadline"),
         _l("Only a challenge open for pitches closes."), _deadline_passed, stamp="closed_at",
         due=lambda now: and_(Challenge.status == PUBLISHED, Challenge.pitch_deadline <= now)),
    Move("start_evaluation", (CLOSED,), EVALUATING, "challenge.evaluation_started", _l("Start the evaluation"),
         _l("Evaluation starts once the challenge has closed at its pitch deadline."), _ranked,
         permission="evaluation.manage"),
    Move("start_piloting", (CLOSED, EVALUATING), PILOTING, "challenge.piloting", _l("Start piloting"),
         _l("Pilots start after the pitch deadline, before the challenge is completed.")),
    Move("summarise", (CLOSED,), COMPLETED, "challenge.consultation_summarised",
         _l("Publish the summary of what the market offered"),
         _l("The summary is published once the consultation has closed."), _a_consultation,
         permission="challenge.edit"),
    Move("complete", (PILOTING,), COMPLETED, "challenge.completed", _l("Complete"),
         _l("A challenge is completed once every one of its pilots has an outcome."), _every_pilot_decided),
    Move("cancel", OPEN_STATUSES, CANCELLED, "challenge.cancelled", _l("Cancel the challenge"),
         _l("A completed or cancelled challenge cannot be cancelled."), stamp="cancelled_at",
         permission="challenge.cancel", audited=("cancel_reason",)),
)
assert all(m.target in STATES and set(m.sources) <= set(STATES) for m in MOVES)
assert all(m.stamp is None or hasattr(Challenge, m.stamp) for m in MOVES)


def move_for(status, to):
    """The declared move from `status` to `to`, or None."""
    return next((m for m in MOVES if m.target == to and status in m.sources), None)


MOVES_BY_NAME = {m.name: m for m in MOVES}


def may_make(challenge, name, *, now=None):
    """Whether the move called `name` may be made now: the challenge is in one of its sources and its guard has
    nothing against it. For a move that follows from another action (a pilot's outcome completes a piloting
    challenge, never a consultation, which its summary completes), where `may_move` would accept any move to
    the same status."""
    move = MOVES_BY_NAME[name]
    return challenge.status in move.sources and not move.guard(challenge, now or utcnow())


def _refusal(challenge, to):
    declared = next((m for m in MOVES if m.target == to), None)
    if declared is not None:
        return declared.refused
    return _l("A challenge that is “%(current)s” cannot become “%(target)s”.",
              current=status_label(challenge.status), target=status_label(to))


def reasons_against(challenge, to, *, user=None, now=None):
    """Why `challenge` cannot move to `to` now: {field or "": reason}; empty when it can."""
    move = move_for(challenge.status, to)
    if move is None:
        return {"": _refusal(challenge, to)}
    if user is not None and permissions.waits_for_email_confirmation(user, move.permission, challenge):
        return {"": permissions.UNCONFIRMED_MESSAGE}
    if user is not None and (move.permission is None or not permissions.can(user, move.permission, challenge)):
        return {"": permissions.MESSAGES.get(move.permission, _l("You are not allowed to do that."))}
    return move.guard(challenge, now or utcnow())


def may_move(challenge, to, *, user=None, now=None):
    return not reasons_against(challenge, to, user=user, now=now)


def next_moves(challenge, user=None, *, now=None):
    """The moves a person could ask for next, each with the reasons still against it (empty: possible).

    With `user`, only those this user may make. Moves that follow from another
    action (a pilot's start, a pilot's outcome) or from the clock are not listed.
    """
    now = now or utcnow()
    return [(m, m.guard(challenge, now)) for m in MOVES
            if challenge.status in m.sources and m.permission is not None
            and (user is None or permissions.can(user, m.permission, challenge))]


def correction_refused(challenge, now=None):
    """Why a publisher cannot correct or extend `challenge` now (services/challenges/amendments.py); None: they can.

    While it takes pitches and its seal holds: once the pitch deadline has passed the pitches are unsealed, so
    nothing about the call may change any more, even before beat has closed it.
    """
    if state_of(challenge).draft:
        return _l("A draft is not corrected but edited: nobody outside your agency has seen it yet.")
    if not state_of(challenge).correctable:
        return _l("A challenge can be corrected or extended only while it is open for pitches.")
    if not seal.is_sealed(challenge, now):
        return _l("The pitch deadline has passed: the challenge can no longer be corrected or extended.")
    return None


def due_condition(to, now):
    """The SQL condition of the challenges the clock moves to `to` now (an automatic move)."""
    conditions = [m.due(now) for m in MOVES if m.target == to and m.due is not None]
    if not conditions:
        raise ValueError(f"No automatic move leads to {to!r}.")
    return conditions[0] if len(conditions) == 1 else or_(*conditions)


def taking_pitches_condition(now):
    """The SQL condition of the challenges companies may pitch for now: open, and not yet due to close."""
    return and_(Challenge.status.in_(TAKING_PITCHES),
                or_(Challenge.pitch_deadline.is_(None), not_(due_condition(CLOSED, now))))


def require_move(challenge, to, *, now=None):
    """Raise, with the reasons, unless `challenge` may move to `to` now.

    A reason about the whole challenge is a refused move (InvalidTransition);
    reasons about fields only are a validation failure naming each field.
    """
    reasons = reasons_against(challenge, to, now=now)
    if "" in reasons:
        raise InvalidTransition(str(reasons[""]))
    if reasons:
        raise ValidationFailed(reasons, message=str(_l("This draft is not ready to publish."))
                               if to == PUBLISHED else None)


def move_challenge(actor, challenge, to, *, now=None, changes=None, detail=None):
    """Move `challenge` to `to`: the one place a challenge's status changes. The caller commits.

    `actor` None means the worker. `changes` are other columns set with the move
    (a cancellation's reason, a consultation's summary); `detail` adds facts to
    the audit event. Raises InvalidTransition or ValidationFailed with the reasons.
    """
    now = now or utcnow()
    if "status" in (changes or {}):
        raise ValueError("The status changes by the move itself.")
    require_move(challenge, to, now=now)
    move = move_for(challenge.status, to)
    before = {"status": challenge.status}
    after = {"status": to}
    challenge.status = to
    if move.stamp:
        setattr(challenge, move.stamp, now)
        after[move.stamp] = now
    for name, value in (changes or {}).items():
        setattr(challenge, name, value)
        if name in move.audited:
            after[name] = value
    after.update(detail or {})
    record_change(actor, move.event, challenge, before=before, after=after, challenge_id=challenge.id)
    return challenge
