"""In-app notifications and email deliveries, each done once (unique key)."""
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

DELIVERY_QUEUED = "queued"
DELIVERY_SENT = "sent"
DELIVERY_FAILED = "failed"


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # One per event and recipient, so a handler run twice notifies once.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # The message `title` and `body` were written from (services/messaging/notice_text.py), so they are shown in
    # the reader's language of the day; null for a text no message id can say again, and for older notices: then
    # the stored text, in the language of the day it was written, is shown.
    title_message = mapped_column(JSON(none_as_null=True), nullable=True)
    body_message = mapped_column(JSON(none_as_null=True), nullable=True)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    read_at = mapped_column(UTCDateTime, nullable=True)

    user = relationship("User")


class EmailDelivery(db.Model):
    """One email to one address: queued (and tried again after each failure), then sent, or failed once given
    up — the worker's to-do list.

    `next_attempt_at` says when to try: the time it was queued, after a failure
    the time its backoff ends; null once sent or given up. The partial index on
    it holds only the deliveries still to do, so claiming the next one stays a
    short index scan however many sent emails the table keeps.
    """

    __tablename__ = "email_deliveries"
    __table_args__ = (
        Index("ix_email_deliveries_next_attempt_at", "next_attempt_at",
              postgresql_where=text("next_attempt_at IS NOT NULL"), sqlite_where=text("next_attempt_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # An iCalendar invitation sent along (pitch sessions), as text/calendar.
    calendar: Mapped[str | None] = mapped_column(Text)
    # Its iTIP method (RFC 5546: REQUEST or CANCEL), said by the code that built it (services/messaging/mail.py).
    calendar_method: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=DELIVERY_QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at = mapped_column(UTCDateTime, nullable=True)
    next_attempt_at = mapped_column(UTCDateTime, nullable=True)
    # When the current run of failed attempts began (null while none failed, and again once sent or re-queued):
    # the delivery is retried until MAIL_GIVE_UP_AFTER has passed since then, and then it is failed.
    failing_since = mapped_column(UTCDateTime, nullable=True)
