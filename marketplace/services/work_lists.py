"""What waits for one person at an agency: their work list on the dashboard, each item with a link.

`work_list(user)` answers, for the person's role (asked of `permissions.allowed`, challenge by challenge and pilot
by pilot, or once for the agency where a rule reads nothing else — the rules need no query), in a fixed number of
statements however many challenges, questions, pitches or pilots there are:

- drafts to approve (four-eyes publishing: a draft someone else asked to have approved),
- drafts to finish (not yet sent for approval: what is missing, then publishing, on the preview page),
- questions to answer,
- evaluations to start (a call for solutions closed at its pitch deadline with pitches received, for those who
  may start it: `lifecycle.may_move(…, EVALUATING, user=…)`, the rule the evaluation page's button asks),
- pitches to score (or, first, the conflict-of-interest declaration that opens the scoring; for whoever joined the
  panel after finalising, the declaration alone, while the decisions remain),
- decisions to send (a finalised evaluation whose decisions have not gone to the companies),
- pitch sessions to hold (booked slots not yet over),
- pilot stages due (due within `pilot_reminders.DUE_SOON`, or overdue),
- payments due (planned milestones not paid, due within the same window),
- outcomes to record (pilots in their evaluation stage),
- companies to invite (challenges open for pitches for which nobody has invited a company yet: the likely-solver
  page; once someone has, the challenge's own page leads there, and the list stays bounded by new challenges).

Each kind is gathered by its own small function below, so a change to one step (two evaluation rounds, new
pitch-session rules) changes one function.
"""
from dataclasses import dataclass, field
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import case, func, or_, select

from marketplace.extensions import db
from marketplace.formatting import day, lazy, localtime, time_span
from marketplace.models import Challenge, EvaluationCriterion, Match, Pilot, Pitch, PitchSessionSlot, Question
from marketplace.models.challenge import EVALUATING
from marketplace.models.evaluation import ConflictDeclaration, Evaluation, PitchAssessment, Score
from marketplace.models.pilot import EVALUATION, PaymentMilestone
from marketplace.services import permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.pitches import lifecycle as pitch_lifecycle
from marketplace.services.clock import utcnow
from marketplace.services.evaluation import pitch_sessions
from marketplace.services.evaluation.evaluation import (DECIDING, PILOTS_TO_START, SCORING, has_counted_scores,
                                                         pilots_to_start, ranking_withheld, what_remains)
from marketplace.services.messaging import links
from marketplace.services.pilots.pilot_reminders import DUE_SOON
from marketplace.services.pilots.pilot_workflow import STAGE_LABELS, is_outcome, overdue_since, with_outcome

APPROVE, FINISH, ANSWER, START, DECLARE, SCORE, FINALISE, DECIDE, SESSIONS, STAGES, PAYMENTS, OUTCOMES, INVITE = (
    "approve", "finish", "answer", "start", "declare", "score", "finalise", "decide", "sessions", "stages", "payments",
    "outcomes", "invite")
HEADINGS = {
    APPROVE: _l("Drafts to approve"),
    FINISH: _l("Drafts to finish"),
    ANSWER: _l("Questions to answer"),
    START: _l("Evaluations to start"),
    DECLARE: _l("Conflicts of interest to declare"),
    SCORE: _l("Pitches to score"),
    FINALISE: _l("Evaluations to finalise"),
    DECIDE: _l("Decisions to send"),
    SESSIONS: _l("Pitch sessions to hold"),
    STAGES: _l("Pilot stages due"),
    PAYMENTS: _l("Payments due"),
    OUTCOMES: _l("Outcomes to record"),
    INVITE: _l("Companies to invite"),
}
ORDER = tuple(HEADINGS)


class Titled(str):
    """A challenge's title that knows the language it is written in (`language`), so that a page in another language
    marks it (the template helper `lang_of`); otherwise the plain string."""

    def __new__(cls, title, language=None):
        titled = super().__new__(cls, title)
        titled.language = language
        return titled


