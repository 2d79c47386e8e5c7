"""Language and time zone of the person looking: their preference, then the browser, then ours.

The preference is a signed-in person's saved language, or the one a visitor
picked in the header's switcher (kept in their session). Outside a request
(the worker, the CLI, services called from tests) there is no person looking:
the default applies, unless the caller wraps the work in
flask_babel.force_locale for a recipient.
"""
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

import flask_babel
from flask import current_app, g, has_request_context, request, session
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

# Each language named in itself, as the switcher offers it.
from ..formatting import LANGUAGE_NAMES  # noqa: F401  (pages and forms name the languages the same way)
from ..extensions import csrf
from ..formatting import babel_namespace
from ..services.accounts import accounts
from ..services.permissions import signed_in


# The language of the person who signed out last in this browser: the signed-out pages speak it, until the visitor
# picks one in the switcher or someone signs in (auth.logout).
SIGNED_OUT_LOCALE = "signed_out_locale"
# A sign-in waiting for its second step (auth.login -> auth.two_factor): the password was right, so the person is
# known and the code step speaks their saved language, kept here with it ("locale").
PENDING_SIGN_IN = "pending_two_factor"


def select_locale():
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return chosen_locale() or visitor_locale(request.accept_languages, current_app.config["LANGUAGES"],
                                             current_app.config["BABEL_DEFAULT_LOCALE"])


def chosen_locale():
    """The language the person looking chose: their saved one once signed in, else the one picked in this browser's
    switcher, else the saved one of the person half signed in (password right, code next), else that of the last
    person who signed out here; None if nobody chose one."""
    languages = current_app.config["LANGUAGES"]
    if signed_in(current_user) and current_user.locale in languages:
        return current_user.locale
    pending = (session.get(PENDING_SIGN_IN) or {}).get("locale")
    for kept in (session.get("locale"), pending, session.get(SIGNED_OUT_LOCALE)):
        if kept in languages:
            return kept
    return None


def speaking_to(owner):
    """The language of a page opened from an email sent to `owner` (their unsubscribe link): the one the person
    looking chose, else the owner's own (the email's), else the browser's — for `flask_babel.force_locale`."""
    if chosen_locale() is None and owner.locale in current_app.config["LANGUAGES"]:
        return owner.locale
    return select_locale()


def visitor_locale(accept_languages, languages, default):
    """The language of someone who has not chosen one: the best their browser asks for, else the default."""
    return accept_languages.best_match(languages) or default


def this_page():
    """Where the language switcher brings the person back to: this page, or the page a form was posted from.

    A form refused twice was posted the second time from the first refusal, whose address only takes a POST
    (…/send-back): coming back there by GET would answer "not available here". Then the nearest page above it that
    answers a GET (…/challenges/<slug>) is the way back, else the home page."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return "/"
    if _answers_get(referrer.path):
        return referrer.path + ("?" + referrer.query if referrer.query else "")
    path = referrer.path.rstrip("/")
    while "/" in path.strip("/"):
        path = path.rsplit("/", 1)[0]
        if _answers_get(path):
            return path
    return "/"


# The name of the switcher's buttons. Not "locale": a refused form sent again by the switcher (below) may have a field
# of that name. /language still reads "locale" from an older page.
SWITCH = "switch_to"


def remember_language(locale):
    """The switcher's choice: saved to a signed-in person's account (their form carries the CSRF token), kept in a
    visitor's session."""
    if signed_in(current_user):
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        accounts.choose_language(current_user, locale)
    else:
        session["locale"] = accounts.check_language(locale)


def switched_language():
    """On a refused form sent again by the language switcher (`resent_submission`): remember the language picked,
    answer the rest of this request in it, and say so (True); on any other post, False. The caller then shows the
    same form again and saves nothing."""
    locale = request.form.get(SWITCH) if request.method == "POST" else None
    if locale is None:
        return False
    remember_language(locale)
    flask_babel.refresh()
    g.agora_shown_again = True
    return True


