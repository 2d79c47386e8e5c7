"""Two-factor sign-in: enrolment, the code step, replay refused, and officers and admins made to enrol."""
import time

import pyotp
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import User
from marketplace.services.accounts import two_factor
from tests.factories import PASSWORD, TOTP_SECRET


def _login(client, user):
    return client.post("/auth/login", data={"email": user.email, "password": PASSWORD})


def test_an_officer_signs_in_with_password_then_code(client, f):
    officer = f.member(f.Agency(), "procurement_officer")
    response = _login(client, officer)
    assert response.headers["Location"] == "/auth/two-factor"
    assert client.get("/dashboard").status_code == 302  # not signed in yet
    wrong = client.post("/auth/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422 and "not right" in wrong.text
    code = pyotp.TOTP(TOTP_SECRET).now()
    assert client.post("/auth/two-factor", data={"code": code}).status_code == 302
    assert client.get("/dashboard").status_code == 200
    client.post("/auth/logout")
    _login(client, db.session.get(User, officer.id))
    replay = client.post("/auth/two-factor", data={"code": code})
    assert replay.status_code == 422  # the same code twice is refused


def test_the_code_step_needs_the_password_step_first(client):
    assert client.get("/auth/two-factor").status_code == 302
    assert client.post("/auth/two-factor", data={"code": "123456"}).status_code == 302


def test_an_officer_without_two_factor_must_enrol_before_anything_else(client, login, f):
    officer = f.member(f.Agency(), "procurement_officer", totp_secret=None)
    login(officer)
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor").text
    secret = page.split("<code>")[1].split("</code>")[0]
    bad = client.post("/account/two-factor", data={"code": "111111"})
    assert bad.status_code == 422
    enabled = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert enabled.status_code == 200 and "Your recovery codes" in enabled.text  # shown in this answer, once
    assert client.get("/dashboard").status_code == 200
    assert db.session.scalar(select(User.totp_secret).where(User.id == officer.id)) == secret


def test_the_browsers_favicon_request_does_not_repeat_the_enrolment_message(client, login, f):
    # Browsers ask for /favicon.ico beside every page: redirected, it queued the message again, shown on the page
    # after two-factor sign-in was turned on.
    login(f.member(f.Agency(), "procurement_officer", totp_secret=None))
    client.get("/dashboard")
    page = client.get("/account/two-factor").text
    assert client.get("/favicon.ico").status_code == 200
    secret = page.split("<code>")[1].split("</code>")[0]
    enabled = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert "Recovery codes" in enabled.text or "recovery codes" in enabled.text
    assert "Set it up now" not in enabled.text


def test_people_who_do_not_need_it_are_not_forced(client, login, f):
    login(f.member(f.Company(), "owner"))
    assert client.get("/dashboard").status_code == 200


def test_codes_from_the_neighbouring_steps_count_for_clock_drift(f):
    user = f.member(f.Agency(), "procurement_officer")
    now = time.time()
    previous = pyotp.TOTP(TOTP_SECRET).at(now - 30)
    assert two_factor.verify(user, previous, at=now)
    assert not two_factor.verify(user, pyotp.TOTP(TOTP_SECRET).at(now - 120), at=now)
    assert not two_factor.verify(user, "abc", at=now)


def test_an_admin_enrols_then_signs_in_with_password_and_a_code_from_the_new_secret(client, f):
    admin = f.admin(totp_secret=None)
    assert _login(client, admin).headers["Location"] == "/dashboard"  # not enrolled: the password is enough once
    assert client.get("/dashboard").headers["Location"] == "/account/two-factor"  # ...to enrol, and nothing else
    secret = client.get("/account/two-factor").text.split("<code>")[1].split("</code>")[0]
    assert secret != TOTP_SECRET
    assert "Your recovery codes" in client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).text
    client.post("/auth/logout")
    assert _login(client, db.session.get(User, admin.id)).headers["Location"] == "/auth/two-factor"
    assert client.get("/admin/organisations").status_code == 302  # not signed in before the code
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the next step's code: not the one used to enrol
    assert client.post("/auth/two-factor", data={"code": code}).status_code == 302
    assert client.get("/admin/organisations").status_code == 200