def titled(challenge):
    return Titled(challenge.title, challenge.language)


@dataclass(frozen=True)
class Item:
    """One thing waiting: what it is about, what to do (`detail`), where (`link`), and when it is due or starts."""

    subject: str  # the challenge's title (Titled: with its language)
    detail: object
    link: str
    count: int = 1
    when: object = None
    overdue: object = None  # the day it was due by, when that has passed (pilot_workflow.overdue_since)


@dataclass
class Section:
    kind: str
    heading: object
    items: list = field(default_factory=list)

    @property
    def count(self):
        return sum(item.count for item in self.items)


class Running(NamedTuple):
    """An evaluation of one of the agency's challenges, as the work list reads it."""
    evaluation: Evaluation
    pitches: int
    criteria: int
    conflicted: bool | None  # the person's own declaration; None: not declared yet
    undecided: int  # the pitches whose company has no decision yet: none sent, or shortlisted (a second round)
    scored: bool  # someone whose scores count has scored (evaluation.has_counted_scores): it may be finalised
    waiting_pilots: int  # selected pitches with no pilot yet (evaluation.pilots_to_start)


# What the work list reads of a challenge: enough to name it (in its own language), link to it and ask `permissions` and `lifecycle`
# about it (the rules read its agency, status, kind, deadline and who asked for approval), not its texts.
WORK_COLUMNS = (Challenge.id, Challenge.slug, Challenge.title, Challenge.language, Challenge.status, Challenge.kind, Challenge.agency_id,
                Challenge.pitch_deadline, Challenge.approval_requested_at, Challenge.approval_requested_by_id,
                Challenge.created_at)


# The order pilots are listed in: newest first (the id parts those started at the same time, for stable pages).
PILOTS_NEWEST_FIRST = (Pilot.created_at.desc(), Pilot.id.desc())


def listed_pilots_statement(*conditions):
    """The statement of `listed_pilots`, to page it (services/dashboard.pilots_page)."""
    return select(Pilot.id, Pilot.agency_id, Pilot.company_id, Pilot.owner_id, Pilot.stage, Pilot.stage_due_on,
                  Challenge.title.label("challenge_title"), Challenge.language.label("challenge_language"),
                  Pitch.title.label("pitch_title")) \
        .join(Challenge, Challenge.id == Pilot.challenge_id).join(Pitch, Pitch.id == Pilot.pitch_id) \
        .where(*conditions).order_by(*PILOTS_NEWEST_FIRST)


def listed_pilots(*conditions):
    """Pilots as the dashboard and the work list show them, newest first: rows with what `permissions` asks of a
    pilot (its agency, company and owner), its stage and due day, and the titles of its challenge and pitch
    (`challenge_title` and its `challenge_language`, `pitch_title`) — one statement, no texts."""
    return db.session.execute(listed_pilots_statement(*conditions)).all()


