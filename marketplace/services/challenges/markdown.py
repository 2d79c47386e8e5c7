"""Markdown written by users, rendered to HTML that is safe to show."""
import threading
from functools import lru_cache

import markdown as _markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "a", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


_local = threading.local()


def _converter():
    # Building a Markdown instance costs more than converting a page of text with it; one per thread, reset
    # between uses (an instance keeps state while converting, so threads must not share one).
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = _markdown.Markdown(extensions=["tables", "sane_lists"])
    return converter.reset()


def render_markdown(source):
    """Markdown to sanitised HTML: no scripts, no styles, no raw HTML tricks, links marked nofollow.

    The result depends on the text only, so each text is rendered once per process and then read from a
    bounded cache (the feed, the lists and the challenge page show the same texts again and again).
    """
    return _rendered(source or "")


@lru_cache(maxsize=4096)
def _rendered(source):
    html = _converter().convert(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