def _session_cookie(app, client):
    """What anyone holding the session cookie can read: it is signed, not encrypted."""
    from flask.sessions import SecureCookieSessionInterface

    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie.value) if cookie else {}


def test_the_secret_being_enrolled_is_kept_on_the_server_not_in_the_session_cookie(app, client, f):
    admin = f.admin(totp_secret=None)
    _login(client, admin)
    page = client.get("/account/two-factor").text
    secret = page.split("<code>")[1].split("</code>")[0]
    stored = _session_cookie(app, client)
    assert "_user_id" in stored  # the cookie was decoded: it is the signed-in session
    assert secret not in repr(stored)
    assert db.session.scalar(select(User.pending_totp_secret).where(User.id == admin.id)) == secret
    again = client.get("/account/two-factor").text  # the same secret on a second visit: the app keeps working
    assert again.split("<code>")[1].split("</code>")[0] == secret
    assert client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert secret not in repr(_session_cookie(app, client))
    db.session.expire_all()
    enrolled = db.session.get(User, admin.id)
    assert enrolled.totp_secret == secret and enrolled.pending_totp_secret is None  # cleared once confirmed


def _enrol(client, user):
    """Turn two-factor on through the page; the recovery codes the answer shows."""
    page = client.get("/account/two-factor").text
    secret = page.split("<code>")[1].split("</code>")[0]
    answer = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert answer.status_code == 200
    return [code.split("</code>")[0] for code in answer.text.split('<li><code>')[1:]]


def test_the_set_up_page_shows_a_labelled_qr_code_and_the_key_as_text(client, login, f):
    login(f.member(f.Agency(), "procurement_officer", totp_secret=None))
    page = client.get("/account/two-factor").text
    secret = page.split("<code>")[1].split("</code>")[0]
    assert '<svg role="img" aria-label="QR code to add Agora to your authenticator app"' in page
    assert "otpauth://totp/" in page and f"secret={secret}" in page


def test_an_officer_keeps_recovery_codes_and_signs_in_with_one_once(app, client, login, f):
    officer = login(f.member(f.Agency(), "procurement_officer", totp_secret=None))
    codes = _enrol(client, officer)
    assert len(codes) == 10 and all(code not in repr(_session_cookie(app, client)) for code in codes)
    assert "You have 10 recovery codes left." in client.get("/account").text
    client.post("/auth/logout")
    _login(client, db.session.get(User, officer.id))
    form = client.get("/auth/two-factor?recovery=1").text
    assert 'name="recovery_code"' in form and 'name="code"' not in form
    signed_in = client.post("/auth/two-factor", data={"recovery_code": codes[0]})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/account/two-factor"
    assert "You have 9 recovery codes left." in client.get("/account/two-factor").text
    client.post("/auth/logout")
    _login(client, db.session.get(User, officer.id))
    again = client.post("/auth/two-factor", data={"recovery_code": codes[0]})
    assert again.status_code == 422 and "used already" in again.text
    assert client.get("/dashboard").status_code == 302  # not signed in


def test_app_codes_and_recovery_codes_share_one_limit(client, login, f):
    officer = login(f.member(f.Agency(), "procurement_officer", totp_secret=None))
    codes = _enrol(client, officer)
    client.post("/auth/logout")
    _login(client, db.session.get(User, officer.id))
    for _ in range(3):
        assert client.post("/auth/two-factor", data={"code": "000000"}).status_code == 422
    for _ in range(2):
        assert client.post("/auth/two-factor", data={"recovery_code": "aaaaa-bbbbb"}).status_code == 422
    assert client.post("/auth/two-factor", data={"recovery_code": codes[1]}).status_code == 429


def test_new_recovery_codes_need_the_password(client, login, f):
    officer = login(f.member(f.Agency(), "procurement_officer", totp_secret=None))
    old = _enrol(client, officer)
    wrong = client.post("/account/two-factor/recovery-codes", data={"password": "not my password"})
    assert wrong.status_code == 422 and "Your password is not right." in wrong.text
    renewed = client.post("/account/two-factor/recovery-codes", data={"password": PASSWORD})
    assert renewed.status_code == 200 and "Your recovery codes" in renewed.text
    assert not set(renewed.text.split("<li><code>")) & set(old)


