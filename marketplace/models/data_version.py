"""Data versions: a token that changes in the same transaction as the data it stands for, and what is kept per token."""
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class DataVersion(db.Model):
    """One row per kind of data (`public`: what anonymous visitors see); its token is random, never reused."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class KeptStatistics(db.Model):
    """The figures of /stats as computed under one public data token, for every process of the platform.

    One row per token (a new token replaces the others when its figures are written). Pitches count once their
    deadline has passed, so the figures hold from `computed_at` until `valid_until`, the next pitch deadline
    (None: no deadline to come), as long as the token is the same.
    """

    __tablename__ = "kept_statistics"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    computed_at = mapped_column(UTCDateTime, nullable=False)
    valid_until = mapped_column(UTCDateTime, nullable=True)
    figures: Mapped[str] = mapped_column(Text)  # JSON, see services/open_data/statistics.py
