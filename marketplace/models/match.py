"""Matching: the terms of each company profile, the companies matched to a challenge, and the word weights they
were matched by."""
from sqlalchemy import JSON, Column, Float, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

# An inverted index of company profiles: one row per (normalised term, company).
# The primary key leads with the term, so "who uses these words?" is an index scan;
# kept up to date by services/matching.py whenever a profile or showcase changes.
organisation_terms = Table(
    "organisation_terms",
    db.metadata,
    Column("term", String(40), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Match(db.Model):
    """A company matched to a challenge when it was published, with its score and the reasons why."""

    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("challenge_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    # Structured reasons ({"code": "sector", "division": "72"} …), rendered in the reader's language.
    reasons = mapped_column(JSON, nullable=False, default=list)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    invited_at = mapped_column(UTCDateTime, nullable=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    challenge = relationship("Challenge")
    organisation = relationship("Organisation")


class ChallengeMatchWeights(db.Model):
    """The weights of a challenge's words when its companies were matched (one row per challenge, for the
    challenge's `version` then): a company's challenge page scores it by these, counting no companies."""

    __tablename__ = "challenge_match_weights"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    challenge_version: Mapped[int] = mapped_column(Integer)
    weights = mapped_column(JSON, nullable=False)  # {term: weight}
    computed_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
