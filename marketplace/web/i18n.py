"""Language and time zone of the person looking: their preference, then the browser, then ours.

The preference is a signed-in person's saved language, or the one a visitor
picked in the header's switcher (kept in their session). Outside a request
(the worker, the CLI, services called from tests) there is no person looking:
the default applies, unless the caller wraps the work in
flask_babel.force_locale for a recipient.
"""
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, session
from flask_login import current_user

# Each language named in itself, as the switcher offers it.
from ..formatting import LANGUAGE_NAMES  # noqa: F401  (pages and forms name the languages the same way)


def select_locale():
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return visitor_locale(request.accept_languages, languages, current_app.config["BABEL_DEFAULT_LOCALE"])


def visitor_locale(accept_languages, languages, default):
    """The language of someone who has not chosen one: the best their browser asks for, else the default."""
    return accept_languages.best_match(languages) or default


def this_page():
    """Where the language switcher brings the person back to: this page, or the page a form was posted from."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + ("?" + referrer.query if referrer.query else "")
    return "/"


def select_timezone():
    if not has_request_context():
        return current_app.config["DEFAULT_TIMEZONE"]
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]


def from_local_input(naive):
    """A date and time typed in a form, read in the person's time zone, as an aware UTC datetime."""
    from datetime import timezone

    from flask_babel import get_timezone

    if naive is None:
        return None
    zone = get_timezone()
    aware = zone.localize(naive) if hasattr(zone, "localize") else naive.replace(tzinfo=zone)
    return aware.astimezone(timezone.utc)


def to_local_input(aware):
    """A stored UTC datetime as the naive local value a datetime-local field shows."""
    from flask_babel import get_timezone

    if aware is None:
        return None
    return aware.astimezone(get_timezone()).replace(tzinfo=None)
