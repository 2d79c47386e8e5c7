"""Pitches through the API: a company lists its own, writes a draft and submits it; the seal holds as on the pages."""
from datetime import datetime
from typing import Literal

from flask import url_for
from pydantic import Field

from ..models.pitch import PITCH_STATUSES
from ..services.evaluation import blinding, evaluation
from ..services import access, permissions
from ..services.challenges import lifecycle
from ..services.pitches import lifecycle as pitch_lifecycle, pitches
from ..services.pitches.pitches import LIMITS, MAX_PRICE
from .operations import REQUIRED, Body, Id, Output, PlainText, Slug, WholeNumber, operation
from .schemas import ChallengeRef, OrganisationRef


class AttachmentOut(Output):
    filename: str = Field(description="The file's name; for the agency, “Attachment 1 (PDF)” until the evaluation "
                                      "is finalised.")
    size: int
    sha256: str


class OutcomeOut(Output):
    decision: Literal[pitch_lifecycle.DECISIONS] = Field(
        description="Shortlisted is a step: a pitch session comes first, then the final decision.")
    feedback: str | None = Field(description="The agency's feedback, confirmed by its officer; none with a "
                                             "shortlisting.")
    session_booking: str | None = Field(None, description="Shortlisted: the page where you pick a session time.")


class PitchOut(Output):
    id: int
    challenge: ChallengeRef
    company: OrganisationRef | None = Field(
        description="Null for the agency until the evaluation is finalised: the first round is blind, and the "
                    "company's name, registration number and website in the text read “[company]”.")
    label: str | None = Field(None, description="The pitch's label in the evaluation (“B”), while the agency reads "
                                                "it blind.")
    status: Literal[PITCH_STATUSES]
    title: str
    summary: str
    approach: str
    evidence: str
    team: str
    trl: int | None = Field(description="Technology readiness level, 1 to 9.")
    pilot_price: float | None = Field(description="Price of a pilot, in euro; for a market consultation, which no "
                                                  "pilot follows, the indicative cost of what is proposed.")
    pilot_duration_weeks: int | None = Field(description="Duration of a pilot; null for a market consultation.")
    attachments: list[AttachmentOut]
    submitted_at: datetime | None
    withdrawn_at: datetime | None
    receipt_digest: str | None = Field(description="SHA-256 over exactly what was submitted: your receipt.")
    updated_at: datetime
    outcome: OutcomeOut | None = Field(None, description="For your company only: the decision the agency sent "
                                                         "you, once sent.")

    @classmethod
    def of(cls, pitch):
        """The pitch (or the agency's view of it, `blinding.panel_view`) as the API shows it: a market consultation's
        answer has no pilot duration (lifecycle.ranks_pitches), as on its page."""
        out = cls.model_validate(pitch)
        if not lifecycle.ranks_pitches(pitch.challenge):
            out.pilot_duration_weeks = None
        return out


class PitchList(Output):
    items: list[PitchOut]


class PitchIn(Body):
    """The whole pitch: fields left out are saved empty."""

    title: PlainText = Field("", max_length=LIMITS["title"])
    summary: PlainText = Field("", max_length=LIMITS["summary"])
    approach: PlainText = Field("", max_length=LIMITS["approach"])
    evidence: PlainText = Field("", max_length=LIMITS["evidence"])
    team: PlainText = Field("", max_length=LIMITS["team"])
    trl: WholeNumber | None = Field(None, ge=1, le=9, description="Technology readiness level, 1 to 9.")
    pilot_price: WholeNumber | None = Field(None, ge=0, le=MAX_PRICE, description="Price of a pilot, in whole euro; "
                                            "for a market consultation, an indicative cost (optional).")
    pilot_duration_weeks: WholeNumber | None = Field(None, ge=1, le=104, description="Duration of a pilot; not kept "
                                                     "for a market consultation, which no pilot follows.")


@operation("GET", "/pitches", tag="Pitches", auth=REQUIRED, response=PitchList)
def own_pitches(user):
    """Your company's pitches, every status, most recently changed first (company members)."""
    return PitchList(items=[PitchOut.of(p) for p in pitches.own_pitches(user)])


@operation("GET", "/pitches/{pitch_id}", tag="Pitches", auth=REQUIRED, response=PitchOut)
def pitch(user, pitch_id: Id):
    """One pitch: for its company; for the challenge's agency only after the pitch deadline; never anyone else.

    Until the evaluation is finalised the agency reads it blind: no company, and its name redacted in the text.
    Its company also reads the decision sent to it, with its feedback (`outcome`).
    """
    found = access.pitch(user, pitch_id)
    out = PitchOut.of(blinding.panel_view(found, user))
    outcome = evaluation.outcome_for_company(user, found) if permissions.can(user, "pitch.write", found) else None
    if outcome is not None:
        booking = url_for("evaluation.pick_slot", pitch_id=found.id, _external=True) \
            if pitch_lifecycle.state_named(outcome["decision"]).shortlisted else None
        out.outcome = OutcomeOut(**outcome, session_booking=booking)
    return out


@operation("PUT", "/challenges/{slug}/pitch", tag="Pitches", auth=REQUIRED, body=PitchIn, response=PitchOut,
           status=(200, 201))
def save_pitch(user, body, slug: Slug):
    """Write your company's pitch for a challenge: created as a draft (201), or replaced (200).

    A pitch already submitted is submitted again at once with a new receipt, as on the pitch page.
    """
    saved, created = pitches.write_pitch(user, slug, body.model_dump())
    if created:
        return PitchOut.of(saved), 201, {"Location": url_for(".pitch", pitch_id=saved.id, _external=True)}
    return PitchOut.of(saved)


@operation("POST", "/pitches/{pitch_id}/submit", tag="Pitches", auth=REQUIRED, response=PitchOut)
def submit_pitch(user, pitch_id: Id):
    """Submit your company's pitch before the deadline; the answer carries the receipt digest."""
    return PitchOut.of(pitches.submit_pitch(user, pitch_id))


@operation("POST", "/pitches/{pitch_id}/withdraw", tag="Pitches", auth=REQUIRED, response=PitchOut)
def withdraw_pitch(user, pitch_id: Id):
    """Withdraw your company's submitted pitch before the deadline; it can be submitted again."""
    return PitchOut.of(pitches.withdraw_pitch(user, pitch_id))
