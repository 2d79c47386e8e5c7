"""Password hashing (Argon2id) and the rules a person can follow."""
import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 200
TOO_LONG = _l("Use at most %(n)d characters.", n=MAX_LENGTH)  # the password fields' own limit says the same
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
# Digits and signs people put around a word to pass a rule ("Password2024!", "!!sunshine").
_PADDING = "0123456789!@#$%^&*()_+-=.,;:?/\\|'\"`~[]{}<> "
# Letters written as digits or signs ("p@ssw0rd").
_LEET = str.maketrans("@4310$5!7+", "aaeiossitt")
# Keyboard rows (QWERTY, AZERTY) and sequences: a password read along one of them is a walk, not a secret.
_WALKS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn", "1234567890",
          "abcdefghijklmnopqrstuvwxyz", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")


@cache
def common_passwords():
    """The list shipped with Agora (see the head of common_passwords.txt for where it comes from), lower case."""
    with COMMON_PASSWORDS.open(encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("# "))


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


def _squashed(text):
    """Lower case, without spaces or signs: "Acme Corp." and "acme-corp" are the same word."""
    return re.sub(r"[\W_]+", "", (text or "").lower())


def _cores(password):
    """What a guesser would try: the password in lower case, without the digits and signs around it, without
    spaces, read without digit-for-letter swaps, and the unit of a repeated one ("abcabcabcabc")."""
    lowered = password.lower()
    cores = set()
    for variant in {lowered, _squashed(lowered)}:
        for core in (variant, variant.strip(_PADDING), variant.rstrip(_PADDING), variant.lstrip(_PADDING)):
            cores.update((core, core.translate(_LEET)))
    for core in list(cores):
        repeated = re.fullmatch(r"(.+?)\1+", core)
        if repeated:
            cores.add(repeated.group(1))
    return {core for core in cores if core}


def _walk(password):
    core = _squashed(password)
    return len(core) >= 4 and any(core in row * 3 or core in row[::-1] * 3 for row in _WALKS)


def password_problems(password, email=None, organisation_name=None):
    """What is wrong with a new password, as sentences; empty when it is fine.

    Refused: fewer than MIN_LENGTH characters; a password on the shipped list of common and leaked ones, also with
    digits or signs around it or digits for letters; a keyboard walk or sequence; very few different characters;
    the email address, its part before the @ or the organisation's name (with or without digits around them).
    """
    problems = []
    password = password or ""
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(str(TOO_LONG))
        return problems
    cores = _cores(password)
    personal = {_squashed(email), _squashed((email or "").partition("@")[0]), _squashed(organisation_name)} - {""}
    if cores & personal:
        problems.append(_("Do not use your email address or your organisation’s name as your password."))
    elif cores & common_passwords():
        problems.append(_("This password is on lists of common or leaked passwords that attackers try first, or "
                          "close to one. A few unrelated words make a good one."))
    elif len(set(password)) < 4 or _walk(password):
        problems.append(_("This password is too easy to guess. A few unrelated words make a good one."))
    return problems