def work_list(user, now=None, agency_pilots=None):
    """The sections (in ORDER, empty ones left out) of what waits for this agency member; [] for anyone else.

    Read from the agency's challenges still under way (not its finished history) and its pilots.
    `agency_pilots`: at least every one of the agency's own not yet at an outcome (`listed_pilots` rows), when the
    caller read them already (the dashboard reads them with its page of pilots), so that they are not read twice.
    """
    organisation = getattr(user, "organisation", None)
    if not permissions.is_agency(organisation) or organisation.suspended:
        return []
    now = now or utcnow()
    # The pitches received by a challenge whose evaluation may start (closed) are counted in the same statement:
    # the work list's statements stay as few however many challenges wait.
    startable = [status for status in lifecycle.STATES if lifecycle.move_for(status, EVALUATING)]
    received_if_closed = case((Challenge.status.in_(startable), select(func.count(Pitch.id)).where(
        Pitch.challenge_id == Challenge.id, Pitch.status.in_(pitch_lifecycle.SUBMITTED))
        .correlate(Challenge).scalar_subquery()))
    under_way = (Challenge.agency_id == organisation.id,
                 Challenge.status.in_([s for s, state in lifecycle.STATES.items() if not state.final]))
    agency_challenges = db.session.execute(select(*WORK_COLUMNS, received_if_closed.label("received"))
                                           .where(*under_way)).all()
    received = {challenge.id: challenge.received for challenge in agency_challenges if challenge.received}
    if agency_pilots is None:
        agency_pilots = listed_pilots(Pilot.agency_id == organisation.id, ~with_outcome())
    # The statements below read the rows of these challenges (and pilots) named by a subquery, not by a list of
    # a hundred ids to bind, and keep those of the ones the person may act on.
    scope = Scope(select(Challenge.id).where(*under_way),
                  select(Pilot.id).where(Pilot.agency_id == organisation.id, ~with_outcome()))
    # Soonest first, those with no date last, the same on every database.
    challenges = sorted(agency_challenges,
                        key=lambda c: (c.pitch_deadline is None, c.pitch_deadline or now, c.id))
    pilots = sorted((p for p in agency_pilots if not is_outcome(p.stage)),
                    key=lambda p: (p.stage_due_on is None, p.stage_due_on or now.date(), p.id))
    # Several kinds of work ask the same rule of the same challenge or pilot: each is asked once.
    managed = permissions.allowed(user, "evaluation.manage", challenges)
    panel = permissions.allowed(user, "evaluation.score", challenges)
    movable = permissions.allowed(user, "pilot.move", pilots)
    evaluations = _evaluations({c.id for c in permissions.allowed(user, "evaluation.take_part", challenges)
                                if lifecycle.state_of(c).evaluation_page}, user, scope)
    found = {
        APPROVE: _drafts_to_approve(user, challenges),
        FINISH: _drafts_to_finish(user, challenges),
        ANSWER: _questions_to_answer(user, challenges, scope),
        START: _evaluations_to_start(user, challenges, evaluations, received, now),
        DECLARE: _declarations_to_make(panel, evaluations),
        SCORE: _pitches_to_score(user, panel, evaluations),
        FINALISE: _evaluations_to_finalise(user, managed, evaluations),
        DECIDE: _decisions_to_send(managed, panel, evaluations),
        SESSIONS: _sessions_to_hold(challenges, managed, panel, evaluations, scope, now),
        STAGES: _pilot_stages_due(movable, now),
        PAYMENTS: _payments_due(movable, scope, now),
        OUTCOMES: _outcomes_to_record(movable),
        INVITE: _companies_to_invite(user, challenges, scope),
    }
    return [Section(kind, HEADINGS[kind], found[kind]) for kind in ORDER if found[kind]]


class Scope(NamedTuple):
    """Subqueries of the ids the work list reads about: the agency's challenges under way and its pilots."""
    challenges: object
    pilots: object


def _drafts_to_approve(user, challenges):
    return [Item(titled(c), _l("Approval asked on %(when)s", when=lazy(localtime, c.approval_requested_at)), links.challenge_preview_path(c),
                 when=c.approval_requested_at)
            for c in permissions.allowed(user, "challenge.approve",
                                         [c for c in challenges if lifecycle.state_of(c).draft and c.approval_requested_at])]


def _drafts_to_finish(user, challenges):
    """Drafts not sent for approval, for those who may edit them: the agency's paged list may show them pages
    down, so they wait here, oldest first."""
    drafts = sorted(permissions.allowed(user, "challenge.edit", [c for c in challenges if lifecycle.state_of(c).draft
                                                                 and c.approval_requested_at is None]),
                    key=lambda c: (c.created_at, c.id))
    return [Item(titled(c), _l("Started on %(when)s: see what it still needs before it goes live.",
                             when=lazy(localtime, c.created_at)), links.challenge_preview_path(c), when=c.created_at)
            for c in drafts]


