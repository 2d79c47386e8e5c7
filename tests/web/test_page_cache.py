"""Pages kept for anonymous visitors: served again until what they show changes, never to or from anyone else."""
import pytest
from flask import render_template_string, session

from marketplace.extensions import db
from marketplace.web.page_cache import MemoryStore, RedisStore, cached_for_visitors


def test_a_second_anonymous_visit_is_served_from_the_cache(client, f):
    f.Challenge(title="Quieter night buses")
    first, second = client.get("/challenges"), client.get("/challenges")
    assert first.headers["X-Page-Cache"] == "miss" and second.headers["X-Page-Cache"] == "hit"
    assert second.text == first.text and "Quieter night buses" in second.text
    assert "Accept-Language" in second.headers["Vary"]


def test_every_answer_still_carries_its_own_request_id_and_the_security_headers(client, f):
    client.get("/challenges")
    hit = client.get("/challenges")
    assert hit.headers["X-Page-Cache"] == "hit"
    assert hit.headers["X-Request-ID"] != client.get("/challenges").headers["X-Request-ID"]
    assert "frame-ancestors 'none'" in hit.headers["Content-Security-Policy"]
    assert hit.headers["Cache-Control"] == "no-cache" and "Set-Cookie" not in hit.headers


@pytest.mark.parametrize("path", ["/", "/challenges", "/challenges?q=buses"])
def test_a_newly_published_challenge_shows_at_once(client, f, path):
    f.Challenge(title="Quieter night buses")
    client.get(path)
    f.Challenge(title="Electric buses at night")
    page = client.get(path)
    assert page.headers["X-Page-Cache"] == "miss" and "Electric buses at night" in page.text


def test_a_challenge_page_shows_a_new_answer_and_a_renamed_agency_at_once(client, f):
    challenge = f.Challenge()
    client.get(f"/challenges/{challenge.slug}")
    challenge.agency.name = "Renamed Water Board"
    db.session.commit()
    assert "Renamed Water Board" in client.get(f"/challenges/{challenge.slug}").text
    from marketplace.models import Question
    from marketplace.services.clock import utcnow

    db.session.add(Question(challenge_id=challenge.id, body="May we use LoRaWAN?", answer="Yes, any network.",
                            answered_at=utcnow()))
    db.session.commit()
    assert "Yes, any network." in client.get(f"/challenges/{challenge.slug}").text


def test_a_cancelled_challenge_is_shown_as_cancelled_at_once(client, f):
    challenge = f.Challenge(title="Quieter night buses")
    assert 'class="tag tag-published"' in client.get("/challenges").text
    challenge.status, challenge.cancel_reason = "cancelled", "The budget was withdrawn."
    db.session.commit()
    page = client.get("/challenges").text
    assert 'class="tag tag-published"' not in page and 'class="tag tag-cancelled"' in page


