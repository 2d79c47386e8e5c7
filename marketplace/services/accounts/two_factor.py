"""Two-factor authentication with time-based one-time codes (TOTP, RFC 6238).

Required for procurement officers and platform admins, who see sealed pitches
and public money decisions; anyone else may turn it on.
"""
import time

import pyotp
from flask_babel import lazy_gettext as _l

from marketplace.extensions import db
from marketplace.services.errors import ValidationFailed
from marketplace.services.messaging.events import record_change

ISSUER = "Agora"
ROLES_THAT_NEED_IT = ("procurement_officer",)


def required_for(user):
    return bool(user.is_admin or (user.membership is not None and user.membership.role in ROLES_THAT_NEED_IT))


def enabled_for(user):
    return bool(user.totp_secret)


def missing_for(user):
    """Their role needs two-factor sign-in and they have not turned it on yet: they may do nothing else."""
    return required_for(user) and not enabled_for(user)


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
    """Turn two-factor on once the person shows their app produces the right code for the pending secret."""
    secret = user.pending_totp_secret
    step = _matching_step(secret, code) if secret else None
    if step is None:
        raise ValidationFailed({"code": _l("That code is not right. Enter the 6 digits your app shows now.")})
    user.totp_secret, user.totp_last_step, user.pending_totp_secret = secret, step, None
    record_change(user, "user.two_factor_enabled", user)
    db.session.commit()


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
