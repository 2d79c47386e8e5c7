"""Solution pitches: a company's answer to a challenge, sealed until the deadline."""
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

PITCH_DRAFT = "draft"
PITCH_SUBMITTED = "submitted"
PITCH_WITHDRAWN = "withdrawn"
PITCH_SHORTLISTED = "shortlisted"
PITCH_NOT_SELECTED = "not_selected"
PITCH_SELECTED = "selected"
PITCH_STATUSES = (
    PITCH_DRAFT, PITCH_SUBMITTED, PITCH_WITHDRAWN, PITCH_SHORTLISTED, PITCH_NOT_SELECTED, PITCH_SELECTED,
)
# Pitches the agency may read once the deadline has passed.
RECEIVED_STATUSES = (PITCH_SUBMITTED, PITCH_SHORTLISTED, PITCH_NOT_SELECTED, PITCH_SELECTED)


class Pitch(db.Model):
    __tablename__ = "pitches"
    __table_args__ = (UniqueConstraint("challenge_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=PITCH_DRAFT, index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    approach: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    # The sanitised HTML of the two Markdown texts, stored when they are set (services/challenges/markdown.py).
    approach_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    evidence_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    trl: Mapped[int | None] = mapped_column(Integer)  # technology readiness level 1-9
    pilot_price = mapped_column(Numeric(14, 2), nullable=True)
    pilot_duration_weeks: Mapped[int | None] = mapped_column(Integer)
    team: Mapped[str] = mapped_column(Text, default="")
    # Receipt: time from the database clock and a digest of exactly what was submitted.
    submitted_at = mapped_column(UTCDateTime, nullable=True)
    receipt_digest: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    challenge = relationship("Challenge")
    company = relationship("Organisation")
    attachments = relationship(
        "PitchAttachment", back_populates="pitch", cascade="all, delete-orphan", order_by="PitchAttachment.id"
    )
    receipts = relationship("PitchReceipt", back_populates="pitch", cascade="all, delete-orphan",
                            order_by="PitchReceipt.id")


class PitchAttachment(db.Model):
    """A file attached to a pitch, stored outside static/ under a random name."""

    __tablename__ = "pitch_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    pitch_id: Mapped[int] = mapped_column(ForeignKey("pitches.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as the company named it, sanitised
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    pitch = relationship("Pitch", back_populates="attachments")


class UnsavedPitchStep(db.Model):
    """What a company member typed into one step of a pitch and is not saved: their session had ended, or the
    step was refused (`refused`) and the page may be loaded again before they correct it (the language switcher).

    Kept for that person alone (never their colleagues, never anyone else) until
    they sign in again and save the step, discard it, or it grows too old.
    """

    __tablename__ = "unsaved_pitch_steps"
    __table_args__ = (UniqueConstraint("user_id", "challenge_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    typed = mapped_column(JSON, nullable=False)
    kept_at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    # Refused with reasons (shown again with it), not cut off by an ended session.
    refused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)


RECEIPT_SUBMITTED = "submitted"
RECEIPT_RESUBMITTED = "resubmitted"
RECEIPT_WITHDRAWN = "withdrawn"
RECEIPT_KINDS = (RECEIPT_SUBMITTED, RECEIPT_RESUBMITTED, RECEIPT_WITHDRAWN)


class PitchReceipt(db.Model):
    """One receipt: a submission, a resubmission or a withdrawal, with its short reference ("AG-7K3F-92QD").

    The reference is derived from what the receipt records (services/pitches/receipts.py) and kept, so the
    email, the receipt page and the company's records all quote the same one.
    """

    __tablename__ = "pitch_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    pitch_id: Mapped[int] = mapped_column(ForeignKey("pitches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    issued_at = mapped_column(UTCDateTime, nullable=False)  # the database clock at the change
    digest: Mapped[str | None] = mapped_column(String(64))  # what was submitted; None for a withdrawal
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    pitch = relationship("Pitch", back_populates="receipts")
    issued_by = relationship("User")
