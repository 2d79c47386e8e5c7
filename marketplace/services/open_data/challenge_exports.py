"""The public challenge list as open data: the rows of the CSV export and the entries of the Atom feed.

Both take the list page's own filters (`ChallengeFilters`) and its own search
(`search_challenges`), so a feed or a file shows exactly what the page shows.
"""
from marketplace.services.challenges.challenges import search_challenges, sectors_by_challenge
from marketplace.services.messaging import links
from marketplace.services.open_data.spreadsheets import csv_text

# One file holds at most this many challenges; `page=2` gives the next ones.
CSV_PAGE_SIZE = 10000
CSV_COLUMNS = (
    "id", "url", "title", "kind", "status", "agency", "sectors", "budget_min", "budget_max", "currency",
    "question_deadline", "pitch_deadline", "published_at", "closed_at", "cancelled_at", "cancel_reason", "summary",
)


def listed(filters, per_page):
    """(a page of the public list, the CPV divisions of its challenges)."""
    page = search_challenges(filters, per_page=per_page)
    return page, sectors_by_challenge([c.id for c in page.items])


def _time(value):
    return value and value.isoformat()


def challenges_csv(filters, base_url):
    """CSV text with a UTF-8 byte order mark; empty values are empty cells."""
    page, sectors = listed(filters, CSV_PAGE_SIZE)
    base_url = base_url.rstrip("/")
    rows = ([c.id, base_url + links.challenge_path(c), c.title, c.kind, c.status, c.agency.name,
             " ".join(sectors.get(c.id, [])), c.budget_min, c.budget_max, c.currency, _time(c.question_deadline),
             _time(c.pitch_deadline), _time(c.published_at), _time(c.closed_at), _time(c.cancelled_at),
             c.cancel_reason, c.summary] for c in page.items)
    return csv_text(CSV_COLUMNS, rows, byte_order_mark=True)
