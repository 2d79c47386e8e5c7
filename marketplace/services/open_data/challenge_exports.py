"""The public challenge list as open data: the rows of the CSV export and the entries of the Atom feed.

Both take the list page's own filters (`ChallengeFilters`) and its own search
(`search_challenges`), so a feed or a file shows exactly what the page shows.
"""
from dataclasses import dataclass
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l

from marketplace.formatting import rfc3339
from marketplace.models.challenge import CHALLENGE_KINDS, PUBLIC_STATUSES
from marketplace.services.challenges.challenges import challenges_by_id, search_challenges, sectors_by_challenge
from marketplace.services.messaging import links
from marketplace.services.open_data import public_data
from marketplace.services.paging import ids_and_read
from marketplace.services.open_data.spreadsheets import csv_text

# One file holds at most this many challenges; `page=2` gives the next ones.
CSV_PAGE_SIZE = 10000
CSV_COLUMNS = (
    "id", "url", "title", "kind", "status", "agency", "sectors", "budget_min", "budget_max", "currency",
    "question_deadline", "pitch_deadline", "published_at", "closed_at", "cancelled_at", "cancel_reason", "summary",
)




@dataclass(frozen=True)
class Column:
    """One column of the CSV, as its dictionary describes it; `type` is a JSON Schema type and format."""

    name: str
    type: str
    description: object  # lazy: read in the reader's language
    example: str


_TIME = "string (date-time)"
# What each column of CSV_COLUMNS holds: one entry per column, in the same order (a test holds them together).
COLUMN_DICTIONARY = (
    Column("id", "integer", _l("The challenge’s number; in OCDS its process is the OCID prefix followed by it."), "42"),
    Column("url", "string (uri)", _l("The challenge’s public page."),
           "https://agora.example/challenges/less-water-lost"),
    Column("title", "string", _l("The title the agency gave the challenge."), "Less water lost in the pipes"),
    Column("kind", "string", _l("What the agency asks for, one of: %(codes)s.", codes=", ".join(CHALLENGE_KINDS)),
           CHALLENGE_KINDS[0]),
    Column("status", "string", _l("Where the challenge stands today, one of: %(codes)s.",
                                  codes=", ".join(PUBLIC_STATUSES)), "published"),
    Column("agency", "string", _l("The public agency that published the challenge."), "Water Agency"),
    Column("sectors", "string", _l("The sectors as CPV divisions (two digits), separated by spaces."), "48 72"),
    Column("budget_min", "number", _l("The lowest budget foreseen, in the currency of the row; empty when not "
                                      "given."), "20000.00"),
    Column("budget_max", "number", _l("The highest budget foreseen, in the currency of the row; empty when not "
                                      "given."), "40000.00"),
    Column("currency", "string", _l("The budget’s currency, an ISO 4217 code."), "EUR"),
    Column("question_deadline", _TIME, _l("Until when companies may ask questions: ISO 8601, in UTC."),
           "2026-11-30T17:00:00Z"),
    Column("pitch_deadline", _TIME, _l("Until when companies may pitch: ISO 8601, in UTC."),
           "2026-12-15T17:00:00Z"),
    Column("published_at", _TIME, _l("When the challenge was published: ISO 8601, in UTC."),
           "2026-10-01T09:30:00Z"),
    Column("closed_at", _TIME, _l("When the challenge closed to pitches: ISO 8601, in UTC; empty until then."), ""),
    Column("cancelled_at", _TIME, _l("When the challenge was cancelled: ISO 8601, in UTC; empty unless it was."), ""),
    Column("cancel_reason", "string", _l("Why the agency cancelled it, as published; empty otherwise."), ""),
    Column("summary", "string", _l("The agency’s short summary of the problem."), "Leaks cost a fifth of the water."),
)


def column_dictionary():
    """Each column of the CSV with its type, description (in the current language) and an example."""
    return [{"name": c.name, "type": c.type, "description": str(c.description), "example": c.example}
            for c in COLUMN_DICTIONARY]


def listed(filters, per_page):
    """(a page of the public list, the CPV divisions of its challenges)."""
    page = search_challenges(filters, per_page=per_page)
    return page, sectors_by_challenge([c.id for c in page.items])


def written_per_challenge(kind, context, page, write):
    """[write(challenge, its CPV divisions)] for the challenges of a page (an API summary's JSON, a feed entry's
    XML), each kept per challenge and `context` (what else the text depends on: the host, the language) until
    the public data change. `page`: the page `search_challenges(..., ids_when_kept=True)` gives, whose items
    are the challenges read now or, when its ids were kept, those ids alone; of the challenges not kept, those
    not read yet are read by id in one query, and the sectors of all in one more."""
    ids, given = ids_and_read(page.items)

    def written(keys):
        wanted = [key[-1] for key in keys]
        missing = [i for i in wanted if i not in given]
        by_id = {**given, **(challenges_by_id(missing) if missing else {})}
        sectors = sectors_by_challenge(wanted)
        return {key: write(by_id[key[-1]], sectors.get(key[-1], [])) for key in keys if key[-1] in by_id}

    keys = [(kind, *context, challenge_id) for challenge_id in ids]
    kept = public_data.kept_items.get_many(keys, written)
    return [kept[key] for key in keys if key in kept]


def canonical_filters(filters):
    """The filters as one query string, the same for the same filters however they were asked (order, repeats,
    the page): what names a feed for good (its Atom id)."""
    pairs = []
    for name, value in filters.to_args().items():
        pairs += [(name, str(v)) for v in (sorted(set(value)) if isinstance(value, list) else [value])]
    return urlencode(sorted(pairs))


def challenges_csv(filters, base_url):
    """CSV text with a UTF-8 byte order mark; empty values are empty cells."""
    page, sectors = listed(filters, CSV_PAGE_SIZE)
    base_url = base_url.rstrip("/")
    rows = ([c.id, base_url + links.challenge_path(c), c.title, c.kind, c.status, c.agency.name,
             " ".join(sectors.get(c.id, [])), c.budget_min, c.budget_max, c.currency, rfc3339(c.question_deadline),
             rfc3339(c.pitch_deadline), rfc3339(c.published_at), rfc3339(c.closed_at), rfc3339(c.cancelled_at),
             c.cancel_reason, c.summary] for c in page.items)
    return csv_text(CSV_COLUMNS, rows, byte_order_mark=True)
