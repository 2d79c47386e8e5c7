"""Parts of public pages kept between requests (web/fragments.py) and a search's kept page of ids: each follows
the change of what it shows at the next request, and a language's parts never reach a page in another."""
import pytest
from flask_babel import force_locale, gettext

from marketplace.extensions import db
from tests.statements import Statements


@pytest.fixture(autouse=True)
def rendered(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)  # every request rendered: the parts, not the page


@pytest.mark.parametrize("path", ["/", "/challenges", "/challenges?q=buses", "/challenges?q=buses&sort=deadline"])
def test_a_kept_row_is_written_again_when_its_challenge_changes(client, f, path):
    challenge = f.Challenge(title="Quieter night buses", summary="Night buses wake people up.")
    assert "Quieter night buses" in client.get(path).text
    client.get(path)  # now kept
    challenge.title = "Quieter electric night buses"
    challenge.summary = "Electric buses would let people sleep."
    db.session.commit()
    page = client.get(path).text
    assert "Quieter electric night buses" in page and "Electric buses would let people sleep." in page
    assert "Quieter night buses" not in page and "Night buses wake people up." not in page


def test_a_kept_row_follows_its_agencys_new_name(client, f):
    challenge = f.Challenge(title="Quieter night buses")
    assert challenge.agency.name in client.get("/challenges").text
    challenge.agency.name = "Renamed transport authority"
    db.session.commit()
    assert "Renamed transport authority" in client.get("/challenges").text


def test_a_kept_search_forgets_a_challenge_that_no_longer_matches(client, f):
    challenge = f.Challenge(title="Quieter night buses")
    f.Challenge(title="Cleaner buses")
    assert "Quieter night buses" in client.get("/challenges?q=buses").text
    challenge.title = "Quieter night trams"
    db.session.commit()
    page = client.get("/challenges?q=buses").text
    assert "Quieter night trams" not in page and "Cleaner buses" in page
    assert "Quieter night trams" in client.get("/challenges?q=trams").text


def _in(language, message):
    with force_locale(language):
        return gettext(message)


@pytest.mark.parametrize("path", ["/", "/challenges"])
def test_kept_rows_and_layout_parts_are_per_language(client, f, path):
    f.Challenge(title="Quieter night buses", pitch_deadline=None)
    status, footer = "Open for pitches", "Agora – public problems, solved with companies."
    assert _in("fr", status) != status and _in("fr", footer) != footer  # the catalogue translates both
    english = client.get(path, headers={"Accept-Language": "en"}).text
    french = client.get(path, headers={"Accept-Language": "fr"}).text
    english_again = client.get(path, headers={"Accept-Language": "en"}).text
    for page, language in ((english, "en"), (french, "fr"), (english_again, "en")):
        assert _in(language, status) in page and _in(language, footer) in page, language
    assert status not in french and footer not in french
    assert _in("fr", status) not in english_again and _in("fr", footer) not in english_again
    assert english == english_again


def test_kept_rows_are_per_time_zone(client, f, login):
    from datetime import datetime, timezone

    f.Challenge(title="Quieter night buses", pitch_deadline=datetime(2030, 3, 14, 23, 30, tzinfo=timezone.utc))
    assert "15 March 2030, 00:30" in client.get("/challenges").text  # Brussels, the default zone
    login(f.member(f.Company(), "owner", timezone="America/New_York"))
    assert "14 March 2030, 19:30" in client.get("/challenges").text


def test_a_list_asked_again_reads_only_its_rows_and_writes_none_of_them(client, f, app):
    for n in range(3):
        f.Challenge(title=f"Quieter night buses {n}")
    first = client.get("/challenges?q=buses")
    with Statements() as statements:
        again = client.get("/challenges?q=buses")
    assert again.get_data() == first.get_data()
    # A text search's first answer read its page's rows by id (services/challenges/catalogue.py), and those are
    # kept: nothing is read again (the token is read once per transaction).
    assert statements.count == 0
    with Statements() as statements:
        third = client.get("/challenges?q=buses")
    assert third.get_data() == first.get_data()
    assert statements.count == 0  # the rows read by id are kept too, until the public data change


def test_a_kept_page_of_a_list_follows_a_change_of_its_order(client, f):
    from datetime import timedelta

    from marketplace.services.clock import utcnow

    soon = f.Challenge(title="Quieter night buses", pitch_deadline=utcnow() + timedelta(days=10))
    later = f.Challenge(title="Cleaner school air", pitch_deadline=utcnow() + timedelta(days=20))
    page = client.get("/challenges?sort=deadline").text
    assert page.index("Quieter night buses") < page.index("Cleaner school air")
    later.pitch_deadline = soon.pitch_deadline - timedelta(days=5)
    db.session.commit()
    page = client.get("/challenges?sort=deadline").text
    assert page.index("Cleaner school air") < page.index("Quieter night buses")
