"""Every answer carries the security headers; cookies are flagged; HSTS only behind TLS."""
import pytest

from marketplace.web.security import CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/", "/challenges", "/no-such-page", "/healthz"])
def test_security_headers_on_every_answer(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
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
