"""A notice's words kept as the message they came from (message id and parameters), to be said again in whatever
language the reader speaks when reading: the inbox and the digest follow a change of language.

Only Flask-Babel's lazy `gettext`/`ngettext` strings (`_l`, `lazy_ngettext`) are kept so; their parameters are
kept as text or numbers (a parameter that is itself a lazy message is kept as one too; a date, already written
in the writer's language, is kept as that text). Anything else (a text built by a function of its own) gives
None, and the stored text is what the reader sees, as before.
"""
from flask_babel import gettext, ngettext
from flask_babel.speaklater import LazyString

_PLAIN = (str, int, float, bool, type(None))


def message_of(text):
    """The JSON-able message a lazy string says, or None if it cannot be said again from a message id."""
    if not isinstance(text, LazyString) or text._func not in (gettext, ngettext):
        return None
    expected = 1 if text._func is gettext else 3
    if len(text._args) != expected or not all(isinstance(a, _PLAIN) for a in text._args):
        return None
    params = {}
    for name, value in text._kwargs.items():
        if isinstance(value, LazyString):
            value = message_of(value)
            if value is None:
                return None
            params[name] = {"message": value}
        else:
            params[name] = value if isinstance(value, _PLAIN) else str(value)
    return {"args": list(text._args), "params": params}


def said_again(message, stored):
    """The message in the language active now, else the stored text: also when the message cannot be said any
    more (a msgid since reworded to take other parameters), the reader sees what was stored, never an error."""
    if not message:
        return stored
    try:
        return _said(message)
    except (KeyError, ValueError, TypeError, IndexError):
        return stored


def _said(message):
    args = message["args"]
    params = {name: _said(value["message"]) if isinstance(value, dict) else value
              for name, value in message.get("params", {}).items()}
    return gettext(*args, **params) if len(args) == 1 else ngettext(*args, **params)
