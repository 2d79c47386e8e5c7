"""Parts of the public pages kept between requests, so that a page rendered anew costs its own parts only.

Each challenge of a list (the challenge list, a search, the home page) is written by a small template of its
own once per challenge, language, time zone and state of the public data, then kept in this process: the same
challenge shows on the first page of the list, in searches and on the home page, in the four languages. A
list of twenty rows cost some twenty url_for calls, a hundred escapes, translated tags and dates formatted per
request: about half the rendering of the list page. Each row is keyed by the public data token
(`services/open_data/public_data.py`, replaced in the same transaction as any change to a challenge, its agency
or anything else public), so a changed challenge or a renamed agency is written again at the next request, and
by the reader's language and zone, so a French visitor never gets an English row. Nothing in a row depends on
the visitor otherwise (no form, no CSRF token, no signed-in state) nor on the time (the status is stored).
"""
import threading

from flask import current_app, request
from markupsafe import Markup

from ..formatting import reader_locale, reader_zone
from ..services.open_data import public_data


def reader():
    """What a kept part depends on besides its own values: where the application is mounted, the reader's
    language and time zone."""
    return request.script_root, str(reader_locale()), str(reader_zone())


def kept_rows(template_name, rows):
    """The HTML of `rows` (each with an `id`) one after the other, each written by `template_name` (where it is
    `c`), kept per challenge, language, zone and state of the public data."""
    written_for = (template_name, *reader())
    by_id = {row.id: row for row in rows}

    def write(keys):
        template = current_app.jinja_env.get_template(template_name)
        return {key: template.render(c=by_id[key[1]]) for key in keys}

    keys = [(written_for, row.id) for row in rows]
    written = public_data.kept_items.get_many(keys, write)  # the items lists show, kept apart (8,192)
    return Markup("".join(written[key] for key in keys))



# ---- The layout's parts that are the same for every page and every visitor in a language and zone -------------
# The skip link, the language switcher's list, the main navigation of someone not signed in, the footer: some
# twenty url_for calls and thirty translated messages per page, written once per language and zone (and the
# values the part is given: the operator's name from the configuration) in this process.

LAYOUT_PARTS_KEPT = 512  # parts × languages × the zones signed-in people chose
_layout_parts = {}
_layout_lock = threading.Lock()


def kept_part(template_name, **values):
    """The HTML `template_name` writes with `values` (strings) in the reader's language and zone, kept."""
    key = (template_name, *reader(), tuple(sorted((name, str(value)) for name, value in values.items())))
    html = _layout_parts.get(key)
    if html is None:
        html = Markup(current_app.jinja_env.get_template(template_name).render(**values))
        with _layout_lock:
            if len(_layout_parts) >= LAYOUT_PARTS_KEPT:
                _layout_parts.clear()
            _layout_parts[key] = html
    return html
