"""Two-factor authentication with time-based one-time codes (TOTP, RFC 6238), and getting back in without the app.

Required for procurement officers and platform admins, who see sealed pitches
and public money decisions; anyone else may turn it on.

Setting it up shows the secret as a QR code (`qr_code_svg`, drawn by segno as
inline SVG) and as text. Turning it on makes `RECOVERY_CODE_COUNT` one-time
recovery codes, shown once and stored hashed like passwords; each signs in
once in place of a code from the app (`use_recovery_code`, audited, and the
person is emailed). Someone who has lost both asks a platform admin, who
removes their two-factor with a reason (`reset_by_admin`, audited, the person
signed out everywhere and their API tokens revoked, as a password change does,
and emailed); whoever's role needs it sets it up again at their next sign-in.
"""
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.formatting import lazy, number
from marketplace.models import Membership, RecoveryCode, User
from marketplace.services import permissions
from marketplace.services.accounts import api_tokens  # which imports this module: used in functions only
from marketplace.services.accounts.passwords import hash_password, verify_password
from marketplace.services.clock import utcnow
from marketplace.services.errors import InvalidTransition, NotFound, ValidationFailed
from marketplace.services.messaging import links
from marketplace.services.messaging.events import record_change
from marketplace.services.messaging.mail import queue_email
from marketplace.services.messaging.outbox import handles

ISSUER = "Agora"
ROLES_THAT_NEED_IT = ("procurement_officer",)
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without the ones people confuse (0/o, 1/l/i): 10 of them carry about 50 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10
REASON_MAX = 500
OWN_ACCOUNT = _l("Your own account: another admin removes your two-factor sign-in if you lose your phone.")
REASON_TOO_LONG = _l("Use %(n)s characters or fewer.", n=lazy(number, REASON_MAX))  # as accounts.too_long says
REASON_NEEDED = _l("Say why, for the audit trail: for example how you checked who asked.")


def required_for(user):
    return bool(user.is_admin or (user.membership is not None and user.membership.role in ROLES_THAT_NEED_IT))


def enabled_for(user):
    return bool(user.totp_secret)


def missing_for(user):
    """Their role needs two-factor sign-in and they have not turned it on yet: they may do nothing else."""
    return required_for(user) and not enabled_for(user)


@dataclass(frozen=True)
class Overview:
    """What the account pages say about a person's two-factor sign-in."""
    enabled: bool
    required: bool
    recovery_codes_left: int


def overview(user):
    return Overview(enabled=enabled_for(user), required=required_for(user),
                    recovery_codes_left=recovery_codes_left(user) if enabled_for(user) else 0)


def new_secret():
    return pyotp.random_base32()


def pending_secret(user):
    """The secret being enrolled, kept on the user's row until a code confirms it (never in the session cookie,
    which is signed but readable by anyone holding it); made on first asking, the same on every later visit."""
    if not user.pending_totp_secret:
        user.pending_totp_secret = new_secret()
        db.session.commit()
    return user.pending_totp_secret


def provisioning_uri(user, secret):
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code(uri):
    """The QR code of an otpauth:// address (error correction M: still read from a slightly blurred screen)."""
    return segno.make(uri, error="m")


def qr_code_svg(uri):
    """The QR code as inline SVG, dark on white whatever the page's colours, named for screen readers."""
    label = str(_l("QR code to add Agora to your authenticator app"))
    svg = qr_code(uri).svg_inline(scale=5, border=4, dark="#000", light="#fff", title=label, svgclass="qr-code")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _matching_step(secret, code, at=None):
    """The time step the code belongs to (now, or one step either side for clock drift), or None."""
    code = "".join((code or "").split())
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = int(at if at is not None else time.time())
    for offset in (0, -1, 1):
        step = now // totp.interval + offset
        if totp.at(step * totp.interval) == code:
            return step
    return None


def enrol(user, code):
    """Turn two-factor on once the person shows their app produces the right code for the pending secret.

    Returns the new recovery codes, to show this once: only their hashes are kept.
    """
    secret = user.pending_totp_secret
    step = _matching_step(secret, code) if secret else None
    if step is None:
        raise ValidationFailed({"code": _l("That code is not right. Enter the 6 digits your app shows now.")})
    new_app = enabled_for(user)  # already on: the person moves to a new phone, and the old app stops working
    user.totp_secret, user.totp_last_step, user.pending_totp_secret = secret, step, None
    codes = _replace_recovery_codes(user)
    record_change(user, "user.two_factor_enabled", user, after={"recovery_codes": len(codes), "new_app": new_app})
    db.session.commit()
    return codes


