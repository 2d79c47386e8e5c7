"""Pilots: their public outcomes for everyone; the pilot itself, and moving it to its next stage, for its people."""
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from ..models.pilot import MEASURE_RESULTS, OUTCOME_STAGES, PILOT_STAGES
from ..services import access
from ..services.pilots import pilot_workflow, pilots
from .operations import PUBLIC, REQUIRED, Body, Id, Output, PlainText, WholeNumber, operation
from .schemas import ChallengeRef, OrganisationRef, PageOf, PageQuery


class MeasureResult(Output):
    measure: str
    baseline: str
    target: str
    result: Literal[MEASURE_RESULTS]
    evidence: str


class PilotOutcome(Output):
    id: int
    challenge: ChallengeRef
    company: OrganisationRef
    solution: str = Field(description="The title of the pitch the pilot tried.")
    stage: Literal[OUTCOME_STAGES]
    outcome_summary: str | None
    lessons_learned: str | None
    follow_on_procurement_url: str | None
    outcome_published_at: datetime | None
    measures: list[MeasureResult]

    @classmethod
    def of(cls, pilot):
        return cls(
            id=pilot.id, challenge=ChallengeRef.model_validate(pilot.challenge),
            company=OrganisationRef.model_validate(pilot.company), solution=pilot.pitch.title, stage=pilot.stage,
            outcome_summary=pilot.outcome_summary, lessons_learned=pilot.lessons_learned,
            follow_on_procurement_url=pilots.public_follow_on_url(pilot),
            outcome_published_at=pilot.outcome_published_at,
            measures=[MeasureResult(measure=o.success_measure.measure, baseline=o.success_measure.baseline,
                                    target=o.success_measure.target, result=o.result, evidence=o.evidence)
                      for o in pilot.measure_outcomes])


class PilotOutcomePage(PageOf):
    items: list[PilotOutcome]


class Move(Output):
    target: str
    label: str
    open_checks: list[str] = Field(description="What must still be done before this move is allowed.")


class NextAction(Output):
    step: str = Field(description="The checklist item, the stage to move to, or `done` once the outcome is out.")
    what: str
    who: str | None = Field(description="Who must take it; null once there is nothing left to do.")
    yours: bool = Field(description="Whether this token's user can take it.")

    @classmethod
    def of(cls, action):
        return cls(step=action.key, what=str(action.what), who=str(action.who) if action.who else None,
                   yours=action.yours)


class StageChange(Output):
    from_stage: str | None
    to_stage: str
    changed_at: datetime
    note: str


class PilotOut(Output):
    id: int
    challenge: ChallengeRef
    company: OrganisationRef
    agency: OrganisationRef
    stage: str
    stage_due_on: date | None
    version: int = Field(description="Send it back as `expected_version` to be told if someone moved the pilot since.")
    budget: float
    currency: str
    starts_on: date
    ends_on: date
    moves: list[Move] = Field(description="The moves this token's user may make now, with their open checks.")
    next_action: NextAction = Field(description="What the pilot waits for, and from whom.")
    history: list[StageChange]

    @classmethod
    def of(cls, pilot, user):
        return cls(
            id=pilot.id, challenge=ChallengeRef.model_validate(pilot.challenge),
            company=OrganisationRef.model_validate(pilot.company), agency=OrganisationRef.model_validate(pilot.agency),
            stage=pilot.stage, stage_due_on=pilot.stage_due_on, version=pilot.version, budget=pilot.budget,
            currency=pilot.currency, starts_on=pilot.starts_on, ends_on=pilot.ends_on,
            moves=[Move(target=t.target, label=str(t.label), open_checks=[str(c.label) for c in missing])
                   for t, missing in pilot_workflow.available_moves(user, pilot)],
            next_action=NextAction.of(pilot_workflow.next_action(pilot, user)),
            history=[StageChange.model_validate(change) for change in pilot.stage_changes])


class MoveIn(Body):
    target: Literal[PILOT_STAGES] = Field(description="The stage to move to.")
    note: PlainText = Field("", max_length=5000, description="Why; required to extend a pilot.")
    expected_version: WholeNumber | None = Field(None, ge=1, le=2**31 - 1,
                                         description="The pilot's `version` as you last read it.")


@operation("GET", "/pilots/outcomes", tag="Pilots", auth=PUBLIC, query=PageQuery, response=PilotOutcomePage)
def pilot_outcomes(query):
    """What pilots showed: every adopted or stopped pilot, its measured results and lessons learned, newest first."""
    return PilotOutcomePage.of(pilots.all_public_outcomes(query.page, query.per_page), PilotOutcome.of)


@operation("GET", "/pilots/{pilot_id}", tag="Pilots", auth=REQUIRED, response=PilotOut)
def pilot(user, pilot_id: Id):
    """One pilot, for the agency's staff and the pilot's company: its stage, the moves open to you, its history."""
    return PilotOut.of(access.pilot(user, pilot_id), user)


@operation("POST", "/pilots/{pilot_id}/moves", tag="Pilots", auth=REQUIRED, body=MoveIn, response=PilotOut)
def move_pilot(user, body, pilot_id: Id):
    """Move a pilot to its next stage (the agency's procurement officers, its owner, or the pilot's owner).

    The stage's checklist must be complete; a refused move names what is still open.
    """
    moved = pilot_workflow.move_pilot(user, pilot_id, body.target, note=body.note,
                                      expected_version=body.expected_version)
    return PilotOut.of(moved, user)
