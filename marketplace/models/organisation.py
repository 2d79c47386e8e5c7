"""Organisations (agencies and companies), their members, invitations and showcase."""
from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

AGENCY = "agency"
COMPANY = "company"
ORGANISATION_KINDS = (AGENCY, COMPANY)
COMPANY_SIZES = ("micro", "small", "medium", "large")
SME_SIZES = ("micro", "small", "medium")

# Roles per kind; the first user of an organisation is its owner.
AGENCY_ROLES = ("owner", "publisher", "procurement_officer", "evaluator")
COMPANY_ROLES = ("owner", "member")
ROLES_BY_KIND = {AGENCY: AGENCY_ROLES, COMPANY: COMPANY_ROLES}

organisation_sectors = Table(
    "organisation_sectors",
    db.metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("cpv_division", String(2), primary_key=True),
    # "Who works in these sectors?" is what matching asks: an index-only scan.
    Index("ix_organisation_sectors_cpv_division", "cpv_division", "organisation_id"),
)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at = mapped_column(UTCDateTime, nullable=True)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    # Company profile.
    size: Mapped[str | None] = mapped_column(String(16))
    registration_number: Mapped[str | None] = mapped_column(String(64))
    website: Mapped[str | None] = mapped_column(String(300))
    capability_statement: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[str | None] = mapped_column(String(500))
    # Postal address (optional; agencies publish it in OCDS as the buyer's): country as ISO 3166-1 alpha-2.
    street_address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    locality: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    # Agency setting: a second publisher or the owner approves each draft.
    four_eyes_publishing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    memberships = relationship("Membership", back_populates="organisation", cascade="all, delete-orphan")
    solutions = relationship(
        "Solution", back_populates="organisation", cascade="all, delete-orphan", order_by="Solution.id"
    )

    @property
    def is_sme(self):
        return self.size in SME_SIZES

    @property
    def sectors(self):
        rows = db.session.execute(
            organisation_sectors.select().where(organisation_sectors.c.organisation_id == self.id)
        ).all()
        return sorted(row.cpv_division for row in rows)

    def __repr__(self):
        return f"<Organisation {self.slug}>"


class Membership(db.Model):
    """A user's place in one organisation, with a role."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user = relationship("User", back_populates="membership")
    organisation = relationship("Organisation", back_populates="memberships")


class Invitation(db.Model):
    """An owner's invitation of a colleague, by email, with a role."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(32))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    accepted_at = mapped_column(UTCDateTime, nullable=True)
    revoked_at = mapped_column(UTCDateTime, nullable=True)

    organisation = relationship("Organisation")
    invited_by = relationship("User")

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None


class Solution(db.Model):
    """A solution a company showcases on its public profile."""

    __tablename__ = "solutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(300))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    organisation = relationship("Organisation", back_populates="solutions")


__all__ = [
    "Organisation", "Membership", "Invitation", "Solution", "organisation_sectors",
    "AGENCY", "COMPANY", "ORGANISATION_KINDS", "COMPANY_SIZES", "SME_SIZES",
    "AGENCY_ROLES", "COMPANY_ROLES", "ROLES_BY_KIND"
]
