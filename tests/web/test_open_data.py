"""Open data over HTTP: the OCDS endpoint, the Atom feed and CSV of the challenge list, the statistics page."""
import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from marketplace.services.clock import utcnow
from tests import ocds_schema, open_data_world
from tests.statements import Statements

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world(f):
    return open_data_world.build(f)


# ---- OCDS ------------------------------------------------------------------------------------------------

def test_the_release_package_is_valid_ocds_and_pages_link_to_each_other(client, world):
    first = client.get("/api/v1/ocds/releases?per_page=8")
    assert first.status_code == 200 and first.mimetype == "application/json"
    package = first.get_json()
    assert ocds_schema.schema_errors(package) == []
    assert package["uri"] == "http://localhost/api/v1/ocds/releases?per_page=8"
    assert first.headers["X-Total-Count"] == "21"
    assert package["links"] == {"next": "http://localhost/api/v1/ocds/releases?per_page=8&page=2"}
    assert first.headers["Link"] == '<http://localhost/api/v1/ocds/releases?per_page=8&page=2>; rel="next"'
    last = client.get(package["links"]["next"].replace("page=2", "page=3")).get_json()
    assert "next" not in last["links"] and last["links"]["prev"].endswith("page=2")
    assert len(last["releases"]) == 5


def test_everyone_gets_the_same_releases_insiders_included(client, login, world):
    anonymous = client.get("/api/v1/ocds/releases?per_page=100").data
    for person in (world.people["officer"], world.people["evaluator"], world.companies["Alpha Analytics"].user):
        login(person)
        assert client.get("/api/v1/ocds/releases?per_page=100").data == anonymous
        client.get("/")  # a request between, as a person would make
    assert not any(secret.encode() in anonymous for secret in open_data_world.SECRETS)


@pytest.mark.parametrize("query", [
    "page=abc", "page=0", "page=-1", "page=1.5", "page=99999999999999999999", "per_page=0", "per_page=1000",
    "per_page=%00", "since=yesterday", "since=2025-02-30", "since=%27%3B+DROP+TABLE+challenges", "ocid=<script>",
    "ocid=ocds-xxxxxx-agora-1%0Ax", "since=" + "9" * 3000, "page=%EF%BC%91",
])
def test_a_hostile_query_gets_a_clear_problem_never_a_500(client, f, query):
    f.Challenge()
    response = client.get("/api/v1/ocds/releases?" + query)
    assert response.status_code in (400, 422)  # 400: a NUL byte, refused before any parsing
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == response.status_code and problem["detail"]
    assert problem.get("errors") or response.status_code == 400
    assert "<script>" not in response.text


def test_unknown_parameters_are_ignored(client, f):
    f.Challenge()
    response = client.get("/api/v1/ocds/releases?utm_source=x")
    assert response.status_code == 200 and len(response.get_json()["releases"]) == 1


@pytest.mark.parametrize("query", ["", "?page=3", "?ocid={prefix}-999999", "?since=2999-01-01"])
def test_no_release_to_publish_is_a_404_problem_never_an_invalid_package(app, client, f, query):
    # OCDS asks a release package for at least one release: an empty one would not validate.
    if query:
        f.Challenge()
    response = client.get("/api/v1/ocds/releases" + query.format(prefix=app.config["OCDS_OCID_PREFIX"]))
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert "No release matches" in response.get_json()["detail"]


def test_the_releases_cost_the_same_few_statements_however_many_challenges(client, f):
    """Stored releases read by the (date, id) index: no statement per challenge, no lifecycle UNION counted."""
    counts = []
    for extra in (1, 6):
        for _ in range(extra):
            f.Challenge()
        with Statements() as statements:
            response = client.get("/api/v1/ocds/releases?per_page=100")
        assert response.status_code == 200 and len(response.get_json()["releases"]) in (1, 7)
        counts.append(statements.count)
    # The public data token, the count and the newest date (both kept until a release is added), the page.
    assert counts[0] == counts[1] <= 4


def test_the_releases_cannot_be_written(client):
    assert client.post("/api/v1/ocds/releases").status_code == 405


# ---- Atom ------------------------------------------------------------------------------------------------

def _feed(client, query=""):
    response = client.get("/feeds/challenges.atom" + query)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def _list_titles(client, query=""):
    page = client.get("/challenges" + query).text
    return re.findall(r'<h2[^>]*><a href="/challenges/[^"]+">([^<]+)</a></h2>', page)


