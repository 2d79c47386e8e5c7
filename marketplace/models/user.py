"""People who sign in."""
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

NOTIFICATION_PREFERENCES = ("immediate", "daily", "off")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    notification_preference: Mapped[str] = mapped_column(String(16), default="immediate")
    # Bumped at password change and logout-everywhere: old sessions stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Two-factor authentication (TOTP): the shared secret once confirmed, and the last
    # time step used, so a code cannot be replayed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # The secret shown during enrolment, until a code confirms it (kept here, not in the session cookie).
    pending_totp_secret: Mapped[str | None] = mapped_column(String(64))
    # Wrong passwords in the current window (SIGN_IN_ALERT_WINDOW_MINUTES, from failed_sign_ins_since): the
    # owner is emailed once when they reach SIGN_IN_ALERT_FAILURES.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_sign_ins_since = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_login_at = mapped_column(UTCDateTime, nullable=True)
    # When the person followed the link emailed at registration (an invitation proves the address too). Until
    # then nothing is sent on their behalf: see permissions.email_confirmed.
    email_confirmed_at = mapped_column(UTCDateTime, nullable=True)
    # The secret part of the person's calendar feed address (services/challenges/calendar_feed.py); None: no feed.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    membership = relationship("Membership", back_populates="user", uselist=False)
    # The number of unread notifications, read with the signed-in person (services/messaging/notifications.py
    # with_unread_count); None where the person was loaded without it, or since a commit expired it.
    unread_notifications: Mapped[int | None] = query_expression()

    def get_id(self):
        # Flask-Login stores this; a bumped version makes old cookies invalid.
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self):
        # May act at all: neither they nor their organisation is suspended (sign-in, session and permissions ask).
        organisation = self.organisation
        return not self.is_suspended and not (organisation is not None and organisation.suspended)

    @property
    def organisation(self):
        return self.membership.organisation if self.membership else None

    @property
    def role(self):
        return self.membership.role if self.membership else None

    def __repr__(self):
        return f"<User {self.email}>"


class RecoveryCode(db.Model):
    """One of a person's one-time recovery codes for two-factor sign-in, stored hashed (Argon2id, like passwords).

    Shown once when made; each signs in once in place of a code from the app (services/accounts/two_factor.py).
    """
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    used_at = mapped_column(UTCDateTime, nullable=True)
