"""HTTP for data users: validators and 304, compression, Vary, CORS only where meant, the API's limits."""
import gzip
from datetime import timedelta

import pytest

from marketplace.extensions import db, limiter
from marketplace.services.clock import utcnow
from tests.api.conftest import assert_problem, bearer  # noqa: F401  (the API tests' token fixture)

PUBLIC_READS = ["/", "/challenges", "/challenges?q=buses", "/stats", "/privacy", "/feeds/challenges.atom",
                "/challenges.csv", "/api/v1/challenges", "/api/v1/organisations", "/api/v1/ocds/releases"]


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_a_conditional_get_of_an_unchanged_public_read_is_304_with_no_body(client, f, path):
    f.Challenge(title="Quieter night buses")
    first = client.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"')
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get(path, headers={"If-None-Match": 'W/"something-else"'}).status_code == 200


def test_pages_and_challenge_and_company_pages_get_a_validator_too(client, f):
    challenge = f.Challenge()
    for path in (f"/challenges/{challenge.slug}", f"/companies/{f.Company().slug}",
                 f"/api/v1/challenges/{challenge.slug}"):
        etag = client.get(path).headers["ETag"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304, path


@pytest.mark.parametrize("path", ["/challenges", "/api/v1/challenges", "/feeds/challenges.atom",
                                  "/api/v1/ocds/releases"])
def test_publishing_a_challenge_changes_the_validator(client, f, path):
    f.Challenge(title="Quieter night buses")
    etag = client.get(path).headers["ETag"]
    f.Challenge(title="Electric buses at night")
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert b"Electric buses at night" in changed.data


@pytest.mark.parametrize("path", ["/api/v1/ocds/releases", "/api/v1/ocds/records"])
def test_ocds_packages_are_dated_for_if_modified_since_and_a_new_release_moves_the_date(client, f, path):
    f.Challenge(title="Quieter night buses", published_at=utcnow() - timedelta(hours=1))
    first = client.get(path)
    modified = first.headers["Last-Modified"]
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    f.Challenge(title="Electric buses at night", published_at=utcnow() - timedelta(minutes=1))
    changed = client.get(path, headers={"If-Modified-Since": modified})
    assert changed.status_code == 200 and b"Electric buses at night" in changed.data
    assert changed.headers["Last-Modified"] != modified


def test_the_language_is_part_of_the_validator_and_of_vary(client, f):
    f.Challenge()
    english = client.get("/challenges", headers={"Accept-Language": "en"})
    french = client.get("/challenges", headers={"Accept-Language": "fr", "If-None-Match": english.headers["ETag"]})
    assert french.status_code == 200 and french.headers["ETag"] != english.headers["ETag"]
    vary = {v.strip() for v in english.headers["Vary"].split(",")}
    assert {"Accept-Language", "Accept-Encoding", "Cookie"} <= vary


def test_nothing_a_signed_in_person_or_a_token_gets_has_a_validator(client, f, login, bearer):
    challenge = f.Challenge()
    headers = bearer(f.member(challenge.agency, "publisher"))
    answer = client.get(f"/api/v1/challenges/{challenge.slug}", headers=headers)
    assert answer.status_code == 200 and "ETag" not in answer.headers
    assert answer.headers["Cache-Control"] == "no-store" and "Authorization" in answer.headers["Vary"]
    login(f.member(f.Company()))
    page = client.get(f"/challenges/{challenge.slug}")
    assert page.status_code == 200 and "ETag" not in page.headers and page.headers["Cache-Control"] == "no-store"


def test_text_is_compressed_only_for_a_client_that_accepts_it(client, f):
    for n in range(3):
        f.Challenge(title=f"Quieter night buses {n}")
    for path in ("/challenges", "/api/v1/challenges", "/challenges.csv", "/feeds/challenges.atom"):
        plain = client.get(path)
        assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
        packed = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data)
        assert packed.headers["ETag"] == plain.headers["ETag"]  # weak: the same content in either coding
        assert client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["ETag"]}
                          ).status_code == 304


def test_compressed_copies_are_kept_by_digest_and_never_for_a_token(app, client, f, bearer, monkeypatch):
    f.Challenge(title="Quieter night buses")
    packed = {"Accept-Encoding": "gzip"}
    client.get("/api/v1/challenges?per_page=100", headers=packed)
    f.Challenge(title="Electric buses at night")
    assert b"Electric buses" in gzip.decompress(client.get("/api/v1/challenges?per_page=100", headers=packed).data)
    monkeypatch.setitem(app.config, "COMPRESS_MIN_SIZE", 10)  # so that a short answer is compressed
    for name in ("Ada Lovelace", "Grace Hopper"):
        answer = client.get("/api/v1/me", headers={**packed, **bearer(f.member(f.Company(), name=name))})
        assert answer.headers["Content-Encoding"] == "gzip" and name in gzip.decompress(answer.data).decode()