@pytest.mark.parametrize("query", ["", "?status=cancelled", "?status=completed&sort=deadline", "?q=sensors",
                                   "?sector=72&budget_min=20000", "?agency=nobody", "?page=2"])
def test_the_feed_holds_what_the_list_shows_for_the_same_filters(client, world, query):
    feed = _feed(client, query)
    assert [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")] == _list_titles(client, query)


def test_the_feed_is_well_formed_atom_with_permanent_ids_and_links(client, world):
    feed = _feed(client, "?status=completed")
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == "tag:localhost,2026:challenges?status=completed"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", feed.findtext(f"{ATOM}updated"))
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"self": "http://localhost/feeds/challenges.atom?status=completed",
                     "first": "http://localhost/feeds/challenges.atom?status=completed",
                     "last": "http://localhost/feeds/challenges.atom?status=completed",
                     "alternate": "http://localhost/challenges?status=completed"}
    assert feed.findtext(f"{ATOM}rights") == ("Published under the licence CC0 1.0: "
                                              "https://creativecommons.org/publicdomain/zero/1.0/")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        assert re.fullmatch(r"tag:localhost,\d{4}-\d\d-\d\d:challenge:\d+", entry.findtext(f"{ATOM}id"))
        assert entry.findtext(f"{ATOM}updated") and entry.findtext(f"{ATOM}published")
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://localhost/challenges/")
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Water Agency"
        assert {c.get("term") for c in entry.findall(f"{ATOM}category")} == {"completed", "48000000", "72000000"}
    assert _feed(client, "?status=completed").findtext(f"{ATOM}entry/{ATOM}id") == entries[0].findtext(f"{ATOM}id")
    assert b"SECRET-DRAFT" not in client.get("/feeds/challenges.atom?status=cancelled").data


def test_the_feeds_id_names_its_filters_whatever_the_host_order_or_repeats(client, app, f):
    f.Challenge()
    feed_id = _feed(client, "?status=published&sector=72&q=water").findtext(f"{ATOM}id")
    assert feed_id == "tag:localhost,2026:challenges?q=water&sector=72&status=published"
    same = client.get("/feeds/challenges.atom?sector=72&sector=72&q=+water&status=published&page=1&utm=x",
                      base_url="https://mirror.example.org")
    assert ET.fromstring(same.data).findtext(f"{ATOM}id") == feed_id
    assert _feed(client, "?status=completed").findtext(f"{ATOM}id") != feed_id
    app.config["FEED_TAG_AUTHORITY"] = "agora.example.be"
    try:
        assert _feed(client).findtext(f"{ATOM}id") == "tag:agora.example.be,2026:challenges"
    finally:
        app.config["FEED_TAG_AUTHORITY"] = None


def test_the_feed_is_in_the_readers_language_and_says_it_varies_by_it(client, f):
    f.Challenge()
    response = client.get("/feeds/challenges.atom", headers={"Accept-Language": "fr"})
    feed = ET.fromstring(response.data)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert feed.findtext(f"{ATOM}title") == "Défis Agora"
    assert feed.findtext(f"{ATOM}rights").startswith("Publié sous la licence CC0 1.0")
    assert "Accept-Language" in response.headers["Vary"]


def test_a_challenges_own_words_in_the_feed_say_their_language(client, f):
    """A German reader's feed holds a Dutch challenge: its title and summary say they are Dutch, as the challenge
    page marks them, so a reader's screen reader or translator does not read them as German."""
    f.Challenge(title="Lekken vinden", summary="Oude leidingen lekken.", language="nl")
    feed = ET.fromstring(client.get("/feeds/challenges.atom", headers={"Accept-Language": "de"}).data)
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    entry = feed.find(f"{ATOM}entry")
    assert feed.get(lang) == "de"
    assert entry.find(f"{ATOM}title").get(lang) == "nl" and entry.find(f"{ATOM}summary").get(lang) == "nl"


def test_the_feed_escapes_what_companies_and_agencies_write(client, f):
    f.Challenge(title="Water & <script>alert(1)</script> leaks", summary="Less \x0b\x1bloss < more",
                problem_statement="<img src=x onerror=alert(1)> **bold**")
    response = client.get("/feeds/challenges.atom")
    entry = ET.fromstring(response.data).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Water & <script>alert(1)</script> leaks"
    assert entry.findtext(f"{ATOM}summary") == "Less loss < more"
    content = entry.findtext(f"{ATOM}content")
    assert "<strong>bold</strong>" in content and "onerror" not in content
    assert b"<script>" not in response.data


