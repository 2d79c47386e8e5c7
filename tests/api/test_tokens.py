"""Personal API tokens: created and shown once, kept hashed, revoked, and refused whenever they should be."""
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import ApiToken, AuditEvent, EmailDelivery
from marketplace.services.accounts import api_tokens, two_factor
from marketplace.services.messaging.outbox import process_pending
from tests.factories import PASSWORD, TOTP_SECRET
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


def test_the_form_sent_again_by_a_reload_makes_no_second_token(client, login, f):
    import re

    user = f.member(f.Company(), "owner")
    login(user)
    once = re.search(r'name="once"[^>]*value="([^"]+)"', client.get("/account/tokens").text).group(1)
    first = client.post("/account/tokens", data={"name": "My script", "once": once})
    assert first.status_code == 200 and 'id="new-token"' in first.text
    again = client.post("/account/tokens", data={"name": "My script", "once": once}, follow_redirects=True)
    assert again.status_code == 200 and 'id="new-token"' not in again.text and "sent again" in again.text
    assert "the token “My script” was made the first time" in again.text  # which token: named
    assert db.session.query(ApiToken).filter_by(user_id=user.id).count() == 1
    # The page shown with the secret carries a new form: a second token is made when asked for.
    once = re.search(r'name="once"[^>]*value="([^"]+)"', first.text).group(1)
    assert 'id="new-token"' in client.post("/account/tokens", data={"name": "Another", "once": once}).text
    assert db.session.query(ApiToken).filter_by(user_id=user.id).count() == 2


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


def test_revoking_asks_first_on_a_page_naming_the_token(client, login, f):
    user = login(f.member(f.Company(), "owner"))
    token, raw = api_tokens.create_token(user, "Tender monitor")
    page = client.get("/account/tokens").text
    assert f'href="/account/tokens/{token.id}/revoke">Revoke “Tender monitor”</a>' in page  # a link, not a button
    asked = client.get(f"/account/tokens/{token.id}/revoke")
    assert asked.status_code == 200 and "Revoke the token “Tender monitor”" in asked.text
    assert f'action="/account/tokens/{token.id}/revoke"' in asked.text
    assert db.session.get(ApiToken, token.id).revoked_at is None  # asking changed nothing
    api_tokens.revoke_token(user, token.id)
    again = client.get(f"/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert "no longer works: there is nothing to revoke" in again.text


def test_after_the_page_that_showed_the_secret_the_tokens_page_says_it_is_gone_naming_the_token(
        client, login, f, monkeypatch):
    login(f.member(f.Company(), "owner"))
    created = client.post("/account/tokens", data={"name": "Tender monitor"})
    raw = created.text.split('<code id="new-token">')[1].split("</code>")[0]
    assert "data-secret-once=" in created.text and "js/token_once.js" in created.text
    with client.session_transaction() as kept:
        assert raw not in repr(dict(kept))  # the session holds the name and the time, never the secret
    back = client.get("/account/tokens").text  # the language switcher, a link, the back button
    assert "The secret of your new token “Tender monitor” was shown only once" in back and raw not in back
    assert "was shown only once" not in client.get("/account/tokens").text  # said once
    client.post("/account/tokens", data={"name": "Later"})
    monkeypatch.setattr(api_tokens, "SECRET_LEFT_NOTICE", timedelta(seconds=-1))
    assert "was shown only once" not in client.get("/account/tokens").text  # and only for a few minutes


def test_nobody_can_revoke_or_see_another_persons_token(client, login, f):
    owner = f.member(f.Company(), "owner")
    token, raw = api_tokens.create_token(owner, "ci")
    login(f.member(f.Company(), "owner"))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.get(f"/account/tokens/{token.id}/revoke").status_code == 404
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


def _me(client, raw):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code


def test_a_token_expires_after_the_configured_lifetime_and_the_page_says_when(client, app, login, f, monkeypatch):
    monkeypatch.setitem(app.config, "API_TOKEN_LIFETIME_DAYS", 30)
    user = login(f.member(f.Company(), "owner"))
    token, raw = api_tokens.create_token(user, "ci")
    assert timedelta(days=29, hours=23) < token.expires_at - token.created_at <= timedelta(days=30)
    assert _me(client, raw) == 200
    assert "works for 30 days" in client.get("/account/tokens").text
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.session.commit()
    body = assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401)
    assert "expired" in body["detail"]
    assert "Expired" in client.get("/account/tokens").text.split("Your tokens")[1]
    assert api_tokens.active_count(user) == 0  # an expired token no longer counts towards the ten


def test_a_password_change_revokes_every_token_and_says_so(client, login, f):
    user = f.member(f.Company(), "owner")
    (first, raw1), (_, raw2) = api_tokens.create_token(user, "ci"), api_tokens.create_token(user, "backup")
    api_tokens.revoke_token(user, first.id)  # already revoked by its owner: stays as it was
    other = api_tokens.create_token(f.member(f.Company(), "owner"), "someone else's")[1]
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    changed = client.post("/account/password", data={"current_password": PASSWORD,
                                                     "new_password": "another long passphrase"},
                          follow_redirects=True)
    assert "Your API token is revoked" in changed.text
    assert _me(client, raw2) == 401 and _me(client, raw1) == 401 and _me(client, other) == 200
    reasons = {t.name: t.revoked_reason for t in api_tokens.tokens_of(user)}
    assert reasons == {"ci": "owner", "backup": "password_changed"}
    page = client.get("/account/tokens").text
    assert "when your password was changed" in page and "Create a new token for each program" in page
    client.post("/account/tokens", data={"name": "new one"})
    assert "Your tokens were revoked" not in client.get("/account/tokens").text  # the notice goes once replaced
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "api_token.revoked_all")).all()


