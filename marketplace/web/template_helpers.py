"""Jinja filters and globals: dates, numbers and money in the reader's language and zone, CPV names.

Markdown has no filter: pages show the HTML stored with each text (services/challenges/markdown.py)."""
from functools import lru_cache

from flask_babel import get_locale, get_timezone, gettext
from flask_login import current_user
from jinja2 import Undefined
from markupsafe import Markup, escape

from .. import formatting
from ..models.challenge import MARKET_CONSULTATION
from ..services import access, permissions
from ..services.accounts.accounts import ROLE_LABELS
from ..services.organisations.cpv import cpv_name
from ..services.organisations.verification import verification_notice
from ..services.challenges import lifecycle
from ..services.evaluation import pitch_sessions
from ..services.pitches import lifecycle as pitch_lifecycle
from ..services.pitches import receipts, wording
from ..services.pilots.pilot_workflow import STAGE_LABELS, overdue_since
from ..services.permissions import signed_in
from .fragments import kept_part, kept_rows
from .i18n import LANGUAGE_NAMES, resent_submission, this_page


def budget_range(challenge):
    return formatting.money_range(challenge.budget_min, challenge.budget_max, challenge.currency)


# Status tags as functions, not Jinja macros: a list calls them once per challenge, and a macro call (its own
# context, arguments and output buffer) costs several times a function's. The HTML is the macros' it replaced.
def challenge_status(status):
    """The challenge's status as a tag: the word is always shown, colour only supports it."""
    return Markup(f'<strong class="tag tag-{escape(status)}">{escape(lifecycle.status_label(status))}</strong>')


def lang_of(written):
    """` lang="fr"` for a text shown in the language it was written in, which may not be the page's: a challenge's
    title on a dashboard, a question in a list, in an email. `written` is the language's code, or anything with a
    `language` (a challenge, a question, a dashboard row, a work-list subject: services/work_lists.Titled). Nothing
    when the language is not known (older questions), so the page's own applies. Put on the element that holds only
    that text: `<a href="…"{{ lang_of(challenge) }}>{{ challenge.title }}</a>`."""
    if isinstance(written, Undefined):  # an email queued before its context said the language
        return Markup("")
    code = getattr(written, "language", written if type(written) is str else None)
    return Markup(f' lang="{code}"') if code in formatting.LANGUAGE_NAMES else Markup("")


def kind_label(kind):
    """What kind of challenge it is, in words (marked safe, as the templates' _() gives it)."""
    return Markup(gettext("Market consultation") if kind == MARKET_CONSULTATION else gettext("Call for solutions"))


def options(choices, selected=()):
    """The <option>s of a long <select> (hundreds of agencies on the challenge list), escaped once per list of
    choices in this process rather than value by value at every request; `selected` holds the chosen values.
    A tuple of (str, str) pairs (the services' kept lists) is the key as it is; other choices are written out."""
    selected = {selected} if isinstance(selected, str) else set(selected or ())
    html = _options(choices if type(choices) is tuple else tuple((str(value), str(label)) for value, label in choices))
    for value in selected:
        value_attribute = f'<option value="{escape(value)}">'
        html = html.replace(value_attribute, value_attribute[:-1] + " selected>", 1)
    return Markup(html)


@lru_cache(maxsize=64)
def _options(choices):
    return "".join(f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in choices)


def register(app):
    app.jinja_env.add_extension("jinja2.ext.do")
    for name in ("localtime", "day", "time_span", "utc_timestamp", "rfc3339", "number", "money", "file_size",
                 "listed"):
        app.jinja_env.filters[name] = getattr(formatting, name)
    app.jinja_env.globals["zone_name"] = formatting.zone_name
    app.jinja_env.globals["budget_range"] = budget_range
    app.jinja_env.globals["options"] = options
    app.jinja_env.globals["kept_rows"] = kept_rows
    app.jinja_env.globals["kept_part"] = kept_part
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["cpv_name"] = cpv_name
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS.get(role, role)
    app.jinja_env.globals["this_page"] = this_page
    app.jinja_env.globals["resent_submission"] = resent_submission
    app.jinja_env.globals["lang_of"] = lang_of
    # Templates ask the challenge lifecycle what may happen next, never compare statuses themselves.
    app.jinja_env.globals["may_move"] = lifecycle.may_move
    app.jinja_env.globals["verification_notice"] = verification_notice
    app.jinja_env.globals["awaits_email_confirmation"] = lambda action, obj=None: (
        permissions.waits_for_email_confirmation(current_user, action, obj))
    app.jinja_env.globals["challenge_state"] = lifecycle.state_of
    app.jinja_env.globals["ranks_pitches"] = lifecycle.ranks_pitches
    app.jinja_env.globals["ever_published"] = lifecycle.ever_published
    app.jinja_env.globals["pitch_words"] = wording.words_for
    app.jinja_env.globals["never_published"] = wording.never_published
    app.jinja_env.globals["pitches_heading"] = wording.heading_for
    app.jinja_env.globals["pitch_state"] = pitch_lifecycle.state_of
    app.jinja_env.globals["pitch_state_named"] = pitch_lifecycle.state_named
    app.jinja_env.globals["pitch_status_label"] = pitch_lifecycle.status_label
    app.jinja_env.globals["receipt_kind"] = receipts.kind_named
    app.jinja_env.globals["held_online"] = pitch_sessions.held_online
    app.jinja_env.globals["session_called_off"] = pitch_sessions.why_called_off
    app.jinja_env.globals["cancelled_standings"] = access.CANCELLED_STANDINGS  # pitches closed for good
    app.jinja_env.globals["overdue_since"] = overdue_since
    # A pilot's stage in words, each translated once per call (a list of pilots asks once, not once per pilot).
    app.jinja_env.globals["pilot_stage_labels"] = lambda: {stage: str(label) for stage, label in STAGE_LABELS.items()}
    # Signed in or a visitor: the one answer (permissions.signed_in) pages, services and templates all ask.
    app.jinja_env.globals["signed_in"] = lambda: signed_in(current_user)
    app.jinja_env.globals["is_agency"] = permissions.is_agency
    app.jinja_env.globals["is_company"] = permissions.is_company
    app.jinja_env.globals["may"] = lambda action, obj=None: permissions.can(current_user, action, obj)
    app.jinja_env.globals["challenge_status_label"] = lifecycle.status_label
    app.jinja_env.globals["challenge_status"] = challenge_status
    app.jinja_env.globals["kind_label"] = kind_label
    app.jinja_env.globals["language_names"] = {code: LANGUAGE_NAMES[code] for code in app.config["LANGUAGES"]}

    @app.context_processor
    def inject_people():
        unread = 0
        if signed_in(current_user):
            from ..services.messaging.notifications import unread_count

            unread = unread_count(current_user)
        return {"unread_notifications": unread, "current_timezone": formatting.zone_name()}