def shown_again():
    """Whether this answer shows a refused form again after a language switch (nothing saved): a page that adds the
    domain's reasons to its form's only after a refusal adds them then too."""
    return g.get("agora_shown_again", False)


_RESEND = "agora_refused_form"


def refused(form):
    """Mark `form` as the form this POST answer shows again (a refusal): the switcher then sends it again."""
    setattr(g, _RESEND, form)


def resent_submission():
    """The fields the language switcher sends again with this page's refused form, as (name, value) pairs, or None
    when this page answers no refused form (then the switcher goes to /language and back to `this_page`).

    The switcher posts them to this same address with its button (`SWITCH`); the view shows the form again, in the
    new language, without saving (forms_flow.submit_form). What the person sent is in it, never a password (a
    password field is sent again empty, and its "enter your password" left unsaid) nor a file; the CSRF token is the
    form's own, in the body as it was."""
    form = g.get(_RESEND)
    if form is None or request.method != "POST":
        return None
    secret = {field.name for field in form if field.type == "PasswordField"} | {SWITCH}
    return [(name, value) for name, value in request.form.items(multi=True) if name not in secret]


def _answers_get(path):
    """Whether some route answers a GET at `path` (whatever it then says to this person)."""
    adapter = current_app.url_map.bind(request.host, script_name=request.script_root or None)
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:  # the same page at a slightly different address (a trailing slash)
        return True
    except HTTPException:  # 404, or 405: only a POST goes there
        return False
    return True


def select_timezone():
    if not has_request_context():
        return current_app.config["DEFAULT_TIMEZONE"]
    if signed_in(current_user) and current_user.timezone:
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


# ---- Translations looked up once per request, not once per message ----------------------------------------------
# flask_babel finds the catalogue anew for every message: four reads of the request's context, the locale
# written out as a string and a dictionary lookup, some 7 µs, a hundred to several hundred times a page. The
# catalogue is kept in flask_babel's own per-request namespace beside the locale and domain it was found for:
# `force_locale` and `refresh` replace the locale object, so a kept catalogue never outlives its locale.
_KEPT = "agora_translations"


class Domain(flask_babel.Domain):
    """flask_babel's domain, keeping the catalogue it finds in the context's namespace (see above)."""

    def get_translations(self):
        namespace = babel_namespace()
        if namespace is not None:
            kept = namespace.__dict__.get(_KEPT)
            if kept is not None and kept[0] is namespace.__dict__.get("babel_locale") and kept[1] is self:
                return kept[2]
        found = super().get_translations()
        namespace = babel_namespace()
        if namespace is not None:
            setattr(namespace, _KEPT, (namespace.__dict__.get("babel_locale"), self, found))
        return found


def translations():
    """The current catalogue: what flask_babel.get_translations() returns, read from the namespace when kept."""
    namespace = babel_namespace()
    if namespace is not None:
        kept = namespace.__dict__.get(_KEPT)
        if kept is not None and kept[0] is namespace.__dict__.get("babel_locale") \
                and kept[1] is namespace.__dict__.get("babel_domain"):
            return kept[2]
    return flask_babel.get_translations()


# Jinja's i18n calls, as jinja2.ext's "newstyle" gettext writes them (escaped, always %-formatted), with one
# call per message instead of three (`_` → `gettext` → flask_babel's lambda → get_translations()).
@pass_eval_context
def _gettext(eval_context, string, /, **variables):
    text = translations().ugettext(string)
    return (Markup(text) if eval_context.autoescape else text) % variables


@pass_eval_context
def _ngettext(eval_context, singular, plural, num, /, **variables):
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    return (Markup(text) if eval_context.autoescape else text) % variables


def install_translations(app, babel):
    """After babel.init_app: the kept catalogue for Python's gettext and lazy strings, and for the templates."""
    babel.domain_instance = Domain()  # flask_babel's default domain ("messages"), a cached property of Babel
    app.jinja_env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext)