def _questions_to_answer(user, challenges, scope):
    mine = {c.id: c for c in permissions.allowed(user, "question.answer", challenges)}
    if not mine:
        return []
    waiting = db.session.execute(
        select(Question.challenge_id, func.count(Question.id), func.min(Question.asked_at))
        .where(Question.challenge_id.in_(scope.challenges), Question.answer.is_(None))
        .group_by(Question.challenge_id)
    ).all()
    by_id = {challenge_id: (count, oldest) for challenge_id, count, oldest in waiting}
    return [Item(titled(c), lazy_ngettext("%(num)s question waiting", "%(num)s questions waiting", by_id[c.id][0]),
                 links.challenge_questions_path(c), count=by_id[c.id][0], when=by_id[c.id][1])
            for c in mine.values() if c.id in by_id]


def _evaluations(challenge_ids, user, scope):
    """{challenge id: Running(evaluation, pitches in it, criteria, the user's conflict declaration or None, pitches
    with no decision sent yet, whether a counted score was given, selected pitches with no pilot yet)} for these
    challenges (a set, within `scope`), in one statement."""
    if not challenge_ids:
        return {}
    criteria = select(func.count(EvaluationCriterion.id)).where(
        EvaluationCriterion.challenge_id == Evaluation.challenge_id).correlate(Evaluation).scalar_subquery()
    declared = select(ConflictDeclaration.conflicted).where(
        ConflictDeclaration.challenge_id == Evaluation.challenge_id, ConflictDeclaration.evaluator_id == user.id
    ).correlate(Evaluation).limit(1).scalar_subquery()
    rows = db.session.execute(
        select(Evaluation, func.count(PitchAssessment.id), criteria, declared, func.count(PitchAssessment.id).filter(
            or_(PitchAssessment.published_decision.is_(None),
                PitchAssessment.published_decision.in_(pitch_lifecycle.SHORTLISTED))),
               has_counted_scores(Evaluation.challenge_id), pilots_to_start(Evaluation.challenge_id))
        .outerjoin(PitchAssessment, PitchAssessment.challenge_id == Evaluation.challenge_id)
        .where(Evaluation.challenge_id.in_(scope.challenges)).group_by(Evaluation.id)
    ).all()
    return {row[0].challenge_id: Running(*row) for row in rows if row[0].challenge_id in challenge_ids}


def _evaluations_to_start(user, challenges, evaluations, received, now):
    """Closed calls for solutions with pitches received (`received`: {challenge id: submitted pitches}) and no
    evaluation yet, for those who may start one (the same rule as the evaluation page's button)."""
    return [Item(titled(c), lazy_ngettext("%(num)s pitch received: start the evaluation.",
                                        "%(num)s pitches received: start the evaluation.", received[c.id]),
                 links.evaluation_path(c), when=c.pitch_deadline)  # one evaluation each: the heading counts them
            for c in challenges if received.get(c.id) and c.id not in evaluations
            and lifecycle.may_move(c, EVALUATING, user=user, now=now)]


def _declarations_to_make(panel, evaluations):
    """A panel member's evaluations (`panel`: the challenges they may score) they have not declared on, while a
    declaration still changes something there (`evaluation.what_remains`, the rule of the overview's forms):
    declaring comes first in every state (until then they read no pitch), so it is listed under its own heading,
    saying what follows it — the pitches to score before finalising; the pitch sessions and decisions once
    finalised; the pilots still to start after the final decisions (for someone given the role late)."""
    panel = {c.id: c for c in panel}
    items = {SCORING: [], DECIDING: [], PILOTS_TO_START: []}
    for cid, row in evaluations.items():
        if cid not in panel or row.conflicted is not None:
            continue
        challenge = panel[cid]
        remains = what_remains(row.evaluation, challenge, row.waiting_pilots)
        if remains == SCORING:
            items[remains].append(Item(titled(challenge), lazy_ngettext(
                "Declare any conflict of interest, then score %(num)s pitch.",
                "Declare any conflict of interest, then score %(num)s pitches.", row.pitches),
                links.evaluation_path(challenge)))  # one declaration each: the heading counts them
        elif remains == DECIDING:
            items[remains].append(Item(titled(challenge), _l(
                "The evaluation is finalised: declare any conflict of interest for the pitch sessions and decisions "
                "that remain."), links.evaluation_path(challenge)))
        elif remains == PILOTS_TO_START:
            items[remains].append(Item(titled(challenge), _l(
                "The final decisions are sent: declare any conflict of interest before the pilots of the selected "
                "pitches start."), links.evaluation_path(challenge)))
    return [item for kind in items.values() for item in kind]


