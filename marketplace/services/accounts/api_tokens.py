"""Personal API tokens: created and revoked by their owner, shown once, kept only as a SHA-256 digest.

A token reads `agora_<8 hex>_<43 random characters>`: 256 random bits, so a
plain SHA-256 is enough to keep it safe at rest (there is nothing to guess),
and looking a token up by its digest needs no secret comparison. The first
part (`agora_<8 hex>`) is kept as it is, so its owner can tell tokens apart.
A token acts as its user, through the same permission checks as the pages;
it stops working when it is revoked, when it expires (API_TOKEN_LIFETIME_DAYS
after creation, 90 by default) or when the user is suspended. Ending a
person's sessions (a password change or reset, "sign out everywhere", an admin
removing their two-factor) revokes all their tokens too: a takeover must not live
on through a token.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from marketplace.extensions import db
from marketplace.formatting import lazy, localtime
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
# Why a token was revoked: by its owner on the tokens page, or with the end of every session.
BY_OWNER = "owner"
TWO_FACTOR_RESET = "two_factor_reset"  # an admin removed the person's two-factor (two_factor.reset_by_admin)
SESSION_END_REASONS = ("password_changed", "password_reset", "signed_out_everywhere", TWO_FACTOR_RESET)
# What the person reads of tokens revoked with the end of their sessions, by the reason: (a token's status in the
# list, given when; the notice leading the tokens page until they create a token). The one mapping, which the tokens
# page asks through `revocation` and `session_end_notice` (the API shows no token, nor why one was revoked).
_PASSWORD_CHANGED = (
    lambda when: _l("Revoked %(when)s, when your password was changed", when=when),
    lambda when: _l("Your tokens were revoked %(when)s, when your password was changed: programs using them are "
                    "refused. Create a new token for each program that still needs one.", when=when))
REVOCATIONS = {
    "password_changed": _PASSWORD_CHANGED,
    "password_reset": _PASSWORD_CHANGED,
    "signed_out_everywhere": (
        lambda when: _l("Revoked %(when)s, when you signed out everywhere", when=when),
        lambda when: _l("Your tokens were revoked %(when)s, when you signed out everywhere: programs using them are "
                        "refused. Create a new token for each program that still needs one.", when=when)),
    TWO_FACTOR_RESET: (
        lambda when: _l("Revoked %(when)s, when your two-factor sign-in was removed", when=when),
        lambda when: _l("Your tokens were revoked %(when)s, when a platform admin removed your two-factor sign-in: "
                        "programs using them are refused. Create a new token for each program that still needs one.",
                        when=when)),
}
assert set(REVOCATIONS) == set(SESSION_END_REASONS)


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
    if active_count(user) >= MAX_ACTIVE:
        raise ValidationFailed({"name": _l("You have %(n)s tokens already. Revoke one you no longer use first.",
                                           n=MAX_ACTIVE)})
    prefix = SCHEME + secrets.token_hex(4)
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = utcnow() + timedelta(days=current_app.config["API_TOKEN_LIFETIME_DAYS"])
    token = ApiToken(user_id=user.id, name=name, prefix=prefix, token_digest=digest(raw), expires_at=expires_at)
    db.session.add(token)
    record_change(user, "api_token.created", token, after={"name": name, "prefix": prefix,
                                                           "expires_at": expires_at})
    db.session.commit()
    return token, raw


def own_token(user, token_id):
    """One of the user's own tokens, to revoke (or confirm revoking); anyone else's token does not exist."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not permissions.can(user, "api_token.revoke", token):
        raise NotFound(str(_l("We could not find that token.")))
    return token


def revocable(token, now=None):
    """Whether revoking the token would change anything: not revoked yet, not expired."""
    return token.revoked_at is None and token.expires_at > (now or utcnow())


def revoke_token(user, token_id):
    """Revoke one of the user's own tokens; revoking twice is harmless. Anyone else's token does not exist."""
    token = own_token(user, token_id)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_reason = utcnow(), BY_OWNER
        record_change(user, "api_token.revoked", token, after={"prefix": token.prefix})
        db.session.commit()
    return token


# After the page that showed a new token's secret, the tokens page says for this long that the secret is not shown
# again (the person may have left it by the language switcher or a link before copying it). Only the name and the
# time are kept for this, in the person's session: never the secret.
SECRET_LEFT_NOTICE = timedelta(minutes=10)


def secret_left_notice(name, shown_at, now=None):
    """What the tokens page says after leaving the page that showed the secret of the token `name` (shown at
    `shown_at`, a UTC timestamp); None once SECRET_LEFT_NOTICE has passed."""
    if (now or utcnow()).timestamp() - shown_at > SECRET_LEFT_NOTICE.total_seconds():
        return None
    return _l("The secret of your new token “%(name)s” was shown only once, on the page you left, and cannot be shown "
              "again. If you did not copy it, revoke this token and create another.", name=name)


def _active(user, now=None):
    return (ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > (now or utcnow()))


def active_count(user):
    """The tokens that still work: neither revoked nor expired."""
    return db.session.scalar(select(func.count(ApiToken.id)).where(*_active(user)))


def revoke_all(user, reason):
    """Revoke every working token of `user` as part of ending their sessions; the caller records the change and
    commits. Returns how many were revoked."""
    assert reason in SESSION_END_REASONS
    now = utcnow()
    revoked = db.session.execute(update(ApiToken).where(*_active(user, now))
                                 .values(revoked_at=now, revoked_reason=reason)
                                 .execution_options(synchronize_session=False)).rowcount
    return revoked or 0


def revocation(token):
    """A revoked token's status as its owner reads it: when, and why when the end of their sessions revoked it
    ("Revoked <when>, when you signed out everywhere"); None while it is not revoked."""
    if token.revoked_at is None:
        return None
    when = lazy(localtime, token.revoked_at)
    if token.revoked_reason in REVOCATIONS:
        return REVOCATIONS[token.revoked_reason][0](when)
    return _l("Revoked %(when)s", when=when)  # by its owner


def session_end_notice(user):
    """If the person's tokens were last revoked by the end of their sessions and no token was created since, the
    sentence that tells them why their programs are refused (the tokens page leads with it); None otherwise."""
    last = db.session.execute(select(ApiToken.revoked_reason, ApiToken.revoked_at)
                              .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_not(None))
                              .order_by(ApiToken.revoked_at.desc()).limit(1)).first()
    if last is None or last.revoked_reason not in SESSION_END_REASONS:
        return None
    newest = db.session.scalar(select(func.max(ApiToken.created_at)).where(ApiToken.user_id == user.id))
    if newest is not None and newest > last.revoked_at:
        return None
    return REVOCATIONS[last.revoked_reason][1](lazy(localtime, last.revoked_at))


def authenticate(raw, now=None):
    """The user a presented token acts for, or NotAuthenticated (one message for every reason: it tells nothing)."""
    refused = NotAuthenticated(str(_l("The API token is missing, unknown, revoked, expired or of an account that "
                                      "cannot act now.")))
    if not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.startswith(SCHEME):
        raise refused
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_digest == digest(raw)))
    if token is None or not permissions.can(token.user, "api_token.use", token):  # revoked, expired or not theirs
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
