"""Pilots: a selected pitch tried out in light-touch stages, with documents, payments and outcomes."""
from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

AGREEMENT = "agreement"
RUNNING = "running"
EVALUATION = "evaluation"
ADOPTED = "adopted"
EXTENDED = "extended"
STOPPED = "stopped"
PILOT_STAGES = (AGREEMENT, RUNNING, EVALUATION, ADOPTED, EXTENDED, STOPPED)
OUTCOME_STAGES = (ADOPTED, STOPPED)

SIGNED_AGREEMENT = "signed_agreement"
EVALUATION_REPORT = "evaluation_report"
OTHER_DOCUMENT = "other"
DOCUMENT_KINDS = (SIGNED_AGREEMENT, EVALUATION_REPORT, OTHER_DOCUMENT)

MET = "met"
PARTLY_MET = "partly_met"
NOT_MET = "not_met"
MEASURE_RESULTS = (MET, PARTLY_MET, NOT_MET)


class Pilot(db.Model):
    __tablename__ = "pilots"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    pitch_id: Mapped[int] = mapped_column(ForeignKey("pitches.id"), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(16), default=AGREEMENT, index=True)
    stage_entered_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    stage_due_on = mapped_column(Date, nullable=True)
    budget = mapped_column(Numeric(14, 2), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # Above the low-value threshold: a written reason and a second person's approval.
    budget_justification: Mapped[str | None] = mapped_column(Text)
    budget_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    budget_approved_at = mapped_column(UTCDateTime, nullable=True)
    starts_on = mapped_column(Date, nullable=False)
    ends_on = mapped_column(Date, nullable=False)
    outcome_summary: Mapped[str | None] = mapped_column(Text)
    lessons_learned: Mapped[str | None] = mapped_column(Text)
    # Their sanitised HTML, stored when they are set (services/challenges/markdown.py).
    outcome_summary_html: Mapped[str | None] = mapped_column(Text)
    lessons_learned_html: Mapped[str | None] = mapped_column(Text)
    follow_on_procurement_url: Mapped[str | None] = mapped_column(String(500))
    outcome_published_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    # Two officers moving the same pilot: the second write fails instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    __mapper_args__ = {"version_id_col": version}

    challenge = relationship("Challenge")
    pitch = relationship("Pitch")
    agency = relationship("Organisation", foreign_keys=[agency_id])
    company = relationship("Organisation", foreign_keys=[company_id])
    owner = relationship("User", foreign_keys=[owner_id])
    started_by = relationship("User", foreign_keys=[started_by_id])
    budget_approved_by = relationship("User", foreign_keys=[budget_approved_by_id])
    documents = relationship("PilotDocument", back_populates="pilot", order_by="PilotDocument.uploaded_at")
    milestones = relationship(
        "PaymentMilestone", back_populates="pilot", cascade="all, delete-orphan", order_by="PaymentMilestone.position"
    )
    stage_changes = relationship("PilotStageChange", back_populates="pilot", order_by="PilotStageChange.id")
    measure_outcomes = relationship("MeasureOutcome", back_populates="pilot", cascade="all, delete-orphan")
    budget_increases = relationship("PilotBudgetIncrease", back_populates="pilot", order_by="PilotBudgetIncrease.id")
    messages = relationship("PilotMessage", back_populates="pilot", order_by="PilotMessage.id")

    def has_document(self, kind):
        return any(d.kind == kind for d in self.documents)

    def __repr__(self):
        return f"<Pilot {self.id} {self.stage}>"


class PilotStageChange(db.Model):
    """Who moved the pilot, when, from where to where, and why."""

    __tablename__ = "pilot_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    changed_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    pilot = relationship("Pilot", back_populates="stage_changes")
    actor = relationship("User")


class PilotDocument(db.Model):
    __tablename__ = "pilot_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, sanitised; never used as a path
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    pilot = relationship("Pilot", back_populates="documents")


class PaymentMilestone(db.Model):
    __tablename__ = "payment_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(200))
    planned_amount = mapped_column(Numeric(14, 2), nullable=False)
    planned_on = mapped_column(Date, nullable=True)
    paid_amount = mapped_column(Numeric(14, 2), nullable=True)
    paid_on = mapped_column(Date, nullable=True)

    pilot = relationship("Pilot", back_populates="milestones")


class MeasureOutcome(db.Model):
    """The adopt-or-stop decision judged against one of the challenge's success measures."""

    __tablename__ = "measure_outcomes"
    __table_args__ = (UniqueConstraint("pilot_id", "success_measure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    success_measure_id: Mapped[int] = mapped_column(ForeignKey("success_measures.id", ondelete="CASCADE"))
    result: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text, default="")

    pilot = relationship("Pilot", back_populates="measure_outcomes")
    success_measure = relationship("SuccessMeasure")


class PilotMessage(db.Model):
    """Messages between the agency and the company about one pilot."""

    __tablename__ = "pilot_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    pilot = relationship("Pilot", back_populates="messages")
    author = relationship("User")


class PilotBudgetIncrease(db.Model):
    """More money for a running pilot: asked with a reason by one person, approved by another."""

    __tablename__ = "pilot_budget_increases"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    amount = mapped_column(Numeric(14, 2), nullable=False)
    justification: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at = mapped_column(UTCDateTime, nullable=True)

    pilot = relationship("Pilot", back_populates="budget_increases")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
