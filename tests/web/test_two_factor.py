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
    assert client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert db.session.scalar(select(User.totp_secret).where(User.id == officer.id)) == secret


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
    assert client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
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
    assert client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert secret not in repr(_session_cookie(app, client))
    db.session.expire_all()
    enrolled = db.session.get(User, admin.id)
    assert enrolled.totp_secret == secret and enrolled.pending_totp_secret is None  # cleared once confirmed
