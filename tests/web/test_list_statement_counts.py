"""Every public list and API list costs a fixed number of SQL statements, however many items it shows.

One statement per listed item (a challenge's sectors, an agency's name, a pilot's company) is what made the
lists slow at 50,000 challenges (issue 17); here each list is counted with a few items and with many more.
"""
import pytest

from marketplace.extensions import db

from tests import open_data_world
from tests.factories import set_sectors
from tests.statements import Statements

# The statistics computed and stored: the stored row read, the aggregates, the token read again to check that they
# are of it, the row written and the other tokens' rows deleted; on PostgreSQL the advisory lock is taken and the
# row read again under it. Read from the table by the other processes, they cost the token and the row
# (tests/web/test_kept_open_data.py).
STATS = {"sqlite": 14, "postgresql": 16}
LISTS = {  # today's counts: a new statement on a list is a decision, not an accident
    # A text search after a change of the public data: the token, the kept catalogue read again (its columns and
    # sectors, services/challenges/catalogue.py), the matches, the page's rows, the agencies (or for the API the
    # challenges' sectors): then, asked with any filter, order or page, the token and rows not read yet.
    "/": 2, "/challenges": 4, "/challenges?q=leaking": 6, "/challenges?sector=65&status=published": 4,
    "/challenges?sort=deadline&page=2": 4, "/feeds/challenges.atom": 4, "/challenges.csv": 4, "/stats": STATS,
    "/stats.json": STATS, "/api/v1/challenges": 4, "/api/v1/challenges?per_page=100": 4,
    "/api/v1/challenges?q=leaking": 6, "/api/v1/organisations": 4,
    "/api/v1/pilots/outcomes": 11, "/api/v1/ocds/releases": 4, "/api/v1/audit/anchors": 1,
}
# The challenge lists read the public data token (one indexed row, once per transaction) and keep their total
# and the agencies until the public data change: asked again with nothing changed, they count nothing. (The
# test's requests share one transaction, so the token is not read again either; page 2 is empty here.) The feed's
# entries and the API's summaries are kept per challenge too, and the ids of their pages: asked again, they read
# neither a challenge nor its sectors. The OCDS releases keep their pages' ids and the stored releases alike.
REPEATED = {
    # A text search read its page's rows by id the first time already (catalogue.py), and they are kept: asked
    # again, nothing is read.
    "/challenges": 1, "/challenges?q=leaking": 0, "/challenges?sector=65&status=published": 1,
    "/challenges?sort=deadline&page=2": 0, "/feeds/challenges.atom": 0, "/challenges.csv": 2,
    "/api/v1/challenges": 0, "/api/v1/challenges?per_page=100": 0, "/api/v1/challenges?q=leaking": 0,
    "/api/v1/ocds/releases": 0,
}


def _more(f, agency, count):
    for n in range(count):
        challenge = f.Challenge(agency=agency if n % 2 else f.Agency(), title=f"Leaking pipes number {n}",
                                problem_statement="Leaking water pipes under the streets.")
        set_sectors(challenge, ["65", "72"])
        company = f.Company()
        set_sectors(company, ["65"])


@pytest.mark.parametrize("path", sorted(LISTS))
def test_a_list_costs_the_same_statements_with_few_or_many_items(client, f, app, monkeypatch, path):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)  # every request rendered
    open_data_world.build(f)
    agency = f.Agency()
    client.get(path)  # on PostgreSQL a search's words are parsed once per process and kept (search.py)
    counts = []
    for extra in (2, 12):  # some of each already, so every list has items in both counts
        _more(f, agency, extra)
        with Statements() as statements:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts.append(statements.count)
    most = LISTS[path][db.engine.dialect.name] if isinstance(LISTS[path], dict) else LISTS[path]
    # A statement an item would make 10 more with 12 items than with 2; a first page that is not full is not
    # counted (paging._first_page), one statement fewer than a full one.
    assert counts[1] - 1 <= counts[0] <= counts[1] <= most, (path, counts)
    if path in REPEATED:
        with Statements() as statements:
            again = client.get(path)
        expected = REPEATED[path]
        if isinstance(expected, dict):
            expected = expected[db.engine.dialect.name]
        assert statements.count == expected, (path, statements.count)
        assert again.get_data() == response.get_data() or path.startswith("/feeds")  # the feed dates its <updated>