def test_an_admin_removes_an_officers_two_factor_who_sets_it_up_again_at_next_sign_in(client, login, f):
    officer = f.member(f.Agency(), "procurement_officer")
    admin = login(f.admin())
    listing = client.get(f"/admin/people?q={officer.email}").text
    assert f"/admin/people/{officer.id}/two-factor" in listing
    assert "Remove two-factor sign-in" in client.get(f"/admin/people/{officer.id}/two-factor").text
    refused = client.post(f"/admin/people/{officer.id}/two-factor", data={"reason": ""})
    assert refused.status_code == 422 and "Say why" in refused.text
    done = client.post(f"/admin/people/{officer.id}/two-factor", data={"reason": "Lost phone, identity checked"})
    assert done.status_code == 302
    assert db.session.scalar(select(User.totp_secret).where(User.id == officer.id)) is None
    assert "nothing to remove" in client.get(f"/admin/people/{officer.id}/two-factor").text
    assert client.get(f"/admin/people/{admin.id}/two-factor").status_code == 404  # never their own
    client.post("/auth/logout")
    assert _login(client, db.session.get(User, officer.id)).headers["Location"] == "/dashboard"
    assert client.get("/dashboard").headers["Location"] == "/account/two-factor"


def test_only_admins_reach_the_reset(client, login, f):
    officer = f.member(f.Agency(), "procurement_officer")
    login(f.member(officer.organisation, "owner"))
    assert client.get("/admin/people").status_code == 404
    assert client.get(f"/admin/people/{officer.id}/two-factor").status_code == 404
    assert client.post(f"/admin/people/{officer.id}/two-factor", data={"reason": "x"}).status_code == 404


def test_moving_to_a_new_phone_replaces_the_secret_and_the_recovery_codes(client, login, f):
    officer = login(f.member(f.Agency(), "procurement_officer"))  # on, with TOTP_SECRET
    assert "Set up two-factor sign-in on a new phone" in client.get("/account/two-factor").text
    page = client.get("/account/two-factor?new_app=1").text
    secret = page.split("<code>")[1].split("</code>")[0]
    assert secret != TOTP_SECRET and '<svg role="img"' in page
    assert client.post("/account/two-factor?new_app=1", data={"code": "000000"}).status_code == 422
    answer = client.post("/account/two-factor?new_app=1", data={"code": pyotp.TOTP(secret).now()})
    assert answer.status_code == 200 and answer.text.count("<li><code>") == 10
    db.session.expire_all()
    assert db.session.get(User, officer.id).totp_secret == secret  # the old phone's codes stop working
    later = time.time() + 30  # a step after the one used to confirm, so only the secret can refuse it
    assert not two_factor.verify(db.session.get(User, officer.id), pyotp.TOTP(TOTP_SECRET).at(later), at=later)
    assert two_factor.verify(db.session.get(User, officer.id), pyotp.TOTP(secret).at(later), at=later)


def test_the_code_step_speaks_the_language_of_the_person_whose_password_was_right(client, f):
    # Once the password is checked the person is known: the code step and its refusals are in their language, not
    # the browser's; a language picked on that page still wins, and is the account's once signed in.
    import re

    def lang(response):
        return re.search(r'<html lang="([^"]+)">', response.text).group(1)

    officer = f.member(f.Agency(), "procurement_officer", locale="fr")
    english = {"Accept-Language": "en"}
    assert lang(client.get("/auth/login", headers=english)) == "en"
    client.post("/auth/login", data={"email": officer.email, "password": PASSWORD}, headers=english)
    assert lang(client.get("/auth/two-factor", headers=english)) == "fr"
    wrong = client.post("/auth/two-factor", data={"code": "000000"}, headers=english)
    assert wrong.status_code == 422 and lang(wrong) == "fr" and "Ce code est incorrect" in wrong.text
    client.post("/language", data={"locale": "nl", "next": "/auth/two-factor"}, headers=english)
    assert lang(client.get("/auth/two-factor", headers=english)) == "nl"
    code = pyotp.TOTP(TOTP_SECRET).now()
    assert client.post("/auth/two-factor", data={"code": code}, headers=english).status_code == 302
    assert db.session.get(User, officer.id).locale == "nl"
