"""Personal API tokens: only a SHA-256 digest of each token is kept, with a short prefix to recognise it by."""
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The start of the token as shown once ("agora_3f9c2a1b"), so its owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_used_at = mapped_column(UTCDateTime, nullable=True)
    # Refused from this moment on (API_TOKEN_LIFETIME_DAYS after creation).
    expires_at = mapped_column(UTCDateTime, nullable=False)
    revoked_at = mapped_column(UTCDateTime, nullable=True)
    # Why: "owner" (revoked on the tokens page), "password_changed", "password_reset" or "signed_out_everywhere".
    revoked_reason: Mapped[str | None] = mapped_column(String(32))

    user = relationship("User")

    def __repr__(self):
        return f"<ApiToken {self.prefix}…>"
