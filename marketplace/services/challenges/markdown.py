"""Markdown written by users, rendered to HTML that is safe to show.

Pages never convert Markdown while they are served: each Markdown text a page shows has its sanitised HTML
stored next to it (`<field>_html`), written whenever the text is set: by the attribute listeners `install` puts
on every field of `MARKDOWN_FIELDS` (so every ORM save path), and by `with_html` for bulk inserts and migrations.
`render_markdown` stays for previews and for texts made for one view (a pitch redacted for the blind panel).
"""
import threading
from functools import lru_cache

import markdown as _markdown
import nh3
from sqlalchemy import event

from marketplace.models import Challenge, Pilot, Pitch

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "a", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}

# The Markdown texts pages show, by table: each has its HTML in the column `<field>_html`.
MARKDOWN_FIELDS = {
    "challenges": ("problem_statement", "context", "affected", "desired_outcomes", "constraints",
                   "consultation_summary"),
    "pitches": ("approach", "evidence"),
    "pilots": ("outcome_summary", "lessons_learned"),
}
_MODELS = {"challenges": Challenge, "pitches": Pitch, "pilots": Pilot}


_local = threading.local()


def _converter():
    # Building a Markdown instance costs more than converting a page of text with it; one per thread, reset
    # between uses (an instance keeps state while converting, so threads must not share one).
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = _markdown.Markdown(extensions=["tables", "sane_lists"])
    return converter.reset()


def to_html(source):
    """Markdown to sanitised HTML: no scripts, no styles, no raw HTML tricks, links marked nofollow."""
    html = _converter().convert(source or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def stored_html(source):
    """What `<field>_html` holds for this text: its HTML, or None where the text is None (bulk inserts repeat
    texts, hence the cache)."""
    return None if source is None else render_markdown(source)


def with_html(table_name, row):
    """A row (dict) of `table_name` for a bulk insert or update, with the HTML of each Markdown text it sets."""
    for name in MARKDOWN_FIELDS[table_name]:
        if name in row:
            row[f"{name}_html"] = stored_html(row[name])
    return row


def render_markdown(source):
    """The HTML of a text, rendered once per text and process (a bounded cache): for texts being saved, previews
    and copies made for one view (a pitch redacted for the blind panel); pages read the stored HTML instead."""
    return _rendered(source or "")


@lru_cache(maxsize=1024)
def _rendered(source):
    return to_html(source)


def _keep_html(target, value, oldvalue, initiator):
    setattr(target, f"{initiator.key}_html", stored_html(value))


def install():
    """Whoever sets a Markdown text (a service, the demo, a test's factory), its HTML follows at once.

    Called by the app factory (`create_app`); installing twice listens once."""
    for table, names in MARKDOWN_FIELDS.items():
        for name in names:
            attribute = getattr(_MODELS[table], name)
            if not event.contains(attribute, "set", _keep_html):
                event.listen(attribute, "set", _keep_html)
