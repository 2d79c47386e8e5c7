"""Everything a challenge's page shows to one viewer, gathered by one call (`challenge_page`).

The page's template reads this and nothing else: no helper reaches into the database from the template. Each
piece asks the service that owns it (pitches, following, matching, pilots, questions) and `permissions`.

A visitor's page (someone not signed in) is the same for every visitor: `kept_for_visitor` keeps it written out,
so that asked again it costs the read of the public data token and no other statement (issue 17).
"""
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.extensions import db
from marketplace.models import Challenge, Pilot, Pitch
from marketplace.models.challenge import EvaluationCriterion, SuccessMeasure
from marketplace.services import permissions
from marketplace.services.challenges import amendments, challenges, lifecycle, questions
from marketplace.services.evaluation import evaluation, pitch_sessions
from marketplace.services import access
from marketplace.services.matching import matching
from marketplace.services.clock import database_now, utcnow
from marketplace.services.open_data import public_data
from marketplace.services.organisations import companies
from marketplace.services.pilots import pilot_workflow, pilots
from marketplace.services.pitches import lifecycle as pitch_lifecycle, pitches, seal
from marketplace.services.pitches.possibilities import TYPICAL_HOURS, Possibilities, pitch_possibilities


@dataclass(frozen=True)
class ChallengePage:
    challenge: Challenge
    # what the viewer may do with the challenge itself
    may_edit: bool = False
    may_evaluate: bool = False
    shows_evaluation: bool = False  # a link to its evaluation: one to follow, or one stopped by a cancellation
    may_audit: bool = False
    may_approve: bool = False
    may_view_matches: bool = False
    may_correct: bool = False  # the published text may be corrected and its deadlines extended now
    # the dated public notices of corrections and extensions, oldest first: (notice, what it changed)
    notices: list = field(default_factory=list)
    # the company's pitch, or the agency's way to the pitches received
    own_pitch: Pitch | None = None
    may_pitch: bool = False
    may_read_pitches: bool = False
    may_book_session: bool = False  # the own pitch is shortlisted, has no session yet and a free slot is to come
    # what the viewer can do about pitching, and why not (services/pitches/possibilities.py)
    pitching: Possibilities | None = None
    pitch_hours: int = TYPICAL_HOURS
    # following
    may_follow: bool = False
    following: bool = False
    # why the viewer's company was matched: (result, reasons) or None
    match: tuple | None = None
    # pilots: the public outcomes (each with its public follow-on link and the note of an adoption against the
    # evidence, or None) and those the viewer may open
    outcomes: list[tuple[Pilot, str | None, str | None]] = field(default_factory=list)
    my_pilots: list[Pilot] = field(default_factory=list)
    # questions and answers
    answered_questions: list = field(default_factory=list)
    questions_to_answer: list = field(default_factory=list)
    own_questions: list = field(default_factory=list)  # the viewer's company's questions, waiting then answered
    may_ask: bool = False
    questions_open: bool = False
    questions_closed_on: datetime | None = None  # the question deadline, once it has passed
    max_question: int = questions.MAX_QUESTION
    max_answer: int = questions.MAX_ANSWER


def challenge_page(user, slug, now=None):
    """The page of the challenge `slug` as `user` (anonymous or signed in) sees it; NotFound if they may not.

    `now`: the moment whose deadlines it shows (the database clock by default)."""
    challenge = access.challenge(user, slug, with_sectors=True)
    _read_criteria_and_measures(challenge)
    answered, to_answer, own = questions.page_questions(user, challenge)
    challenge_pilots = pilots.pilots_of_challenge(challenge)  # one statement for the outcomes and the viewer's
    outcomes = [(pilot, pilots.public_follow_on_url(pilot), pilot_workflow.outcome_justification(pilot))
                for pilot in pilots.public_outcomes(challenge, challenge_pilots)]
    may_evaluate = permissions.can(user, "evaluation.take_part", challenge)
    public = dict(
        challenge=challenge, outcomes=outcomes, match=matching.match_for_viewer(user, challenge),
        answered_questions=answered,
        notices=[(notice, amendments.describe(notice)) for notice in amendments.notices_of(challenge)],
        may_correct=amendments.may_correct_now(user, challenge),
        may_edit=permissions.can(user, "challenge.edit", challenge),
        may_evaluate=may_evaluate, shows_evaluation=may_evaluate and _has_evaluation_to_show(challenge),
        may_audit=permissions.can(user, "audit.read_challenge", challenge),
        may_approve=challenges.awaits_approval(challenge) and permissions.can(user, "challenge.approve", challenge),
        may_view_matches=permissions.can(user, "challenge.view_matches", challenge),
    )
    if not permissions.signed_in(user):  # a visitor: what every visitor sees, and nothing of their own
        return ChallengePage(**public, pitching=pitch_possibilities(challenge, None, user, now))
    may_follow = permissions.can(user, "challenge.follow", challenge)
    own_pitch = pitches.own_pitch(user, challenge)
    return ChallengePage(
        **public,
        own_pitch=own_pitch,
        pitching=pitch_possibilities(challenge, own_pitch, user, now),
        may_pitch=permissions.can(user, "challenge.pitch", challenge),
        # A challenge never published (a draft cancelled) took no pitches: nothing to lead to.
        may_read_pitches=lifecycle.ever_published(challenge)
        and permissions.can(user, "challenge.read_pitches", challenge),
        may_book_session=(own_pitch is not None and pitch_lifecycle.state_of(own_pitch).shortlisted
                          and own_pitch.id in pitch_sessions.pitches_to_book(own_pitch.company_id)),
        may_follow=may_follow,
        following=may_follow and companies.is_following(user, challenge),
        my_pilots=pilots.pilots_of(user, challenge, challenge_pilots),
        questions_to_answer=to_answer,
        own_questions=own,
        may_ask=permissions.can(user, "question.ask", challenge),
        questions_open=questions.questions_open(challenge),
        questions_closed_on=questions.questions_closed_on(challenge),
    )


