"""Challenges through the API: the public list and detail (with the page's filters), and an agency's drafting,
publishing and correcting."""
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Literal

from flask import request, url_for
from pydantic import AfterValidator, Field

from ..models.challenge import CHALLENGE_KINDS, CHALLENGE_STATUSES, PUBLIC_STATUSES
from ..services import access
from ..services.challenges import amendments, challenges, lifecycle, questions
from ..services.open_data.challenge_exports import written_per_challenge
from ..services.pilots import pilots as pilot_service
from ..services.challenges.search import LANGUAGES
from ..services.organisations.cpv import sector_problem
from ..services.challenges.challenges import CURRENCIES, LIMITS, MAX_AGENCY, MAX_BUDGET, MAX_CRITERIA, MAX_MEASURES, MAX_QUERY, MAX_SECTORS, SORTS, DEFAULT_SORTS, ChallengeFilters
from .operations import (OPTIONAL, PUBLIC, REQUIRED, Body, Output, PlainText, Slug, UTCTime, WholeNumber, item_json,
                         operation)
from .pilots import PilotOutcome
from .questions import AnsweredQuestion
from .schemas import OrganisationRef, PageOf, PageQuery

CpvDivision = Annotated[str, Field(pattern=r"^[0-9]{2}$", description="A CPV division (two digits), e.g. 72.")]
Amount = Annotated[float, Field(ge=0, le=float(MAX_BUDGET))]


def _known_sectors(codes):
    """An unknown division is refused (422), never dropped: a search without it would find every sector."""
    if problem := sector_problem(codes):
        raise ValueError(str(problem))
    return codes


class ChallengeQuery(PageQuery):
    """The filters of the /challenges page, by the same names."""

    q: PlainText = Field("", max_length=MAX_QUERY, description="Words in the title, summary or problem statement.")
    sector: Annotated[list[CpvDivision], AfterValidator(_known_sectors)] = Field(
        [], max_length=MAX_SECTORS, description="Any of these CPV divisions; a code that is no division is refused.")
    agency: Annotated[str, Field(pattern=r"^[a-z0-9-]*$")] = Field("", max_length=MAX_AGENCY,
                                                                    description="The agency's slug.")
    status: list[Literal[PUBLIC_STATUSES]] = Field([], description="Any of these statuses (default: all public).")
    budget_min: Amount | None = Field(None, description="Budget ranges reaching at least this, in euro.")
    budget_max: Amount | None = Field(None, description="Budget ranges starting at most at this, in euro.")
    closing_soon: bool = Field(False, description="Only open challenges closing within 14 days.")
    # The page's default order (ChallengeFilters.from_args): `relevance` ranks when there are words to rank by.
    sort: Literal[tuple(SORTS)] = Field(DEFAULT_SORTS[0], description=(
        "The order. `relevance`, the default as on the /challenges page: the best matches first when `q` has words, "
        "the newest first otherwise. `deadline`: the challenges open for pitches first, the soonest deadline first, "
        "then the others by deadline."))
    updated_since: UTCTime | None = Field(None, description="Only challenges whose `updated_at` is at or after this "
                                                            "moment (RFC 3339, e.g. 2030-05-31T12:00:00Z; write a "
                                                            "`+` offset as %2B).")


class Budget(Output):
    min: float | None
    max: float | None
    currency: str


class Criterion(Output):
    name: str
    description: str
    weight: int = Field(description="Weight in percent; the weights add up to 100.")


class SuccessMeasure(Output):
    measure: str
    baseline: str
    target: str


class ChallengeSummary(Output):
    slug: str
    title: str
    summary: str
    kind: Literal[CHALLENGE_KINDS]
    language: Literal[LANGUAGES] = Field(description="The language the challenge is written in.")
    status: Literal[CHALLENGE_STATUSES]
    agency: OrganisationRef
    sectors: list[str]
    budget: Budget
    question_deadline: datetime | None
    pitch_deadline: datetime | None
    published_at: datetime | None
    updated_at: datetime = Field(description="When the challenge itself last changed (its questions and pilots "
                                             "have their own times).")
    url: str = Field(description="The challenge's page.")

    @classmethod
    def fields_of(cls, challenge, sectors=None):
        return dict(
            slug=challenge.slug, title=challenge.title, summary=challenge.summary, kind=challenge.kind,
            language=challenge.language,
            status=challenge.status, agency=OrganisationRef.model_validate(challenge.agency),
            sectors=challenge.sectors if sectors is None else sectors,
            budget=Budget(min=challenge.budget_min, max=challenge.budget_max, currency=challenge.currency),
            question_deadline=challenge.question_deadline, pitch_deadline=challenge.pitch_deadline,
            published_at=challenge.published_at, updated_at=challenge.updated_at,
            url=url_for("challenges.detail", slug=challenge.slug, _external=True))

    @classmethod
    def of(cls, challenge):
        return cls(**cls.fields_of(challenge))


