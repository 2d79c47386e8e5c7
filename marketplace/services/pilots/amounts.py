"""Amounts of money as people type them: 25000, 25 000, 25.000, 25,000.50 or 25.000,50 all mean what they say."""
import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from marketplace.formatting import lazy, number

# Belgians write "25.000,50", the English "25,000.50". A separator followed by exactly three digits
# groups thousands; one followed by one or two digits at the end marks the cents. An amount in euro
# never has three decimals, so the two readings never collide.
_AMOUNT = re.compile(r"(?P<whole>[0-9]+|[0-9]{1,3}(?:(?P<group>[.,])[0-9]{3})+)(?:(?P<point>[.,])(?P<cents>[0-9]{1,2}))?")
_IGNORED = re.compile(r"[\s\u00a0\u202f'’]|€|eur(?:o|os)?", re.IGNORECASE)


class NotAnAmount(ValueError):
    pass


def parse_amount(raw):
    """The Decimal a person meant, or None for an empty value; NotAnAmount for anything else."""
    if raw is None:
        return None
    if isinstance(raw, float):  # a number sent as a number (JSON): its digits, never read as typed text
        raw = Decimal(repr(raw))
    if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
        value = Decimal(raw)
        if not value.is_finite():
            raise NotAnAmount(raw)
        return value
    text = _IGNORED.sub("", str(raw))
    if not text:
        return None
    match = _AMOUNT.fullmatch(text)
    if match is None or (match["group"] and match["group"] == match["point"]):
        raise NotAnAmount(raw)
    whole = match["whole"].replace(".", "").replace(",", "")
    try:
        return Decimal(f"{whole}.{match['cents'] or '0'}")
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits digits only
        raise NotAnAmount(raw) from exc


def clean_amount(raw, field, errors, *, maximum, required=False):
    """An amount from 0 to `maximum`, to the cent; otherwise None with the problem written in errors[field]."""
    try:
        value = parse_amount(raw)
    except NotAnAmount:
        errors[field] = _l("Enter an amount in figures, like 25000 or 25.000,50.")
        return None
    if value is None:
        if required:
            errors[field] = _l("Enter an amount.")
        return None
    if value < 0 or value > maximum:
        errors[field] = _l("Enter an amount between 0 and %(max)s.", max=lazy(number, maximum))
        return None
    return value.quantize(Decimal("0.01"))
