"""What the open data keep between requests is renewed when what it shows changes, and kept per language where
the answer is in one: the API's challenge summaries and the feed's entries (kept per challenge), the statistics'
charts and tables (kept per computation of the figures), the OCDS releases (written once per stored text). The
statistics' figures are stored in the database, computed once for every process.
Whatever is kept, the answer is written as the whole would be written (keys sorted, ASCII, compact)."""
import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import KeptStatistics
from marketplace.services.challenges import amendments, challenges
from marketplace.services.open_data import ocds, public_data, statistics
from marketplace.web.open_data import STATUS_LABELS
from tests import open_data_world
from tests.factories import set_sectors
from tests.statements import Statements


ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def every_request_rendered(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)


def _label(app, status, locale):
    with app.test_request_context(), force_locale(locale):
        return str(STATUS_LABELS[status])


def test_an_api_summary_is_renewed_when_its_challenge_its_agency_or_its_sectors_change(client, f):
    challenge = f.Challenge(title="Leaking pipes")
    set_sectors(challenge, ["65"])
    [item] = client.get("/api/v1/challenges").get_json()["items"]
    assert (item["title"], item["sectors"]) == ("Leaking pipes", ["65"])

    challenge.title = "Broken pipes"
    db.session.commit()
    assert client.get("/api/v1/challenges").get_json()["items"][0]["title"] == "Broken pipes"
    challenge.agency.name = "Water Board"
    db.session.commit()
    assert client.get("/api/v1/challenges").get_json()["items"][0]["agency"]["name"] == "Water Board"
    set_sectors(challenge, ["65", "72"])
    assert client.get("/api/v1/challenges").get_json()["items"][0]["sectors"] == ["65", "72"]


def test_an_api_summary_names_the_host_it_was_asked_through(client, f):
    f.Challenge(slug="leaking-pipes")
    first = client.get("/api/v1/challenges", base_url="http://one.example").get_json()["items"][0]["url"]
    second = client.get("/api/v1/challenges", base_url="https://two.example").get_json()["items"][0]["url"]
    assert (first, second) == ("http://one.example/challenges/leaking-pipes",
                               "https://two.example/challenges/leaking-pipes")


@pytest.mark.parametrize("path", ["/api/v1/challenges", "/api/v1/challenges?per_page=1&page=2",
                                  "/api/v1/ocds/releases", "/api/v1/ocds/releases?per_page=1&page=2"])
def test_the_lists_are_written_as_the_whole_would_be_written(client, f, path):
    """Items kept as text are spliced into the page: the bytes are still those of the page written at once."""
    f.Challenge(title="Fuites d'eau à Liège – « urgent »")
    f.Challenge(title="Wasserverluste in Köln")
    for _ in range(2):  # written, then kept
        body = client.get(path).get_data(as_text=True)
        assert body == json.dumps(json.loads(body), sort_keys=True, ensure_ascii=True, separators=(",", ":")) + "\n"


def test_the_feeds_entries_are_kept_per_language_and_renewed_when_the_challenge_changes(app, client, f):
    challenge = f.Challenge(title="Leaking pipes")
    english, french = _label(app, "published", "en"), _label(app, "published", "fr")
    assert english != french

    def entry(language):
        feed = client.get("/feeds/challenges.atom", headers={"Accept-Language": language}).text
        return feed.split("<entry>", 1)[1].split("</entry>", 1)[0]

    assert f'label="{english}"' in entry("en") and f'label="{french}"' in entry("fr")
    assert f'label="{english}"' in entry("en")  # the French entry did not take the English one's place
    challenge.title = "Broken pipes"
    db.session.commit()
    assert "<title type=\"text\" xml:lang=\"en\">Broken pipes</title>" in entry("fr")
    assert "<title type=\"text\" xml:lang=\"en\">Broken pipes</title>" in entry("en")