def test_the_feed_pages_like_the_list_and_an_empty_feed_is_valid(client, app, f):
    for n in range(3):
        f.Challenge(title=f"Challenge number {n}")
    app.config["CHALLENGES_PER_PAGE"] = 2
    try:
        feed = _feed(client, "?sort=newest")
        second = _feed(client, "?sort=newest&page=2")
    finally:
        app.config["CHALLENGES_PER_PAGE"] = 20
    assert feed.find(f"{ATOM}link[@rel='next']").get("href") == "http://localhost/feeds/challenges.atom?sort=newest&page=2"
    assert len(feed.findall(f"{ATOM}entry")) == 2 and len(second.findall(f"{ATOM}entry")) == 1
    second_links = {link.get("rel"): link.get("href") for link in second.findall(f"{ATOM}link")}
    assert (second_links["previous"], second_links["first"], second_links["last"]) == (
        "http://localhost/feeds/challenges.atom?sort=newest", "http://localhost/feeds/challenges.atom?sort=newest",
        "http://localhost/feeds/challenges.atom?sort=newest&page=2")
    assert "next" not in second_links and feed.findtext(f"{ATOM}id") == second.findtext(f"{ATOM}id")
    assert second_links["alternate"] == "http://localhost/challenges?sort=newest&page=2"
    empty = _feed(client, "?q=nothingmatchesthis")
    assert empty.findall(f"{ATOM}entry") == [] and empty.findtext(f"{ATOM}updated")


@pytest.mark.parametrize("query, status", [
    ("?page=abc", 200), ("?status=draft", 200), ("?sort=%27;DROP", 200), ("?q=%01%02", 200),
    # a filter that cannot be read is refused saying why, never left out (the list would hold what was not asked)
    ("?sector=../../x", 422), ("?budget_min=1e400", 422), ("?q=" + "x" * 3000, 422)])
def test_odd_query_strings_never_break_the_feed_or_the_csv(client, f, query, status):
    f.Challenge(status="draft", title="SECRET-DRAFT")
    for path in ("/feeds/challenges.atom", "/challenges.csv"):
        response = client.get(path + query)
        assert response.status_code == status and b"SECRET-DRAFT" not in response.data
        assert status == 200 or "Some information is not right" in response.text
    if status == 200:
        ET.fromstring(client.get("/feeds/challenges.atom" + query).data)


def test_a_nul_byte_in_the_query_is_a_plain_bad_request(client, f):
    f.Challenge(status="draft", title="SECRET-DRAFT")
    for path in ("/feeds/challenges.atom", "/challenges.csv"):
        response = client.get(path + "?q=%00")
        assert response.status_code == 400 and b"SECRET-DRAFT" not in response.data


# ---- CSV -------------------------------------------------------------------------------------------------

def _csv(client, query=""):
    response = client.get("/challenges.csv" + query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=agora-challenges-")
    assert response.data.startswith("\ufeff".encode())  # a byte order mark: spreadsheets read UTF-8
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_licence_comes_from_the_configuration_to_the_csv_feed_api_and_policy_page(client, app, f):
    f.Challenge()
    app.config.update(OPEN_DATA_LICENSE="https://creativecommons.org/licenses/by/4.0/")
    try:
        assert client.get("/challenges.csv").headers["Link"] == (
            '<https://creativecommons.org/licenses/by/4.0/>; rel="license"')
        assert _feed(client).findtext(f"{ATOM}rights") == ("Published under the licence CC BY 4.0: "
                                                          "https://creativecommons.org/licenses/by/4.0/")
        assert '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in client.get(
            "/open-data").text
        app.config["OPEN_DATA_LICENSE_NAME"] = "Licence Ouverte 2.0"
        from marketplace.api.openapi import build_document
        assert build_document()["info"]["license"] == {"name": "Licence Ouverte 2.0",
                                                       "url": "https://creativecommons.org/licenses/by/4.0/"}
    finally:
        app.config.update(OPEN_DATA_LICENSE="https://creativecommons.org/publicdomain/zero/1.0/",
                          OPEN_DATA_LICENSE_NAME=None)


