"""Password hashing (Argon2id) and the rules a person can follow."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 200
TOO_LONG = _l("Use at most %(n)d characters.", n=MAX_LENGTH)  # the password fields' own limit says the same
# The handful everybody tries first; a longer list would be a burden, not safety.
TOO_COMMON = {
    "password12", "password123", "1234567890", "qwertyuiop", "azertyuiop", "iloveyou12",
    "welcome123", "letmein123", "agora12345", "0123456789", "passw0rd12", "motdepasse",
    "wachtwoord", "passwort12",
}


def _hasher():
    config = current_app.config
    return PasswordHasher(
        time_cost=config.get("ARGON2_TIME_COST", 3),
        memory_cost=config.get("ARGON2_MEMORY_COST", 65536),
        parallelism=config.get("ARGON2_PARALLELISM", 4),
    )


def hash_password(password):
    return _hasher().hash(password)


def verify_password(password_hash, password):
    try:
        return _hasher().verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password, email=None):
    """What is wrong with a new password, as sentences; empty when it is fine."""
    problems = []
    password = password or ""
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(str(TOO_LONG))
    if password.lower() in TOO_COMMON or len(set(password)) < 4:
        problems.append(_("This password is too easy to guess. A few unrelated words make a good one."))
    if email and password.lower() == email.lower():
        problems.append(_("Do not use your email address as your password."))
    return problems
