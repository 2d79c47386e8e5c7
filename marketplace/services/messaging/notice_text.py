"""A notice's words kept as the message they came from (message id and parameters), to be said again in whatever
language the reader speaks when reading: the inbox and the digest follow a change of language.

Kept so: Flask-Babel's lazy `gettext`/`ngettext` strings (`_l`, `lazy_ngettext`); their parameters as text or
numbers, a parameter that is itself a lazy message as one too, and a value formatted when shown
(`formatting.lazy(day, a_date)`, one of FORMATTERS) as that value, formatted again for each reader; and `lines(...)`,
messages and texts said one under the other (a notice's body of several sentences). Anything else (a text built
by a function of its own) gives None, and the stored text is what the reader sees, as before.
"""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext, ngettext
from flask_babel.speaklater import LazyString

from marketplace.formatting import day, listed, localtime, money, number, time_span
from marketplace.services.organisations.cpv import cpv_name

_PLAIN = (str, int, float, bool, type(None))
# The formatters a kept notice may name: a value is formatted again with them, in the reader's language and zone.
FORMATTERS = {formatter.__name__: formatter for formatter in (day, localtime, time_span, money, number, listed,
                                                                 cpv_name)}


def lines(*parts):
    """Messages (lazy strings) and texts said one under the other when shown, each in that moment's language;
    kept by a notice as the messages themselves (`message_of`), so the reader hears every line in theirs."""
    return LazyString(_one_under_the_other, *parts)


def _one_under_the_other(*parts):
    return "\n".join(str(part) for part in parts)


def message_of(text):
    """The JSON-able message a lazy string says, or None if it cannot be said again from a message id."""
    if not isinstance(text, LazyString):
        return None
    if text._func is _one_under_the_other:
        parts = [part if isinstance(part, str) else _kept_message(part) for part in text._args]
        return None if text._kwargs or any(part is None for part in parts) else {"lines": parts}
    if text._func not in (gettext, ngettext):
        return None
    expected = 1 if text._func is gettext else 3
    if len(text._args) != expected or not all(isinstance(a, _PLAIN) for a in text._args):
        return None
    params = {}
    for name, value in text._kwargs.items():
        if isinstance(value, LazyString):
            value = _kept_message(value) or _kept_value(value)
            if value is None:
                return None
        elif not isinstance(value, _PLAIN):
            value = str(value)
        params[name] = value
    return {"args": list(text._args), "params": params}


def _kept_message(text):
    message = message_of(text)
    return None if message is None else {"message": message}


def _kept_value(text):
    """A value formatted when shown ({"formatted": name, "args": [...]}), or None if its formatter or arguments
    cannot be kept."""
    if FORMATTERS.get(getattr(text._func, "__name__", None)) is not text._func:
        return None
    args, kwargs = [_encoded(a) for a in text._args], {k: _encoded(v) for k, v in text._kwargs.items()}
    if any(a is _UNKEPT for a in [*args, *kwargs.values()]):
        return None
    return {"formatted": text._func.__name__, "args": args, "kwargs": kwargs}


_UNKEPT = object()


def _encoded(value):
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, (list, tuple)):
        items = [_encoded(v) for v in value]
        return _UNKEPT if any(i is _UNKEPT for i in items) else {"list": items}
    return value if isinstance(value, _PLAIN) else _UNKEPT


def _decoded(value):
    if not isinstance(value, dict):
        return value
    (kind, kept), = value.items()
    return {"datetime": datetime.fromisoformat, "date": date.fromisoformat, "decimal": Decimal,
            "list": lambda items: [_decoded(i) for i in items]}[kind](kept)


def said_again(message, stored):
    """The message in the language active now, else the stored text: also when the message cannot be said any
    more (a msgid since reworded to take other parameters), the reader sees what was stored, never an error."""
    if not message:
        return stored
    try:
        return _said(message)
    except (KeyError, ValueError, TypeError, IndexError, ArithmeticError):
        return stored


def _said(message):
    if "lines" in message:
        return "\n".join(part if isinstance(part, str) else _said(part["message"]) for part in message["lines"])
    args = message["args"]
    params = {name: _param(value) for name, value in message.get("params", {}).items()}
    return gettext(*args, **params) if len(args) == 1 else ngettext(*args, **params)


def _param(value):
    if not isinstance(value, dict):
        return value
    if "message" in value:
        return _said(value["message"])
    return FORMATTERS[value["formatted"]](*(_decoded(a) for a in value["args"]),
                                          **{k: _decoded(v) for k, v in value.get("kwargs", {}).items()})