def test_the_csv_holds_what_the_list_shows_for_the_same_filters(client, world):
    for query in ("", "?status=cancelled", "?q=appointments", "?sort=deadline"):
        assert [row["title"] for row in _csv(client, query)] == _list_titles(client, query)
    [row] = _csv(client, "?status=cancelled")  # not the draft cancelled before it was ever published
    assert row["url"] == f"http://localhost/challenges/{world.cancelled.slug}"
    assert (row["status"], row["agency"], row["sectors"], row["budget_max"]) == (
        "cancelled", "Water Agency", "48 72", "40000.00")
    assert row["cancel_reason"] == "The bus lines are being merged."


@pytest.mark.parametrize("hostile", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_no_csv_cell_can_run_as_a_formula(client, f, hostile):
    agency = f.Agency(name=hostile)
    f.Challenge(agency=agency, title=hostile, summary=hostile, status="cancelled", cancel_reason=hostile)
    [row] = _csv(client)
    for column in ("title", "summary", "agency", "cancel_reason"):
        assert row[column] == "'" + hostile


def test_non_ascii_text_survives_the_csv(client, f):
    f.Challenge(title="Moins de files d’attente à Liège – ÆØÅ ✓")
    assert _csv(client)[0]["title"] == "Moins de files d’attente à Liège – ÆØÅ ✓"


def test_one_timestamp_format_in_the_csv_the_feed_and_the_api(client, f):
    published = datetime(2026, 10, 1, 9, 30, 5, 123456, tzinfo=timezone.utc)  # microseconds as a database keeps them
    challenge = f.Challenge(published_at=published, pitch_deadline=datetime(2099, 12, 15, 17, 0, tzinfo=timezone.utc))
    [row] = _csv(client)
    assert (row["published_at"], row["pitch_deadline"]) == ("2026-10-01T09:30:05Z", "2099-12-15T17:00:00Z")
    assert row["closed_at"] == "" and row["cancelled_at"] == ""
    feed = ET.fromstring(client.get("/feeds/challenges.atom").data)
    assert feed.find(f"{ATOM}entry/{ATOM}published").text == row["published_at"]
    api = client.get(f"/api/v1/challenges/{challenge.slug}").get_json()
    assert (api["published_at"], api["pitch_deadline"]) == (row["published_at"], row["pitch_deadline"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", api["updated_at"])


def test_the_column_dictionary_describes_every_csv_column_in_the_readers_language(client, f):
    f.Challenge()
    header = next(csv.reader(io.StringIO(client.get("/challenges.csv").data.decode("utf-8-sig"))))
    columns = client.get("/open-data/challenges-columns.json").get_json()["columns"]
    assert [c["name"] for c in columns] == header  # a new column in the CSV needs its entry here
    assert all(c["type"] and c["description"] and "example" in c for c in columns)
    page = client.get("/open-data/challenges-columns").text
    assert all(f"<code>{name}</code>" in page for name in header)
    assert 'href="/open-data/challenges-columns"' in client.get("/open-data").text
    french = client.get("/open-data/challenges-columns.json", headers={"Accept-Language": "fr"}).get_json()
    assert french["columns"][2]["description"] != columns[2]["description"]  # the title, in French


# ---- The list page links to both ---------------------------------------------------------------------------

def test_the_list_page_links_its_feed_and_csv_with_its_filters(client, f):
    f.Challenge()
    page = client.get("/challenges?status=published&q=water").text
    assert ('<link rel="alternate" type="application/atom+xml" title="Agora challenges (Atom feed)" '
            'href="/feeds/challenges.atom?status=published&amp;q=water">') in page
    assert 'href="/challenges.csv?status=published&amp;q=water"' in page


def test_a_far_page_of_the_list_links_the_whole_lists_feed_and_csv_not_that_page_number(client, f):
    """The list's page number is not the feed's nor the file's (10,000 rows a page): carried over, "Download this
    list as CSV" on the list's page 2 gave a file of its header alone, and the feed began at its 21st entry."""
    for _ in range(3):
        f.Challenge()
    page = client.get("/challenges?status=published&page=2&q=").text
    assert 'href="/feeds/challenges.atom?status=published&amp;q="' in page  # the head's link and the list's
    assert page.count('href="/feeds/challenges.atom?status=published&amp;q="') == 2
    assert 'href="/challenges.csv?status=published&amp;q="' in page
    assert "page=2" not in page.split('class="open-data-links"', 1)[1].split("</ul>", 1)[0]
    csv_rows = client.get("/challenges.csv?status=published&q=").text.strip().splitlines()
    assert len(csv_rows) == 4  # the header and every challenge


# ---- Statistics ------------------------------------------------------------------------------------------

def _main(page):
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_statistics_page_draws_every_figure_with_its_table(client, world):
    with freeze_time(world.end):
        response = client.get("/stats")
    assert response.status_code == 200
    main = _main(response.text)
    assert main.count('<svg class="chart"') == 6 and main.count('role="img"') == 6
    assert main.count("<table>") == 6
    for chart_id in re.findall(r'aria-labelledby="([^"]+)"', main):
        for part in chart_id.split():
            assert f'id="{part}"' in main
    assert "Median number of pitches: 1, over 3 challenges" in main
    assert "75% of 4 pitches came from small and medium-sized enterprises" in main
    assert "Median: 42.5 days, over 2 pilots." in main
    assert "50% of the pilots with an outcome were adopted: 1 adopted, 1 stopped." in main
    assert "Median: 16 hours, over 2 answered questions." in main
    assert "<title>3: 1</title>" in main  # the bar of challenges that received three pitches


def test_the_statistics_are_data_too_as_json_and_csv_linked_from_the_page(client, world):
    with freeze_time(world.end):
        page = _main(client.get("/stats").text)
        data = client.get("/stats.json")
        sheet = client.get("/stats.csv")
    assert 'href="/stats.csv"' in page and 'href="/stats.json"' in page
    assert data.mimetype == "application/json" and data.headers["Access-Control-Allow-Origin"] == "*"
    body = data.get_json()
    assert body["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    figures = body["statistics"]
    assert (figures["pitches_per_challenge"]["median"], figures["sme_share"], figures["days_to_pilot"]["median"],
            figures["answer_hours"]["median"]) == (1, 0.75, 42.5, 16)
    assert figures["pilot_outcomes"] == {"adopted": 1, "stopped": 1, "adoption_rate": 0.5}
    assert sum(sum(m["by_status"].values()) for m in figures["challenges_by_month"]) == figures["challenges_total"]
    assert sheet.mimetype == "text/csv" and sheet.headers["Link"].endswith('; rel="license"')
    rows = list(csv.DictReader(io.StringIO(sheet.data.decode("utf-8-sig"))))
    assert {"figure": "pilot_outcomes", "key": "adoption_rate", "low": "", "high": "", "value": "0.5"} in rows
    assert {"figure": "pitches_per_challenge", "key": "median", "low": "", "high": "", "value": "1"} in rows
    assert sum(int(r["value"]) for r in rows if r["figure"] == "challenges_by_month") == figures["challenges_total"]


def test_the_statistics_page_needs_no_script_and_no_inline_style(client, world):
    with freeze_time(world.end):
        page = client.get("/stats").text
    assert "<script" not in _main(page) and "style=" not in page and "<style" not in page
    # The only scripts are the site's shared form enhancements, loaded from files; the charts need none.
    assert [re.search(r'src="([^"]+)"', tag).group(1) for tag in re.findall(r"<script[^>]*>", page)] == [
        "/static/js/language_keep.js", "/static/js/forms.js"]


def test_the_statistics_page_says_so_when_there_is_nothing_yet(client):
    main = _main(client.get("/stats").text)
    assert "<svg" not in main
    assert "No challenge has been published yet." in main and "No question has been answered yet." in main
    assert "No pilot has reached an outcome yet." in main


def test_the_statistics_do_not_count_sealed_pitches(client, f):
    challenge = f.Challenge(pitch_deadline=utcnow() + timedelta(days=3))
    f.Pitch(challenge=challenge, status="submitted", submitted_at=utcnow())
    main = _main(client.get("/stats").text)
    assert "No pitch has been unsealed yet." in main
    assert "No challenge has reached its pitch deadline yet." in main


def test_the_open_data_page_states_the_publication_policy(client):
    page = client.get("/open-data").text
    assert "ocds-xxxxxx-agora-&lt;id&gt;" in page and "What is never published" in page
    assert 'href="https://creativecommons.org/publicdomain/zero/1.0/" rel="license">CC0 1.0</a>' in page


@pytest.mark.parametrize("path", ["/feeds/challenges.atom", "/challenges.csv"])
def test_a_feed_or_file_of_an_unknown_sector_is_refused_saying_why_never_every_challenge(client, f, path):
    f.Challenge(title="Any challenge at all")
    refused = client.get(path + "?sector=99&q=water")
    assert refused.status_code == 422 and "There is no sector 99" in refused.text
    assert "Any challenge at all" not in refused.text
    assert client.get(path + "?sector=65").status_code == 200
