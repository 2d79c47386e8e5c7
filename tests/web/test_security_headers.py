"""Every answer carries the security headers; cookies are flagged; HSTS only behind TLS; proxies trusted as told."""
import pytest

from marketplace.web.security import CONTENT_SECURITY_POLICY
from tests.factories import PASSWORD


@pytest.mark.parametrize("path", ["/", "/challenges", "/no-such-page", "/healthz"])
def test_security_headers_on_every_answer(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Permissions-Policy"].startswith("camera=(), microphone=(), geolocation=()")
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_behind_tls(client):
    response = client.get("/", base_url="https://agora.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_of_signed_in_people_are_not_cached(client, login, f):
    assert client.get("/challenges").headers["Cache-Control"] == "no-cache"
    login(f.member(f.Company(), "owner"))
    assert client.get("/challenges").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True


def test_production_cookies_are_secure_by_default(monkeypatch):
    from config import config_for

    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    production = config_for("production")
    assert production.SESSION_COOKIE_SECURE is True and production.REMEMBER_COOKIE_SECURE is True


def _cookie(response, name):
    return next(header for header in response.headers.getlist("Set-Cookie") if header.startswith(name + "="))


def test_production_session_and_remember_cookies_are_secure_httponly_and_same_site(another_app, f):
    app = another_app(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    with app.app_context():
        email = f.member(f.Company(), "owner").email
    signed_in = app.test_client().post("/auth/login", data={"email": email, "password": PASSWORD,
                                                            "remember": "y"}, base_url="https://agora.example")
    assert signed_in.status_code == 302
    for name in ("session", "remember_token"):
        flags = [part.strip().lower() for part in _cookie(signed_in, name).split(";")]
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags


def test_forwarded_headers_are_ignored_unless_a_proxy_is_configured(client):
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert "Strict-Transport-Security" not in client.get("/", headers=spoofed).headers


def test_behind_a_tls_proxy_hsts_is_sent_for_https_only(another_app):
    client = another_app(PROXY_FIX_X_PROTO=1).test_client()
    assert client.get("/", headers={"X-Forwarded-Proto": "https"}).headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in client.get("/", headers={"X-Forwarded-Proto": "http"}).headers


def _attempts(client, addresses):
    return [client.post("/auth/login", data={"email": f"guess{n}@example.org", "password": "a wrong guess"},
                        headers={"X-Forwarded-For": address}).status_code for n, address in enumerate(addresses)]


def test_without_a_trusted_proxy_a_made_up_forwarded_address_does_not_escape_the_limit(another_app):
    client = another_app(LOGIN_LIMIT_PER_ADDRESS="3 per minute").test_client()
    assert _attempts(client, ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]) == [401, 401, 401, 429]


def test_behind_one_trusted_proxy_the_limit_counts_the_address_the_proxy_saw(another_app):
    client = another_app(LOGIN_LIMIT_PER_ADDRESS="3 per minute", PROXY_FIX_X_FOR=1).test_client()
    # Two visitors behind the proxy each have their own count.
    assert _attempts(client, ["203.0.113.1"] * 3 + ["203.0.113.2"]) == [401, 401, 401, 401]
    # A visitor who writes their own X-Forwarded-For only adds to the front; the proxy's entry is the last one.
    assert _attempts(client, ["198.51.100.1, 203.0.113.1", "198.51.100.2, 203.0.113.1"]) == [429, 429]