def verify(user, code, at=None):
    """True for a fresh, right code; a code already used (even if right) is refused."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, at)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    db.session.commit()
    return True


# ---- Recovery codes ---------------------------------------------------------------------------------------

def _normalised(code):
    """What people type: any case, with or without the hyphen or spaces."""
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _new_recovery_code():
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    half = RECOVERY_CODE_LENGTH // 2
    return f"{raw[:half]}-{raw[half:]}"


def _replace_recovery_codes(user):
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_password(_normalised(code))) for code in codes)
    return codes


def recovery_codes_left(user):
    return db.session.scalar(select(func.count(RecoveryCode.id))
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def renew_recovery_codes(user, password):
    """New recovery codes in place of all the old ones, used or not, once the person confirms their password."""
    if not enabled_for(user):
        raise InvalidTransition(str(_l("Turn on two-factor sign-in first: recovery codes come with it.")))
    if not verify_password(user.password_hash, password):
        raise ValidationFailed({"password": _l("Your password is not right.")})
    codes = _replace_recovery_codes(user)
    record_change(user, "user.recovery_codes_renewed", user, after={"recovery_codes": len(codes)})
    db.session.commit()
    return codes


def use_recovery_code(user, code):
    """True when `code` is one of the person's unused recovery codes: it is spent (once, even if two requests
    race), audited, and the person is emailed. The sign-in step's rate limit applies as for app codes."""
    typed = _normalised(code)
    if not enabled_for(user) or len(typed) != RECOVERY_CODE_LENGTH:
        return False
    unused = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                           RecoveryCode.used_at.is_(None))).all()
    match = next((row for row in unused if verify_password(row.code_hash, typed)), None)
    if match is None:
        return False
    spent = db.session.execute(update(RecoveryCode).where(RecoveryCode.id == match.id, RecoveryCode.used_at.is_(None))
                               .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if spent != 1:
        db.session.rollback()
        return False
    remaining = len(unused) - 1
    record_change(user, "user.recovery_code_used", user, after={"remaining": remaining},
                  payload={"user_id": user.id, "remaining": remaining})
    db.session.commit()
    return True


# ---- Admin-assisted reset ---------------------------------------------------------------------------------

def user_for_reset(admin, user_id):
    """The person whose two-factor an admin may remove; not found for anyone else (nor for the admin's own)."""
    user = db.session.get(User, user_id)
    if user is None:
        permissions.require(admin, "admin.view")
        raise NotFound(str(_l("We could not find that person.")))
    permissions.require(admin, "user.reset_two_factor", user)
    return user


@dataclass(frozen=True)
class AdminPerson:
    """A row of the admin's list of people: whether their two-factor is on and, if it cannot be removed, why."""
    user: User
    enabled: bool
    refusal: object  # None when the admin may remove it now


def people_for_admin(admin, search="", limit=50):
    """People whose address or name contains `search` (everyone when empty), by address, for the admin's list."""
    permissions.require(admin, "admin.view")
    query = select(User).options(selectinload(User.membership).selectinload(Membership.organisation)) \
        .order_by(User.email).limit(limit)
    search = (search or "").strip().lower()
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(func.lower(User.email).like(pattern, escape="\\")
                            | func.lower(User.name).like(pattern, escape="\\"))
    return [AdminPerson(user, enabled_for(user), reset_refusal(user) if permissions.can(admin, "user.reset_two_factor",
                                                                                         user) else OWN_ACCOUNT)
            for user in db.session.scalars(query)]


def reset_refusal(user):
    """Why an admin cannot remove this person's two-factor now, or None."""
    if not enabled_for(user) and not user.pending_totp_secret:
        return _l("Two-factor sign-in is not on for this person: there is nothing to remove.")
    return None


def reset_by_admin(admin, user_id, reason):
    """Remove a person's two-factor (secret, pending secret, recovery codes) for someone who lost their app and
    their codes. The reason is audited with the admin; the person's sessions end and they are emailed. Whoever's
    role needs two-factor sets it up again at their next sign-in."""
    user = user_for_reset(admin, user_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": REASON_NEEDED})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": REASON_TOO_LONG})
    refusal = reset_refusal(user)
    if refusal is not None:
        raise InvalidTransition(str(refusal))
    user.totp_secret = user.totp_last_step = user.pending_totp_secret = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    # Signed out everywhere, API tokens included, as a password change does: whoever got in without the second
    # factor must not stay in through a session or a token they made.
    user.session_version = (user.session_version or 1) + 1
    revoked = api_tokens.revoke_all(user, api_tokens.TWO_FACTOR_RESET)
    if revoked:
        record_change(admin, "api_token.revoked_all", user,
                      after={"tokens": revoked, "reason": api_tokens.TWO_FACTOR_RESET})
    record_change(admin, "user.two_factor_reset", user, after={"reason": reason},
                  payload={"user_id": user.id, "reason": reason, "tokens_revoked": revoked})
    db.session.commit()
    return user


# ---- Emails these events cause ----------------------------------------------------------------------------

@handles("user.recovery_code_used")
def email_recovery_code_used(event):
    """Tell the person a recovery code signed in to their account: if it was not them, they act at once."""
    user = db.session.get(User, event.payload["user_id"])
    if user is None:
        return
    queue_email("recovery_code_used", dedupe_key=f"recovery-code-used:{event.id}", user=user,
                context={"remaining": event.payload["remaining"], "two_factor_url": links.two_factor_url(),
                         "reset_url": links.forgot_password_url()})


@handles("user.two_factor_reset")
def email_two_factor_reset(event):
    user = db.session.get(User, event.payload["user_id"])
    if user is None:
        return
    queue_email("two_factor_reset", dedupe_key=f"two-factor-reset:{event.id}", user=user,
                context={"reason": event.payload["reason"], "login_url": links.login_url(),
                         "required": required_for(user), "tokens_revoked": event.payload.get("tokens_revoked", 0)})
