"""Evaluation of a challenge's pitches: conflict declarations, scores, blind labels and decisions."""
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

SCORE_MIN = 0
SCORE_MAX = 5


class Evaluation(db.Model):
    """One challenge's evaluation: when it started, was finalised, and decisions went out."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), unique=True)
    started_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # After finalising no score changes, and company identities are revealed.
    finalised_at = mapped_column(UTCDateTime, nullable=True)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Two rounds when the officer shortlists: the shortlist goes out first (with the not-selected), the final
    # decisions after the pitch sessions. `decisions_published_at` is the final send (OCDS counts awards from it).
    shortlist_sent_at = mapped_column(UTCDateTime, nullable=True)
    decisions_published_at = mapped_column(UTCDateTime, nullable=True)

    challenge = relationship("Challenge")
    finalised_by = relationship("User", foreign_keys=[finalised_by_id])

    @property
    def is_finalised(self):
        return self.finalised_at is not None


class ConflictDeclaration(db.Model):
    """An evaluator's conflict-of-interest declaration for one challenge, made before any scoring."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (UniqueConstraint("challenge_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # True: recused, sees no scores, and any scores already given no longer count.
    conflicted: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    declared_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    evaluator = relationship("User")


class PitchAssessment(db.Model):
    """A received pitch in evaluation: its blind label, the officer's decision and feedback."""

    __tablename__ = "pitch_assessments"
    __table_args__ = (UniqueConstraint("challenge_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    pitch_id: Mapped[int] = mapped_column(ForeignKey("pitches.id", ondelete="CASCADE"), unique=True)
    # "A", "B", … "AA": drawn at random when evaluation starts, then stable.
    label: Mapped[str] = mapped_column(String(8))
    # The officer's decision, kept here until published; then copied onto the pitch.
    decision: Mapped[str | None] = mapped_column(String(16))
    feedback: Mapped[str | None] = mapped_column(Text)
    decided_at = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The officer has read this feedback and confirmed it is the text the company receives; any later change of
    # the decision or the text takes the confirmation back.
    feedback_confirmed_at = mapped_column(UTCDateTime, nullable=True)
    feedback_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_decision: Mapped[str | None] = mapped_column(String(16))
    published_at = mapped_column(UTCDateTime, nullable=True)

    pitch = relationship("Pitch")


class Score(db.Model):
    """One evaluator's score (0–5) and comment for one pitch against one criterion."""

    __tablename__ = "evaluation_scores"
    __table_args__ = (
        UniqueConstraint("pitch_id", "criterion_id", "evaluator_id"),
        CheckConstraint(f"score >= {SCORE_MIN} AND score <= {SCORE_MAX}", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    pitch_id: Mapped[int] = mapped_column(ForeignKey("pitches.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("evaluation_criteria.id", ondelete="CASCADE"))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    criterion = relationship("EvaluationCriterion")


__all__ = ["Evaluation", "ConflictDeclaration", "PitchAssessment", "Score", "SCORE_MIN", "SCORE_MAX"]