def test_a_challenge_published_corrected_or_closed_shows_at_once_in_the_api_list_the_feed_and_the_releases(client, f):
    """The three keep their pages (the ids, the total) and their items per state of the public data, so a page
    asked again reads nothing; the next request after a change shows it."""
    agency = f.Agency()
    publisher = f.member(agency, "publisher")
    f.Challenge(agency=agency, title="Potholes")
    draft = f.Challenge(agency=agency, title="Leaking pipes", status="draft", published_at=None)

    def lists():
        api = client.get("/api/v1/challenges").get_json()
        feed = ElementTree.fromstring(client.get("/feeds/challenges.atom").get_data())
        entries = feed.findall(f"{ATOM}entry")
        releases = client.get("/api/v1/ocds/releases").get_json()["releases"]
        return (api["total"], sorted((item["title"], item["status"]) for item in api["items"]),
                sorted((e.find(f"{ATOM}title").text, e.find(f"{ATOM}category").get("term")) for e in entries),
                sorted(release["tag"][0] for release in releases))

    before = lists()
    assert lists() == before == (1, [("Potholes", "published")], [("Potholes", "published")], ["tender"])
    challenges.publish_challenge(publisher, draft.slug)
    shown = [("Leaking pipes", "published"), ("Potholes", "published")]
    assert lists() == (2, shown, shown, ["tender", "tender"])
    amendments.correct_published_challenge(publisher, draft.id, {"title": "Leaking water pipes", "reason": "Clearer."})
    shown = [("Leaking water pipes", "published"), ("Potholes", "published")]
    assert lists() == (2, shown, shown, ["tender", "tender", "tenderAmendment"])
    assert challenges.close_challenge(draft, now=draft.pitch_deadline + timedelta(minutes=1))
    db.session.commit()
    shown = [("Leaking water pipes", "closed"), ("Potholes", "published")]
    assert lists() == (2, shown, shown, ["tender", "tender", "tenderAmendment", "tenderUpdate"])


@pytest.mark.parametrize("path", ["/api/v1/challenges", "/feeds/challenges.atom", "/api/v1/ocds/releases"])
def test_a_page_whose_ids_are_kept_but_not_its_items_reads_those_items_again(client, f, path):
    """The items are kept apart from the pages' ids, fewer of them: one pushed out is read by id, the same."""
    f.Challenge(title="Leaking pipes")
    f.Challenge(title="Potholes")
    first = client.get(path).get_data()
    public_data.kept_items.clear()
    ocds._kept_releases.clear()
    assert client.get(path).get_data() == first


def test_the_statistics_are_drawn_per_language_and_again_when_the_figures_change(app, client, f):
    f.Challenge()
    english, french = _label(app, "published", "en"), _label(app, "published", "fr")

    def page(language):
        return client.get("/stats", headers={"Accept-Language": language}).text

    assert f", {english}: 1</title>" in page("en")
    assert f", {french} : 1</title>" in page("fr")  # French puts a space before the colon
    assert f", {english}: 1</title>" in page("en")
    f.Challenge()
    assert f", {english}: 2</title>" in page("en") and f", {french} : 2</title>" in page("fr")


def test_the_statistics_page_is_the_same_however_often_it_is_drawn(client, f):
    open_data_world.build(f)
    first, second = client.get("/stats").get_data(), client.get("/stats").get_data()
    assert first == second and first.count(b'<svg class="chart"') >= 1


# ---- The statistics' figures, stored once for every process --------------------------------------------------

PAGES = [(path, language) for path in ("/stats", "/stats.json", "/stats.csv") for language in ("en", "fr")]


def _another_process(monkeypatch):
    """A web process that has not read the figures yet (another worker, or this one restarted)."""
    monkeypatch.setattr(statistics, "_kept", {})
    db.session.commit()  # its requests read the token in a transaction of their own


def _pages(client):
    return {(path, language): client.get(path, headers={"Accept-Language": language}).get_data()
            for path, language in PAGES}


def test_another_process_reads_the_stored_figures_and_answers_the_same_bytes(client, f, monkeypatch):
    open_data_world.build(f)
    computed = _pages(client)
    for path in ("/stats", "/stats.json"):
        _another_process(monkeypatch)
        with Statements() as statements:
            client.get(path)
        assert statements.count == 2, path  # the token and the stored figures: none of the aggregates
    assert _pages(client) == computed


