"""A person's saved search of the challenge list: its filters, a name, and how they are alerted of new matches."""
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

ALERT_IMMEDIATE, ALERT_DAILY, ALERT_OFF = "immediate", "daily", "off"
ALERT_CHOICES = (ALERT_IMMEDIATE, ALERT_DAILY, ALERT_OFF)


class SavedSearch(db.Model):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The list page's own query arguments ({"q": "leaks", "sector": ["65"], …}), as the page reads them.
    filters = mapped_column(JSON, nullable=False, default=dict)
    alerts: Mapped[str] = mapped_column(String(16), default=ALERT_IMMEDIATE, index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user = relationship("User")
