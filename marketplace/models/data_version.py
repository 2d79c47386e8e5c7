"""Data versions: a token that changes in the same transaction as the data it stands for."""
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class DataVersion(db.Model):
    """One row per kind of data (`public`: what anonymous visitors see); its token is random, never reused."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
