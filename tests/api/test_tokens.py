"""Personal API tokens: created and shown once, kept hashed, revoked, and refused whenever they should be."""
import hashlib
from datetime import timedelta

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import ApiToken, AuditEvent
from marketplace.services.accounts import api_tokens
from .conftest import assert_problem


def test_a_token_is_created_on_the_account_page_and_shown_once(client, login, f):
    user = login(f.member(f.Company(), "owner"))
    created = client.post("/account/tokens", data={"name": "Tender monitor"})
    assert created.status_code == 200
    raw = created.get_data(as_text=True).split('<code id="new-token">')[1].split("</code>")[0]
    assert raw.startswith("agora_")
    assert created.headers["Cache-Control"] == "no-store"
    assert raw not in client.get("/account/tokens").get_data(as_text=True)
    assert "Tender monitor" in client.get("/account/tokens").get_data(as_text=True)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).get_json()["email"] == user.email


def test_a_token_is_stored_only_as_its_sha256_digest(f):
    user = f.member(f.Company(), "owner")
    token, raw = api_tokens.create_token(user, "ci")
    stored = db.session.get(ApiToken, token.id)
    assert stored.token_digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(stored.prefix + "_") and len(raw) > len(stored.prefix) + 40
    row = db.session.execute(select(ApiToken.__table__)).one()
    assert raw not in repr(tuple(row))
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.created")).one()
    assert raw not in repr(audit.after)


def test_a_revoked_token_is_refused(client, f):
    user = f.member(f.Company(), "owner")
    token, raw = api_tokens.create_token(user, "ci")
    api_tokens.revoke_token(user, token.id)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401)


def test_revoking_on_the_account_page_stops_the_token(client, login, f):
    user = login(f.member(f.Company(), "owner"))
    token, raw = api_tokens.create_token(user, "ci")
    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_nobody_can_revoke_or_see_another_persons_token(client, login, f):
    owner = f.member(f.Company(), "owner")
    token, raw = api_tokens.create_token(owner, "ci")
    login(f.member(f.Company(), "owner"))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert "ci" not in client.get("/account/tokens").get_data(as_text=True).split("<h1>")[1].split("Create a token")[0]
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_garbage_tokens_are_refused_with_a_bearer_challenge(client):
    for header in ("Bearer", "Bearer ", "Bearer nonsense", "Basic dXNlcjpwYXNz", "bearer agora_12345678_" + "x" * 43,
                   "Bearer agora_" + "x" * 5000, "Bearer agora_ünïcode", "Token agora_1"):
        body = assert_problem(client.get("/api/v1/me", headers={"Authorization": header}), 401)
        assert body["type"].endswith("#problem-not-authenticated")
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer agora_0_0"})
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Agora API", error="invalid_token"'
    assert client.get("/api/v1/me").headers["WWW-Authenticate"] == 'Bearer realm="Agora API"'


def test_a_suspended_persons_token_is_refused(client, f):
    user = f.member(f.Company(), "owner")
    headers = {"Authorization": f"Bearer {api_tokens.create_token(user, 'ci')[1]}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    user.is_suspended = True
    db.session.commit()
    assert_problem(client.get("/api/v1/me", headers=headers), 401)


def test_an_officer_without_two_factor_sign_in_cannot_use_a_token(client, f):
    officer = f.member(f.Agency(), "procurement_officer", totp_secret=None)
    headers = {"Authorization": f"Bearer {api_tokens.create_token(officer, 'ci')[1]}"}
    body = assert_problem(client.get("/api/v1/me", headers=headers), 401)
    assert "two-factor" in body["detail"]


def test_last_use_is_recorded_at_most_once_a_minute(client, f):
    user = f.member(f.Company(), "owner")
    token, raw = api_tokens.create_token(user, "ci")
    assert token.last_used_at is None
    api_tokens.authenticate(raw)
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None
    api_tokens.authenticate(raw, now=first + timedelta(seconds=30))
    assert db.session.get(ApiToken, token.id).last_used_at == first
    later = first + timedelta(minutes=2)
    api_tokens.authenticate(raw, now=later)
    assert db.session.get(ApiToken, token.id).last_used_at == later


def test_a_token_needs_a_name_and_a_person_has_at_most_ten(client, login, f):
    user = login(f.member(f.Company(), "owner"))
    assert client.post("/account/tokens", data={"name": "  "}).status_code == 422
    assert client.post("/account/tokens", data={"name": "x" * 101}).status_code == 422
    for n in range(api_tokens.MAX_ACTIVE):
        api_tokens.create_token(user, f"token {n}")
    response = client.post("/account/tokens", data={"name": "one too many"})
    assert response.status_code == 422
    assert "Revoke one" in response.get_data(as_text=True)
    assert len(api_tokens.tokens_of(user)) == api_tokens.MAX_ACTIVE


def test_a_token_cannot_do_what_its_users_role_cannot(client, bearer, f):
    company = f.Company()
    member = f.member(company, "member")
    evaluator_agency = f.Agency()
    evaluator = f.member(evaluator_agency, "evaluator")
    draft = {"title": "Quieter streets"}
    assert_problem(client.post("/api/v1/challenges", json=draft, headers=bearer(member)), 403)
    assert_problem(client.post("/api/v1/challenges", json=draft, headers=bearer(evaluator)), 403)
    assert_problem(client.get("/api/v1/pitches", headers=bearer(evaluator)), 403)


def test_a_signed_in_browser_cannot_write_through_the_api_without_a_token(client, login, f):
    login(f.member(f.Agency(), "publisher"))
    assert_problem(client.post("/api/v1/challenges", json={"title": "Quieter streets"}), 401)
    assert_problem(client.get("/api/v1/me"), 401)


def test_token_writes_need_no_csrf_token_while_the_pages_still_do(app, client, monkeypatch, f):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    publisher = f.member(f.Agency(), "publisher")
    _, raw = api_tokens.create_token(publisher, "ci")
    made = client.post("/api/v1/challenges", json={"title": "Quieter streets"},
                       headers={"Authorization": f"Bearer {raw}"})
    assert made.status_code == 201
    assert client.post("/auth/login", data={"email": publisher.email}).status_code == 400


def test_the_account_page_links_to_the_tokens(client, login, f):
    login(f.member(f.Company(), "owner"))
    assert "/account/tokens" in client.get("/account").get_data(as_text=True)
