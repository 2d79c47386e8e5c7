"""Every link the services put in a notification or an email, built here and nowhere else.

Each page has one function, which builds its address from the page's endpoint with the app's own URL map
(what `flask.url_for` does), so renaming or removing a route makes it raise `werkzeug.routing.BuildError` —
in tests/services/test_links.py — instead of emailing a dead link. Addresses in emails are absolute, on
`BASE_URL`, whether they are built in a request (the request's host plays no part) or in the worker.

`*_path` is a page's address within the site, as an in-app notification stores it (`Notification.link`);
`absolute(path)` is the same page in an email. `*_url` are addresses only emails carry.
"""
from urllib.parse import urlsplit

from flask import current_app


def _build(endpoint, *, external=False, anchor=None, **values):
    current_app.inject_url_defaults(endpoint, values)
    url = _adapter(current_app.config["BASE_URL"], external).build(endpoint, values, force_external=external)
    return f"{url}#{anchor}" if anchor else url


def _adapter(base_url, external):
    """The app's URL map bound to BASE_URL, kept per app: binding costs five times what building a link does, and
    a dashboard's work list builds one per item."""
    kept = current_app.extensions.setdefault("links.adapters", {})
    adapter = kept.get((base_url, external))
    if adapter is None:
        base = urlsplit(base_url)
        # A path is relative to the app's root (a notification's link); an absolute address carries BASE_URL's path
        # too.
        adapter = kept[base_url, external] = current_app.url_map.bind(
            base.netloc or "localhost", script_name=(base.path if external else "") or "/",
            url_scheme=base.scheme or "https")
    return adapter


def absolute(path):
    """A page's address within the site (one of the `*_path` below) as an email shows it."""
    return current_app.config["BASE_URL"].rstrip("/") + "/" + path.lstrip("/")


# --- pages, linked from notifications and their emails ----------------------------------------------

def challenge_path(challenge, anchor=None):
    return _build("challenges.detail", slug=challenge.slug, anchor=anchor)


def challenges_for_you_path():
    return _build("for_you.index")


def saved_search_results_path(filters):
    """The challenge list with a saved search's filters ({"q": …, "sector": [...]})."""
    return _build("challenges.index", **filters)


def challenge_questions_path(challenge):
    return challenge_path(challenge, anchor="questions")


def challenge_preview_path(challenge):
    return _build("challenges.preview", slug=challenge.slug)


def challenge_matches_path(challenge):
    return _build("matches.for_challenge", slug=challenge.slug)


def evaluation_scores_path(challenge):
    return _build("evaluation.scores", slug=challenge.slug)


def challenge_pitches_path(challenge):
    return _build("pitches.for_challenge", slug=challenge.slug)


def evaluation_path(challenge):
    return _build("evaluation.overview", slug=challenge.slug)


def evaluation_sessions_path(challenge):
    return _build("evaluation.overview", slug=challenge.slug, anchor="sessions")


def pitch_path(pitch):
    return _build("pitches.show", pitch_id=pitch.id)


def pitch_receipt_path(pitch, reference=None):
    """The pitch's latest receipt, or the one with this reference."""
    return _build("pitches.receipt", pitch_id=pitch.id, **({"reference": reference} if reference else {}))


def pitch_session_path(pitch):
    return _build("evaluation.pick_slot", pitch_id=pitch.id)


def pilot_path(pilot):
    return _build("pilots.show", pilot_id=pilot.id)


def challenge_url(challenge):
    return _build("challenges.detail", slug=challenge.slug, external=True)


# --- addresses only emails carry ------------------------------------------------------------------------

def unsubscribe_url(token):
    return _build("notifications.unsubscribe", token=token, external=True)


def reset_password_url(token):
    return _build("auth.reset_password", token=token, external=True)


def forgot_password_url():
    return _build("auth.forgot_password", external=True)


def confirm_email_url(token):
    return _build("auth.confirm_email", token=token, external=True)


def account_settings_url():
    return _build("account.settings", external=True)


def two_factor_url():
    return _build("account.two_factor", external=True)


def login_url():
    return _build("auth.login", external=True)


def accept_invitation_url(token):
    return _build("auth.accept_invitation", token=token, external=True)