def _pitches_to_score(user, panel, evaluations):
    """A panel member's evaluations under way (`panel`: the challenges they may score) on which they declared no
    conflict: the pitches they have not scored on every criterion yet (declaring first: `_declarations_to_make`)."""
    panel = {c.id: c for c in panel}
    running = {cid: row for cid, row in evaluations.items()
               if cid in panel and not row.evaluation.is_finalised and row.conflicted is False}
    if not running:
        return []
    ids = list(running)
    criteria = {cid: row.criteria for cid, row in running.items()}
    scored = {}
    for challenge_id, marks in db.session.execute(
            select(Score.challenge_id, func.count(Score.id)).where(Score.challenge_id.in_(ids), Score.evaluator_id == user.id)
            .group_by(Score.challenge_id, Score.pitch_id)):
        if marks >= criteria.get(challenge_id, 0):
            scored[challenge_id] = scored.get(challenge_id, 0) + 1
    items = []
    for challenge_id, row in running.items():
        challenge = panel[challenge_id]
        left = row.pitches - scored.get(challenge_id, 0)
        if left > 0:
            items.append(Item(titled(challenge), lazy_ngettext("%(num)s pitch left to score",
                                                             "%(num)s pitches left to score", left),
                              links.evaluation_scores_path(challenge), count=left))
    return items


def _evaluations_to_finalise(user, managed, evaluations):
    """Evaluations under way that may be finalised (someone whose scores count has scored: `why_not_finalise`),
    for those who run them (`managed`: the challenges whose evaluation they may manage) and may see the ranking
    (`ranking_withheld`: not recused, and declared when on the panel; finalising refuses the others)."""
    managed = {c.id: c for c in managed}
    return [Item(titled(managed[cid]), _l("Scores are coming in: read the ranking and finalise the evaluation when the "
                                        "panel has finished."), links.evaluation_path(managed[cid]))
            for cid, row in evaluations.items()
            if cid in managed and row.scored and not row.evaluation.is_finalised
            and not ranking_withheld(user, managed[cid], row.evaluation, row.conflicted)]


def _decisions_to_send(managed, panel, evaluations):
    """A finalised evaluation whose decisions have not been sent (`evaluation.publish_decisions`), counting the
    companies still without one (after the shortlist, those shortlisted), unless the person is recused from it
    or, on its panel (`panel`: the challenges they may score), has not declared: sending refuses them
    (`evaluation.ranking_withheld`), the overview names who sends instead or asks for the declaration.
    `managed`: as for _evaluations_to_finalise."""
    managed = {c.id: c for c in managed}
    panel = {c.id for c in panel}
    return [Item(titled(managed[cid]), lazy_ngettext("%(num)s company waits for its decision",
                                                   "%(num)s companies wait for their decision", undecided),
                 links.evaluation_path(managed[cid]), count=undecided)
            for cid, (evaluation, _, _, conflicted, undecided, _, _) in evaluations.items()
            if cid in managed and not conflicted and not (conflicted is None and cid in panel)
            and evaluation.is_finalised and evaluation.decisions_published_at is None]