def test_a_password_reset_revokes_every_token(client, f):
    user = f.member(f.Company(), "owner")
    _, raw = api_tokens.create_token(user, "ci")
    from marketplace.services.accounts import accounts

    link = f"/auth/reset/{accounts.password_reset_token(user)}"
    reset = client.post(link, data={"password": "a brand new passphrase"}, follow_redirects=True)
    assert reset.status_code == 200 and "Your API token is revoked" in reset.text
    assert _me(client, raw) == 401
    assert api_tokens.tokens_of(user)[0].revoked_reason == "password_reset"


def test_an_admin_removing_two_factor_revokes_every_token_audited_and_says_so(client, login, f, smtp_sink):
    """Whoever got into the account without the second factor must not stay in through a token."""
    user = f.member(f.Company(), "owner", totp_secret=TOTP_SECRET)  # a company owner who turned it on
    _, raw = api_tokens.create_token(user, "ci")
    other = api_tokens.create_token(f.member(f.Company(), "owner"), "someone else's")[1]
    admin = f.admin()
    two_factor.reset_by_admin(admin, user.id, "Lost phone; called back")
    assert _me(client, raw) == 401 and _me(client, other) == 200
    assert api_tokens.tokens_of(user)[0].revoked_reason == "two_factor_reset"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.revoked_all")).one()
    assert (event.actor_id, event.object_id, event.after) == (admin.id, user.id,
                                                             {"tokens": 1, "reason": "two_factor_reset"})
    process_pending()
    email = db.session.scalars(select(EmailDelivery).where(EmailDelivery.dedupe_key.startswith("two-factor-reset:"))
                               ).one()
    assert "Your API tokens are revoked too" in email.body_text
    login(user)
    page = client.get("/account/tokens").text
    assert "when a platform admin removed your two-factor sign-in" in page
    assert "when your two-factor sign-in was removed" in page


def test_sign_out_everywhere_ends_every_session_and_revokes_the_tokens(client, app, f):
    user = f.member(f.Company(), "owner")
    _, raw = api_tokens.create_token(user, "ci")
    other_device = app.test_client()
    for device in (client, other_device):
        device.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert "Sign out everywhere" in client.get("/account").text
    done = client.post("/account/sign-out-everywhere", follow_redirects=True)
    assert "signed out on every device" in done.text and "Your API token is revoked" in done.text
    assert client.get("/notifications").status_code == 302
    assert other_device.get("/notifications").status_code == 302
    assert _me(client, raw) == 401
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert "when you signed out everywhere" in client.get("/account/tokens").text


def test_an_ordinary_sign_out_keeps_the_tokens(client, f):
    """Signing out of a browser is not a takeover response: programs keep their tokens (sign out everywhere
    is the button for that)."""
    user = f.member(f.Company(), "owner")
    _, raw = api_tokens.create_token(user, "ci")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    client.post("/auth/logout")
    assert _me(client, raw) == 200


def test_sign_out_everywhere_needs_a_signed_in_person(client):
    response = client.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_a_suspended_organisations_tokens_are_refused(client, f):
    company = f.Company()
    headers = {"Authorization": f"Bearer {api_tokens.create_token(f.member(company, 'member'), 'ci')[1]}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    company.suspended = True
    db.session.commit()
    assert_problem(client.get("/api/v1/me", headers=headers), 401)


@pytest.mark.parametrize("reason, row, notice", [
    ("signed_out_everywhere", "Revoked {}, when you signed out everywhere", "when you signed out everywhere: programs"),
    ("password_reset", "Revoked {}, when your password was changed", "when your password was changed: programs"),
    ("two_factor_reset", "Revoked {}, when your two-factor sign-in was removed",
     "when a platform admin removed your two-factor sign-in: programs"),
])
def test_each_revocation_reason_reads_as_one_sentence_from_the_service(client, login, f, reason, row, notice):
    user = login(f.member(f.Company(), "owner"))
    token, _ = api_tokens.create_token(user, "ci")
    api_tokens.revoke_all(user, reason)
    db.session.commit()
    page = client.get("/account/tokens").text
    assert str(api_tokens.revocation(token)) in page and str(api_tokens.session_end_notice(user)) in page
    when = page.split("Your tokens were revoked ")[1].split(", when")[0]  # the time, in the reader's zone
    assert row.format(when) in page and notice in page
    assert set(api_tokens.REVOCATIONS) == set(api_tokens.SESSION_END_REASONS)  # every reason has its sentences


def test_revocation_sentences_are_in_the_readers_language(client, login, f):
    user = login(f.member(f.Company(), "owner", locale="fr"))
    mine, _ = api_tokens.create_token(user, "mine")
    api_tokens.revoke_token(user, mine.id)
    api_tokens.create_token(user, "ci")
    api_tokens.revoke_all(user, "signed_out_everywhere")
    db.session.commit()
    page = client.get("/account/tokens").text
    assert "Vos jetons ont été révoqués le " in page and "quand vous vous êtes déconnecté partout" in page
    assert page.count("Révoqué le ") == 2 and "Revoked" not in page