class ChallengeNoticeOut(Output):
    """A dated public notice of a correction or extension made after publishing."""

    id: int
    published_at: datetime
    changed: list[str] = Field(description="The fields changed, by their names in this document.")
    description: list[str] = Field(description="What changed, one sentence per field, in the caller's language.")
    reason: str = Field(description="The publisher's explanation.")

    @classmethod
    def of(cls, notice):
        return cls(id=notice.id, published_at=notice.created_at, changed=[c["field"] for c in notice.changes],
                   description=[str(line) for line in amendments.describe(notice)], reason=notice.reason)


class ChallengeDetail(ChallengeSummary):
    problem_statement: str = Field(description="Markdown.")
    context: str
    affected: str = Field(description="Who suffers from the problem.")
    desired_outcomes: str
    constraints: str = Field(description="Constraints and what is out of scope.")
    pilot_duration_weeks: int | None = Field(description="The expected pilot duration; null for a market "
                                                     "consultation, which no pilot follows.")
    criteria: list[Criterion] = Field(description="The published evaluation criteria; none for a market consultation, "
                                                  "which ranks nothing.")
    success_measures: list[SuccessMeasure] = Field(description="What a pilot would be judged by; none for a market "
                                                                "consultation.")
    cancel_reason: str | None
    consultation_summary: str | None
    questions: list[AnsweredQuestion] = Field(description="Answered questions, oldest first; askers are not named.")
    notices: list[ChallengeNoticeOut] = Field(description="Corrections and extensions since publishing, oldest first.")
    pilot_outcomes: list[PilotOutcome]

    @classmethod
    def of(cls, challenge):
        ranks = lifecycle.ranks_pitches(challenge)  # a consultation's page shows none of them either
        return cls(
            **cls.fields_of(challenge), problem_statement=challenge.problem_statement, context=challenge.context,
            affected=challenge.affected, desired_outcomes=challenge.desired_outcomes,
            constraints=challenge.constraints, pilot_duration_weeks=challenge.pilot_duration_weeks if ranks else None,
            criteria=[Criterion.model_validate(c) for c in challenge.criteria] if ranks else [],
            success_measures=[SuccessMeasure.model_validate(m) for m in challenge.success_measures] if ranks else [],
            cancel_reason=challenge.cancel_reason, consultation_summary=challenge.consultation_summary,
            questions=[AnsweredQuestion.of(q) for q in questions.public_questions(challenge)],
            notices=[ChallengeNoticeOut.of(n) for n in amendments.notices_of(challenge)],
            pilot_outcomes=[PilotOutcome.of(p) for p in pilot_service.public_outcomes(challenge)])


class ChallengePage(PageOf):
    items: list[ChallengeSummary]


class CriterionIn(Body):
    name: PlainText = Field(min_length=1, max_length=200)
    description: PlainText = Field("", max_length=2000)
    weight: WholeNumber = Field(ge=1, le=100, description="Percent; all weights add up to 100.")


class SuccessMeasureIn(Body):
    measure: PlainText = Field(min_length=1, max_length=300)
    baseline: PlainText = Field("", max_length=300)
    target: PlainText = Field("", max_length=300)


class ChallengeIn(Body):
    """A draft: only the title is needed to save it; publishing checks the rest."""

    kind: Literal[CHALLENGE_KINDS] = "call_for_solutions"
    language: Literal[LANGUAGES] | None = Field(None, description="Default: the language of the token's user.")
    title: PlainText = Field(min_length=1, max_length=LIMITS["title"])
    summary: PlainText = Field("", max_length=LIMITS["summary"])
    problem_statement: PlainText = Field("", max_length=LIMITS["problem_statement"], description="Markdown.")
    context: PlainText = Field("", max_length=LIMITS["context"])
    affected: PlainText = Field("", max_length=LIMITS["affected"])
    desired_outcomes: PlainText = Field("", max_length=LIMITS["desired_outcomes"])
    constraints: PlainText = Field("", max_length=LIMITS["constraints"])
    sectors: list[CpvDivision] = Field([], max_length=MAX_SECTORS)
    budget_min: Amount | None = None
    budget_max: Amount | None = None
    currency: Literal[CURRENCIES] = "EUR"
    pilot_duration_weeks: WholeNumber | None = Field(None, ge=1, le=104, description="Not kept for a market "
                                                     "consultation, which no pilot follows.")
    question_deadline: UTCTime | None = Field(None, description="Default: 10 days before the pitch deadline.")
    pitch_deadline: UTCTime | None = None
    criteria: list[CriterionIn] = Field([], max_length=MAX_CRITERIA)
    success_measures: list[SuccessMeasureIn] = Field([], max_length=MAX_MEASURES)