def _sessions_to_hold(challenges, managed, panel, evaluations, scope, now):
    """Booked pitch-session slots (`pitch_sessions.book_slot`) not over yet nor called off (`why_called_off`), for
    the panel and its managers less those recused, and the panel's members who have not declared
    (`pitch_sessions.panel_of`: they are not invited, nor told which company booked)."""
    recused = {cid for cid, row in evaluations.items() if row.conflicted} | \
        {c.id for c in panel if c.id not in evaluations or evaluations[c.id].conflicted is None}
    sitting = {c.id for c in managed} | {c.id for c in panel}
    panel = {c.id: c for c in challenges if c.id in sitting and c.id not in recused}
    if not panel:
        return []
    slots = [slot for slot in db.session.scalars(select(PitchSessionSlot).where(
        PitchSessionSlot.challenge_id.in_(scope.challenges), PitchSessionSlot.pitch_id.is_not(None),
        PitchSessionSlot.ends_at > now).order_by(PitchSessionSlot.starts_at))
        if slot.challenge_id in panel and pitch_sessions.why_called_off(
            slot, *((evaluations[slot.challenge_id].evaluation,) if slot.challenge_id in evaluations else ()),
            challenge=panel[slot.challenge_id]) is None]
    return [Item(titled(panel[s.challenge_id]), _l("Pitch session on %(when)s", when=lazy(time_span, s.starts_at,
                                                                                          s.ends_at)),
                 links.evaluation_path(panel[s.challenge_id]), when=s.starts_at) for s in slots]


def _pilot_stages_due(movable, now):
    """Stages due within `DUE_SOON` or overdue, for those who may move the pilot (`movable`: those pilots, soonest
    due first; as `remind_due_stages` sees them)."""
    soon = now.date() + DUE_SOON
    return [Item(Titled(p.challenge_title, p.challenge_language), _l("Stage “%(stage)s” due on %(when)s", stage=STAGE_LABELS.get(p.stage, p.stage),
                    when=lazy(day, p.stage_due_on)),
                 links.pilot_path(p), when=p.stage_due_on, overdue=overdue_since(p, now.date()))
            for p in movable if p.stage_due_on and p.stage_due_on <= soon]


def _payments_due(movable, scope, now):
    movable = {p.id: p for p in movable}
    if not movable:
        return []
    due = [m for m in db.session.scalars(select(PaymentMilestone).where(
        PaymentMilestone.pilot_id.in_(scope.pilots), PaymentMilestone.paid_on.is_(None),
        PaymentMilestone.planned_on.is_not(None), PaymentMilestone.planned_on <= now.date() + DUE_SOON)
        .order_by(PaymentMilestone.planned_on)) if m.pilot_id in movable]
    return [Item(Titled(movable[m.pilot_id].challenge_title, movable[m.pilot_id].challenge_language), _l("“%(label)s” planned for %(when)s", label=m.label,
                                                         when=lazy(day, m.planned_on)),
                 links.pilot_path(movable[m.pilot_id]), when=m.planned_on, overdue=overdue_since(m, now.date()))
            for m in due]


def _outcomes_to_record(movable):
    return [Item(Titled(p.challenge_title, p.challenge_language), _l("Adopt, extend or stop the pilot, with its evidence."), links.pilot_path(p))
            for p in movable if p.stage == EVALUATION]


def _companies_to_invite(user, challenges, scope):
    """Open challenges nobody has invited a company to yet: the invitation is the work, not the challenge being open
    (an agency with a hundred open challenges would otherwise be reminded of each of them until it closes)."""
    open_ones = permissions.allowed(user, "challenge.view_matches",
                                    [c for c in challenges if lifecycle.state_of(c).takes_pitches])
    if not open_ones:
        return []
    invited = set(db.session.scalars(select(Match.challenge_id).distinct().where(
        Match.challenge_id.in_(scope.challenges), Match.invited_at.is_not(None))))
    return [Item(titled(c), _l("See the companies likely to solve it and invite them to pitch."),
                 links.challenge_matches_path(c))
            for c in open_ones if c.id not in invited]