def test_a_signed_in_person_computing_the_figures_sees_the_page_as_its_own(client, f, login):
    """Storing the figures commits the request's transaction: the person signed in is read again, not lost."""
    company = f.Company()
    login(f.member(company, "owner"))
    f.Challenge()
    page = client.get("/stats")
    assert page.status_code == 200 and b"Sign out" in page.get_data()
    assert db.session.execute(select(KeptStatistics.token)).scalars().all() == [public_data.current_token()]


def test_a_change_of_the_public_data_gives_new_figures_to_every_process(client, f, monkeypatch):
    f.Challenge()
    assert client.get("/stats.json").get_json()["statistics"]["challenges_total"] == 1
    f.Challenge()
    _another_process(monkeypatch)
    assert client.get("/stats.json").get_json()["statistics"]["challenges_total"] == 2
    # The figures of the earlier token were replaced, not kept beside the new ones.
    assert db.session.execute(select(KeptStatistics.token)).scalars().all() == [public_data.current_token()]


class _EachProcessItsOwnLock:
    """statistics._computing as two web processes have it: one lock each, never waited for, so only the database
    orders them."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.postgres
@pytest.mark.parametrize("stored_before", ["nothing", "an older token's figures"])
def test_two_first_visits_at_once_both_get_the_statistics(app, f, monkeypatch, stored_before):
    """Two processes with no figures asking at the same moment (both found no row for the token): neither fails
    on the row the other writes; one row is stored."""
    import threading

    f.Challenge()
    if stored_before != "nothing":
        statistics.public_statistics()  # stored under this token, which the next change replaces
        f.Challenge()
    _another_process(monkeypatch)
    monkeypatch.setattr(statistics, "_computing", _EachProcessItsOwnLock())
    both_looked = threading.Barrier(2, timeout=20)
    stored = statistics._stored
    looked = threading.local()

    def stored_after_both_looked(token, now):
        found = stored(token, now)
        if not getattr(looked, "once", False):  # the first look of each: neither stores before both looked
            looked.once = True
            both_looked.wait()
        return found

    monkeypatch.setattr(statistics, "_stored", stored_after_both_looked)
    answers = []

    def visit():  # a process of its own: its own context, session and connection
        with app.app_context(), app.test_client() as client:
            try:
                response = client.get("/stats.json")
                answers.append((response.status_code, response.get_json()["statistics"]["challenges_total"]
                                if response.status_code == 200 else response.get_data()[:200]))
            finally:
                db.session.remove()

    visits = [threading.Thread(target=visit) for _ in range(2)]
    for thread in visits:
        thread.start()
    for thread in visits:
        thread.join(timeout=60)
    expected = 1 if stored_before == "nothing" else 2
    assert answers == [(200, expected), (200, expected)]
    db.session.commit()
    assert db.session.execute(select(KeptStatistics.token)).scalars().all() == [public_data.current_token()]


@pytest.mark.postgres
def test_the_statistics_are_shown_by_a_database_that_refuses_writes(app, client, f, monkeypatch):
    """A read-only replica (here: every transaction read-only) cannot store the figures: the page computes them,
    shows them and keeps them in the process, never a 500; storing is for a process that can write."""
    from sqlalchemy import event

    f.Challenge()
    _another_process(monkeypatch)

    def read_only(dbapi_connection, record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET default_transaction_read_only = on")
        dbapi_connection.commit()

    db.session.remove()
    db.engine.dispose()
    event.listen(db.engine, "connect", read_only)
    try:
        for path in ("/stats", "/stats.json", "/stats.json"):
            response = client.get(path)
            assert response.status_code == 200, (path, response.get_data()[:300])
        assert response.get_json()["statistics"]["challenges_total"] == 1
    finally:
        db.session.remove()
        event.remove(db.engine, "connect", read_only)
        db.engine.dispose()
    assert db.session.execute(select(KeptStatistics.token)).scalars().all() == []