class CorrectionIn(Body):
    """Only the fields to change (leave the others out), and why. Deadlines only move later; once the first pitch has arrived, the budget
    and the criteria no longer change."""

    title: PlainText | None = Field(None, min_length=1, max_length=LIMITS["title"])
    summary: PlainText | None = Field(None, max_length=LIMITS["summary"])
    problem_statement: PlainText | None = Field(None, max_length=LIMITS["problem_statement"], description="Markdown.")
    context: PlainText | None = Field(None, max_length=LIMITS["context"])
    affected: PlainText | None = Field(None, max_length=LIMITS["affected"])
    desired_outcomes: PlainText | None = Field(None, max_length=LIMITS["desired_outcomes"])
    constraints: PlainText | None = Field(None, max_length=LIMITS["constraints"])
    question_deadline: UTCTime | None = None
    pitch_deadline: UTCTime | None = None
    budget_min: Amount | None = None
    budget_max: Amount | None = None
    criteria: list[CriterionIn] | None = Field(None, max_length=MAX_CRITERIA)
    reason: PlainText = Field(min_length=1, max_length=amendments.REASON_MAX,
                              description="What changed and why: published with the notice.")


@operation("GET", "/challenges", tag="Challenges", auth=PUBLIC, query=ChallengeQuery, response=ChallengePage)
def list_challenges(query):
    """Published challenges, with the same filters and sort orders as the /challenges page.

    A harvester keeps its copy current with `updated_since` (the `updated_at` of the newest item it holds).
    """
    filters = replace(ChallengeFilters.from_args(query.as_args()), updated_since=query.updated_since)
    page = challenges.search_challenges(filters, per_page=query.per_page, ids_when_kept=True)
    return ChallengePage.json_of(page, _summaries_json(page))


def _summaries_json(page):
    """Each challenge's summary as written JSON, kept per challenge (see challenge_exports.written_per_challenge)."""
    # The summary's `url` is absolute: the scheme and host are part of what is kept.
    return written_per_challenge("api challenge summary", (request.url_root,), page, lambda challenge, sectors: item_json(
        ChallengeSummary(**ChallengeSummary.fields_of(challenge, sectors)).model_dump(mode="json")))


@operation("GET", "/challenges/{slug}", tag="Challenges", auth=OPTIONAL, response=ChallengeDetail)
def challenge(user, slug: Slug):
    """One challenge with its answered questions and pilot outcomes.

    Drafts are visible only with a token of the agency's staff.
    """
    return ChallengeDetail.of(access.challenge(user, slug))


@operation("POST", "/challenges", tag="Challenges", auth=REQUIRED, body=ChallengeIn, response=ChallengeDetail,
           status=201)
def create_challenge(user, body):
    """Save a new draft challenge for your agency (the agency's owner and publishers)."""
    draft = challenges.create_draft(user, body.model_dump())
    return ChallengeDetail.of(draft), 201, {"Location": url_for(".challenge", slug=draft.slug, _external=True)}


@operation("POST", "/challenges/{slug}/publish", tag="Challenges", auth=REQUIRED, response=ChallengeDetail)
def publish_challenge(user, slug: Slug):
    """Publish a draft now (the agency's owner and publishers; the agency must be verified).

    With four-eyes publishing the answer is 409: a second person approves it on its page.
    """
    return ChallengeDetail.of(challenges.publish_challenge(user, slug))


@operation("POST", "/challenges/{slug}/corrections", tag="Challenges", auth=REQUIRED, body=CorrectionIn,
           response=ChallengeNoticeOut, status=201)
def correct_challenge(user, body, slug: Slug):
    """Correct a published challenge's text or extend its deadlines (the agency's owner and publishers).

    The notice is published on the challenge with its date and sent to every company concerned. A deadline brought
    forward, or a change to the budget or criteria after the first pitch arrived, is refused (422) with the reason;
    a challenge past its pitch deadline is no longer corrected (409).
    """
    challenge = access.challenge(user, slug)
    return ChallengeNoticeOut.of(amendments.correct_published_challenge(
        user, challenge.id, body.model_dump(exclude_unset=True))), 201
