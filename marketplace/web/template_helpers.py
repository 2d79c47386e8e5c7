"""Jinja filters and globals: dates in the reader's zone, money, Markdown, CPV names."""
from datetime import datetime

from flask_babel import format_currency, format_datetime, format_decimal, get_locale, get_timezone
from flask_login import current_user
from markupsafe import Markup

from ..services.accounts import ROLE_LABELS
from ..services.cpv import cpv_divisions
from ..services.markdown import render_markdown


def localtime(value, format="medium"):
    """A stored UTC datetime shown in the reader's zone, with the zone's name."""
    if not isinstance(value, datetime):
        return ""
    if format == "full":  # Babel's full format already names the zone
        return format_datetime(value, format)
    return format_datetime(value, format) + " " + format_datetime(value, "z")


def money(value, currency="EUR"):
    if value is None:
        return ""
    return format_currency(value, currency, format="¤#,##0", currency_digits=False)


def budget_range(challenge):
    low, high, cur = challenge.budget_min, challenge.budget_max, challenge.currency
    if low is None and high is None:
        return ""
    if low is None:
        return money(high, cur)
    if high is None or low == high:
        return money(low, cur)
    return f"{money(low, cur)} – {money(high, cur)}"


def markdown_filter(source):
    return Markup(render_markdown(source))


def register(app):
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["markdown"] = markdown_filter
    app.jinja_env.globals["budget_range"] = budget_range
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["cpv_name"] = lambda code: cpv_divisions().get(code, code)
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS.get(role, role)

    @app.context_processor
    def inject_people():
        unread = 0
        if current_user and current_user.is_authenticated:
            from ..services.notifications import unread_count

            unread = unread_count(current_user)
        return {"unread_notifications": unread, "current_timezone": get_timezone()}
