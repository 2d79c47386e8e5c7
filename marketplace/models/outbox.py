"""The transactional outbox: events written with the change, dispatched by the worker."""
from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class OutboxEvent(db.Model):
    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    payload = mapped_column(JSON, nullable=False, default=dict)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Set when the handler has run to completion; null means still to do.
    processed_at = mapped_column(UTCDateTime, nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