def test_a_stylesheet_is_compressed_and_revalidated_in_its_coding(client):
    plain = client.get("/static/css/agora.css")
    packed = client.get("/static/css/agora.css", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.data) == plain.data
    assert client.get("/static/css/agora.css", headers={"Accept-Encoding": "gzip",
                                                         "If-None-Match": packed.headers["ETag"]}).status_code == 304


def test_brotli_when_asked_and_never_a_page_holding_a_csrf_token(client, f, login):
    f.Challenge()
    assert client.get("/challenges", headers={"Accept-Encoding": "br"}).headers["Content-Encoding"] == "br"
    login(f.member(f.Company()))  # every signed-in page holds the sign-out form's token
    page = client.get("/challenges", headers={"Accept-Encoding": "gzip, br"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers and b"csrf_token" in page.data


@pytest.mark.parametrize("path", ["/api/v1/challenges", "/feeds/challenges.atom", "/challenges.csv",
                                  "/api/v1/ocds/releases", "/api/v1/openapi.json"])
def test_open_data_is_shared_with_every_origin_without_credentials(client, f, path):
    f.Challenge()
    answer = client.get(path, headers={"Origin": "https://data.example.org"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in answer.headers
    assert "ETag" in answer.headers["Access-Control-Expose-Headers"]


def test_nothing_else_and_nothing_with_a_token_or_a_session_is_shared(client, f, login, bearer):
    challenge = f.Challenge()
    origin = {"Origin": "https://data.example.org"}
    assert "Access-Control-Allow-Origin" not in client.get("/challenges", headers=origin).headers
    token = bearer(f.member(challenge.agency, "publisher"))
    with_token = client.get("/api/v1/challenges", headers={**origin, **token})
    assert with_token.status_code == 200 and "Access-Control-Allow-Origin" not in with_token.headers
    login(f.member(f.Company()))
    assert "Access-Control-Allow-Origin" not in client.get("/dashboard", headers=origin).headers
    assert "Access-Control-Allow-Origin" not in client.get("/feeds/challenges.atom", headers=origin).headers


def test_a_preflight_allows_conditional_gets_but_never_authorization(client):
    asked = {"Origin": "https://data.example.org", "Access-Control-Request-Method": "GET"}
    answer = client.options("/api/v1/challenges", headers={**asked, "Access-Control-Request-Headers":
                                                           "If-None-Match, Accept-Language"})
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"
    assert set(answer.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD"}
    assert answer.headers["Access-Control-Allow-Headers"] == "accept-language, if-none-match"
    refused = client.options("/api/v1/challenges", headers={**asked, "Access-Control-Request-Headers":
                                                            "Authorization"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    post = client.options("/api/v1/challenges", headers={**asked, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in post.headers


def test_updated_since_keeps_the_challenges_changed_since_then(client, f):
    old, new = f.Challenge(title="Old"), f.Challenge(title="New")
    old.updated_at = utcnow() - timedelta(days=30)
    db.session.commit()
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    page = client.get(f"/api/v1/challenges?updated_since={since}").get_json()
    assert [item["slug"] for item in page["items"]] == [new.slug] and page["total"] == 1
    assert page["items"][0]["updated_at"].startswith(new.updated_at.strftime("%Y-%m-%dT%H:%M"))
    everything = client.get("/api/v1/challenges?updated_since=2001-01-01T00:00:00%2B02:00").get_json()
    assert {item["slug"] for item in everything["items"]} == {old.slug, new.slug}


@pytest.mark.parametrize("value", ["yesterday", "2030-01-01", "2030-01-01T00:00:00", "1999-12-31T00:00:00Z"])
def test_an_invalid_updated_since_is_a_problem_naming_the_parameter(client, value):
    body = assert_problem(client.get(f"/api/v1/challenges?updated_since={value}"), 422)
    assert [e["parameter"] for e in body["errors"]] == ["updated_since"]


def test_updated_since_is_in_the_openapi_document(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/challenges"]["get"]
    parameter = next(p for p in operation["parameters"] if p["name"] == "updated_since")
    assert "date-time" in str(parameter["schema"])


def test_api_limits_count_per_token_with_one_and_per_address_without(app, client, f, bearer):
    limits = app.config["API_RATE_LIMIT"], app.config["API_TOKEN_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"], app.config["API_TOKEN_RATE_LIMIT"] = "2 per minute", "3 per minute"
    try:
        first, second = bearer(f.member(f.Company())), bearer(f.member(f.Company()))
        for _ in range(2):
            assert client.get("/api/v1/organisations").status_code == 200
        assert_problem(client.get("/api/v1/organisations"), 429)  # this address is done
        assert_problem(client.get("/api/v1/organisations", headers={"Authorization": "Bearer agora_made_up"}), 429)
        for _ in range(3):
            assert client.get("/api/v1/organisations", headers=first).status_code == 200
        assert_problem(client.get("/api/v1/organisations", headers=first), 429)
        assert client.get("/api/v1/organisations", headers=second).status_code == 200  # its own count
    finally:
        app.config["API_RATE_LIMIT"], app.config["API_TOKEN_RATE_LIMIT"] = limits
        limiter.reset()
