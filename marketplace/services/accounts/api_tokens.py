"""Personal API tokens: created and revoked by their owner, shown once, kept only as a SHA-256 digest.

A token reads `agora_<8 hex>_<43 random characters>`: 256 random bits, so a
plain SHA-256 is enough to keep it safe at rest (there is nothing to guess),
and looking a token up by its digest needs no secret comparison. The first
part (`agora_<8 hex>`) is kept as it is, so its owner can tell tokens apart.
A token acts as its user, through the same permission checks as the pages;
it stops working when it is revoked or the user is suspended.
"""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import ApiToken
from marketplace.services import permissions
from marketplace.services.accounts import two_factor
from marketplace.services.clock import utcnow
from marketplace.services.errors import NotAuthenticated, NotFound, ValidationFailed
from marketplace.services.messaging.events import record_change

SCHEME = "agora_"
MAX_NAME = 100
MAX_ACTIVE = 10
MAX_TOKEN_LENGTH = 100
# `last_used_at` is written at most this often per token: a busy client must not mean a write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


def digest(raw):
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def tokens_of(user):
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()


def create_token(user, name):
    """A new token for `user`: returns (the stored token, the token itself, to be shown once and never again)."""
    permissions.require(user, "api_token.create")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": _l("Name the token, for example after the program that will use it.")})
    if len(name) > MAX_NAME:
        raise ValidationFailed({"name": _l("Use %(n)s characters or fewer.", n=MAX_NAME)})
    active = db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.user_id == user.id,
                                                                     ApiToken.revoked_at.is_(None)))
    if active >= MAX_ACTIVE:
        raise ValidationFailed({"name": _l("You have %(n)s tokens already. Revoke one you no longer use first.",
                                           n=MAX_ACTIVE)})
    prefix = SCHEME + secrets.token_hex(4)
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user_id=user.id, name=name, prefix=prefix, token_digest=digest(raw))
    db.session.add(token)
    record_change(user, "api_token.created", token, after={"name": name, "prefix": prefix})
    db.session.commit()
    return token, raw


def revoke_token(user, token_id):
    """Revoke one of the user's own tokens; revoking twice is harmless. Anyone else's token does not exist."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not permissions.can(user, "api_token.revoke", token):
        raise NotFound(str(_l("We could not find that token.")))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_change(user, "api_token.revoked", token, after={"prefix": token.prefix})
        db.session.commit()
    return token


def authenticate(raw, now=None):
    """The user a presented token acts for, or NotAuthenticated (one message for every reason: it tells nothing)."""
    refused = NotAuthenticated(str(_l("The API token is missing, unknown, revoked or of an account that cannot "
                                      "act now.")))
    if not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.startswith(SCHEME):
        raise refused
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_digest == digest(raw)))
    if token is None or not permissions.can(token.user, "api_token.use", token):  # revoked, or not theirs any more
        raise refused
    user = token.user
    if two_factor.missing_for(user):
        # Such a person could not sign in to the pages without it either.
        raise NotAuthenticated(str(_l("Your role needs two-factor sign-in: turn it on in your account first.")))
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.commit()
    return user