def _has_evaluation_to_show(challenge):
    """An evaluation to link to for its panel: in the states that have one to start or follow, and once the
    challenge is cancelled, if one was started (stopped, still to be read). Only pitches that are ranked have one."""
    if not lifecycle.ranks_pitches(challenge):
        return False
    state = lifecycle.state_of(challenge)
    return state.evaluation_page or (state.called_off and evaluation.evaluation_of(challenge) is not None)


# The visitor's pages of the challenges most viewed in this process, written out (some 5 to 30 kB each).
VISITOR_PAGES_KEPT = 1024
_visitor_pages = public_data.KeptPerState(VISITOR_PAGES_KEPT)


def kept_for_visitor(user, slug, reader, write):
    """For a visitor: what `write(page)` makes of the page of the challenge `slug` as visitors see it, kept per
    challenge, `reader` (what else the written page depends on: its language and zone) and state of the public
    data, while the time changes nothing on it. None for someone signed in: their page is their own
    (`challenge_page`). NotFound, as `challenge_page`, where visitors may not see the challenge (nothing kept).

    Everything a visitor's page shows comes from public tables (`public_data.PUBLIC_TABLES`), so the token
    changes with any of it: an amendment, an answer published, a new status, a pilot's outcome. The time changes
    it too: at the pitch deadline, how to take part says that the deadline has passed.
    """
    if permissions.signed_in(user):
        return None

    def compute():
        now = database_now()
        page = challenge_page(user, slug, now)
        return write(page), _visitor_page_changes_at(page.challenge, now)

    return _visitor_pages.get((slug, reader), compute, holds=_still_true)[0]


def _visitor_page_changes_at(challenge, now):
    """When the time next changes a visitor's page: the pitch deadline while it is ahead (pitch_possibilities
    answers otherwise after it), else never (None)."""
    deadline = seal.seal_broken_at(challenge)
    return deadline if deadline is not None and now < deadline else None


def _still_true(kept):
    # Python's clock, not the database's (a statement more per view): they differ by far less than a request.
    return kept[1] is None or utcnow() < kept[1]


@cache
def _criteria_and_measures():
    """The statement of `_read_criteria_and_measures` for a challenge's id (a parameter): built once (its
    subqueries and aliases cost more to build than to run)."""
    challenge_id = bindparam("challenge_id")
    criteria = select(EvaluationCriterion).where(EvaluationCriterion.challenge_id == challenge_id).subquery()
    measures = select(SuccessMeasure).where(SuccessMeasure.challenge_id == challenge_id).subquery()
    criterion, measure = aliased(EvaluationCriterion, criteria), aliased(SuccessMeasure, measures)
    return (select(criterion, measure).select_from(criteria)
            .join(measures, criteria.c.position == measures.c.position, full=True))


def _read_criteria_and_measures(challenge):
    """The challenge's criteria and success measures in one statement (a few rows each, paired by position),
    set as its loaded collections: the page shows both."""
    rows = db.session.execute(_criteria_and_measures(), {"challenge_id": challenge.id}).all()
    by_position = lambda item: (item.position, item.id)  # noqa: E731
    set_committed_value(challenge, "criteria", sorted({row[0] for row in rows if row[0] is not None},
                                                      key=by_position))
    set_committed_value(challenge, "success_measures", sorted({row[1] for row in rows if row[1] is not None},
                                                              key=by_position))
