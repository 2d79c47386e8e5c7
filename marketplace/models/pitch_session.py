"""Pitch sessions: short second-round meetings offered to shortlisted companies as time slots."""
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

IN_PERSON = "in_person"
ONLINE = "online"
SESSION_MODES = (IN_PERSON, ONLINE)


class PitchSessionSlot(db.Model):
    __tablename__ = "pitch_session_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    starts_at = mapped_column(UTCDateTime, nullable=False)
    ends_at = mapped_column(UTCDateTime, nullable=False)
    mode: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(Text)  # in person
    link: Mapped[str | None] = mapped_column(String(500))  # online
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # One company per slot and one slot per pitch: both unique, so two companies
    # clicking the same slot at once cannot both get it.
    pitch_id: Mapped[int | None] = mapped_column(ForeignKey("pitches.id", ondelete="SET NULL"), unique=True)
    booked_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    challenge = relationship("Challenge")
    pitch = relationship("Pitch")