def test_each_query_string_and_each_language_has_its_own_page(client, f):
    f.Challenge(title="Quieter night buses")
    f.Challenge(title="Cleaner school air")
    assert "Cleaner school air" not in client.get("/challenges?q=buses").text
    assert "Quieter night buses" not in client.get("/challenges?q=school").text
    english = client.get("/challenges", headers={"Accept-Language": "en"})
    french = client.get("/challenges", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in english.text and '<html lang="fr">' in french.text
    assert french.headers["X-Page-Cache"] == "miss"


def test_a_signed_in_person_never_gets_a_cached_page_and_their_page_is_never_kept(client, f, login):
    f.Challenge(title="Quieter night buses")
    person = f.member(f.Company(), "owner", name="Ada Lovelace")
    client.get("/challenges")
    login(person)
    mine = client.get("/challenges")
    assert "X-Page-Cache" not in mine.headers and "Ada Lovelace" in mine.text
    assert mine.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as s:
        s.clear()
    anonymous = client.get("/challenges")
    assert anonymous.headers["X-Page-Cache"] == "hit" and person.name not in anonymous.text


@pytest.fixture
def flask_requests(app):
    """The requests Flask itself handled (the front answers the others before a request context exists)."""
    from flask import request_started

    seen = []
    with request_started.connected_to(lambda sender, **extra: seen.append(1), app):
        yield seen


@pytest.fixture
def statements():
    from sqlalchemy import event

    seen = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    event.remove(db.engine, "before_cursor_execute", note)


def test_a_visitor_without_our_cookies_gets_the_kept_answer_before_flask_with_the_same_headers(
        client, f, flask_requests, statements):
    f.Challenge(title="Quieter night buses")
    through_flask = client.get("/challenges")  # the page kept, and its complete answer after the hooks
    assert through_flask.headers["X-Page-Cache"] == "miss" and len(flask_requests) == 1
    statements.clear()
    front = client.get("/challenges")
    assert len(flask_requests) == 1 and statements == []  # no request context, no view, no SQL
    assert front.headers["X-Page-Cache"] == "hit" and front.data == through_flask.data
    made_per_answer = {"Date", "X-Request-ID", "X-Page-Cache"}
    assert sorted((k, v) for k, v in front.headers.items() if k not in made_per_answer) == \
        sorted((k, v) for k, v in through_flask.headers.items() if k not in made_per_answer)
    assert front.headers["X-Request-ID"] != through_flask.headers["X-Request-ID"]
    assert client.get("/challenges", headers={"X-Request-ID": "proxy-42"}).headers["X-Request-ID"] == "proxy-42"


def test_the_front_answers_not_modified_and_each_encoding_as_asked(client, f, flask_requests):
    import gzip

    f.Challenge(title="Quieter night buses")
    for _ in range(2):
        plain = client.get("/challenges")
    etag = plain.headers["ETag"]
    unchanged = client.get("/challenges", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b"" and unchanged.headers["ETag"] == etag
    assert "Content-Type" not in unchanged.headers and len(flask_requests) == 1
    for _ in range(2):
        zipped = client.get("/challenges", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.data) == plain.data
    assert len(flask_requests) == 2  # the gzip answer made once by Flask (from the kept page), then kept
    assert "Content-Encoding" not in client.get("/challenges").headers


def test_the_feed_is_kept_as_the_feed_it_is(client, f, flask_requests):
    f.Challenge(title="Quieter night buses")
    first = client.get("/feeds/challenges.atom")
    with client.session_transaction() as s:  # a cookie of ours: the hit comes through Flask, from the page kept
        s["locale"] = "en"
    through_flask = client.get("/feeds/challenges.atom")
    client.delete_cookie("session")
    front = client.get("/feeds/challenges.atom")
    assert [a.headers["X-Page-Cache"] for a in (first, through_flask, front)] == ["miss", "hit", "hit"]
    assert {a.mimetype for a in (first, through_flask, front)} == {"application/atom+xml"}
    assert first.data == through_flask.data == front.data and "Quieter night buses" in front.text
    assert front.headers["Access-Control-Allow-Origin"] == "*" and len(flask_requests) == 2


def test_our_cookies_or_a_changed_token_go_to_flask(client, f, flask_requests):
    f.Challenge(title="Quieter night buses")
    client.get("/challenges")
    client.get("/challenges")
    assert len(flask_requests) == 1
    client.set_cookie("session", "not-even-valid")
    assert client.get("/challenges").headers["X-Page-Cache"] == "hit" and len(flask_requests) == 2
    client.delete_cookie("session")
    client.set_cookie("a_cookie_of_someone_else", "1")
    client.get("/challenges")
    assert len(flask_requests) == 2
    f.Challenge(title="Electric buses at night")
    assert "Electric buses at night" in client.get("/challenges").text and len(flask_requests) == 3


def test_a_remember_me_cookie_or_an_authorization_header_skips_the_cache(client, f):
    client.get("/challenges")
    client.get("/challenges")
    client.set_cookie("remember_token", "anything")
    assert "X-Page-Cache" not in client.get("/challenges").headers
    client.delete_cookie("remember_token")
    assert "X-Page-Cache" not in client.get("/challenges", headers={"Authorization": "Bearer x"}).headers


def test_a_message_waiting_to_be_shown_is_shown_not_a_cached_page(client, f, login):
    person = f.member(f.Company(), "owner")
    client.get("/")
    assert client.get("/").headers["X-Page-Cache"] == "hit"
    login(person)
    home = client.post("/auth/logout", follow_redirects=True)
    assert "You are signed out." in home.text and "X-Page-Cache" not in home.headers
    assert client.get("/").headers["X-Page-Cache"] == "hit"


def test_not_found_is_never_kept(client, f):
    draft = f.Challenge(status="draft")
    for _ in range(2):
        answer = client.get(f"/challenges/{draft.slug}")
        assert answer.status_code == 404 and "X-Page-Cache" not in answer.headers


def test_a_very_long_query_string_is_rendered_not_kept(client):
    answer = client.get("/challenges?q=" + "x" * 1200)
    assert answer.status_code == 200 and "X-Page-Cache" not in answer.headers


@pytest.fixture
def probe_app(another_app):
    """An app with pages that make a CSRF token or write to the session, to show they are never kept."""
    app = another_app(WTF_CSRF_ENABLED=True)

    @app.get("/probe/csrf")
    @cached_for_visitors
    def with_csrf():
        return render_template_string('<form><input name="csrf_token" value="{{ csrf_token() }}"></form>')

    @app.get("/probe/session")
    @cached_for_visitors
    def with_session():
        session["seen"] = True
        return "<p>noted</p>"

    @app.get("/probe/plain")
    @cached_for_visitors
    def plain():
        return "<p>the same for everyone</p>"

    return app


def test_a_page_with_a_csrf_token_is_never_kept(probe_app):
    first, second = probe_app.test_client(), probe_app.test_client()
    pages = [first.get("/probe/csrf"), first.get("/probe/csrf"), second.get("/probe/csrf")]
    assert all("X-Page-Cache" not in page.headers for page in pages)
    assert pages[1].text != pages[2].text  # each visitor keeps a token of their own


def test_a_page_that_writes_to_the_session_is_never_kept_and_a_plain_one_is(probe_app):
    client = probe_app.test_client()
    assert all("X-Page-Cache" not in client.get("/probe/session").headers for _ in range(2))
    assert [client.get("/probe/plain").headers["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]


def test_the_cache_can_be_turned_off(another_app):
    app = another_app(PAGE_CACHE_SECONDS=0)
    assert "page_cache" not in app.extensions
    with app.app_context():
        client = app.test_client()
        assert "X-Page-Cache" not in client.get("/challenges").headers


def test_the_memory_store_forgets_expired_and_least_recently_used_pages():
    store = MemoryStore(max_entries=2)
    store.set("old", b"old page", seconds=-1)
    assert store.get("old") is None
    store.set("a", b"A", 60)
    store.set("b", b"B", 60)
    store.get("a")
    store.set("c", b"C", 60)
    assert (store.get("a"), store.get("b"), store.get("c")) == (b"A", None, b"C")


def test_two_web_processes_share_pages_through_redis(another_app, shared_redis, f):
    one, two = (another_app(PAGE_CACHE_REDIS_URL=shared_redis.url, PAGE_CACHE_KEY_PREFIX=shared_redis.prefix)
                for _ in range(2))
    assert isinstance(one.extensions["page_cache"].store, RedisStore)
    with one.app_context():
        f.Challenge(title="Quieter night buses")
        assert one.test_client().get("/challenges").headers["X-Page-Cache"] == "miss"
    with two.app_context():
        shared = two.test_client().get("/challenges")
        assert shared.headers["X-Page-Cache"] == "hit" and "Quieter night buses" in shared.text
    with one.app_context():
        f.Challenge(title="Electric buses at night")
    with two.app_context():
        fresh = two.test_client().get("/challenges")
        assert fresh.headers["X-Page-Cache"] == "miss" and "Electric buses at night" in fresh.text
    # The two versions of the page and their complete answers for the front, each kept for PAGE_CACHE_SECONDS.
    assert len(shared_redis.keys()) == 4


def test_a_redis_that_does_not_answer_means_rendering_not_an_error(another_app, f):
    from tests.conftest import free_port

    app = another_app(PAGE_CACHE_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with app.app_context():
        f.Challenge(title="Quieter night buses")
        for _ in range(2):
            page = app.test_client().get("/challenges")
            assert page.status_code == 200 and "Quieter night buses" in page.text
