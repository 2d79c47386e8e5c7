"""OCDS releases as they were published: written once, in the transaction of the change they record."""
from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .audit import append_only
from .types import UTCDateTime, utcnow


class OcdsRelease(db.Model):
    """One release of one contracting process (a published challenge), its JSON kept exactly as it was written.

    `change_key` names the lifecycle change it records ("published", "stage-12", …) or, for a later correction
    of what was already published (a renamed company, a new milestone), "update-<n>". A change is stored once.
    """
    __tablename__ = "ocds_releases"
    __table_args__ = (
        UniqueConstraint("challenge_id", "change_key", name="uq_ocds_releases_change"),
        Index("ix_ocds_releases_date", "date", "id"),  # the package, oldest first, `since` as a range
        Index("ix_ocds_releases_process", "challenge_id", "date", "id"),  # one process's releases (`ocid`)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(Integer)
    ocid: Mapped[str] = mapped_column(String(100))
    release_id: Mapped[str] = mapped_column(String(160), unique=True)
    change_key: Mapped[str] = mapped_column(String(40))
    date = mapped_column(UTCDateTime, nullable=False)
    tag: Mapped[str] = mapped_column(String(32))
    release: Mapped[str] = mapped_column(Text)  # the release as JSON text, byte for byte as published
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


append_only(OcdsRelease, "OCDS releases are written once")
