"""Accounts through the pages: register, sign in and out, remember me, reset, invitations, settings, admin."""
import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import EmailDelivery, Invitation, Membership, Organisation, OutboxEvent, User
from marketplace.services.accounts import accounts
from marketplace.services.clock import utcnow
from marketplace.services.messaging.outbox import process_pending
from tests.factories import PASSWORD

REGISTER = {"kind": "company", "organisation_name": "Leak Sensors BV", "company_size": "small",
            "name": "Ann Peeters", "email": "Ann@Example.org", "password": "river bicycle lantern"}


def test_register_a_company_and_become_its_unverified_owner(client):
    response = client.post("/auth/register", data=REGISTER)
    assert response.status_code == 200 and "Check your email" in response.text
    user = db.session.scalars(select(User)).one()
    assert user.email == "ann@example.org" and user.password_hash.startswith("$argon2id$")
    assert user.membership.role == "owner" and user.organisation.kind == "company"
    assert user.organisation.verified is False and user.organisation.size == "small"
    assert user.email_confirmed_at is None
    assert client.get("/dashboard").status_code == 302  # not signed in: the answer is the same for a taken address
    client.post("/auth/login", data={"email": REGISTER["email"], "password": REGISTER["password"]})
    assert client.get("/dashboard").status_code == 200  # signing in before confirming works


@pytest.mark.parametrize("field,value,message", [
    ("email", "not-an-address", "Enter an email address"),
    ("password", "short", "at least 12 characters"),
    ("password", "Password2024!", "lists of common or leaked passwords"),
    ("password", "leak sensors bv 1", "organisation’s name"),
    ("kind", "government", "Not a valid choice"),
    ("organisation_name", "x" * 201, "200"),
    ("name", "", "Enter your name"),
])
def test_registration_problems_are_explained_and_nothing_is_created(client, field, value, message):
    response = client.post("/auth/register", data=dict(REGISTER, **{field: value}))
    assert response.status_code == 422 and message in response.text
    assert db.session.query(User).count() == 0 and db.session.query(Organisation).count() == 0


def test_registering_a_taken_address_reveals_nothing(client, f, smtp_sink):
    existing = f.member(f.Company(), "owner", email="ann@example.org")
    response = client.post("/auth/register", data=REGISTER)
    assert response.status_code == 200 and "Check your email" in response.text
    assert db.session.query(User).count() == 1
    process_pending()
    notice = db.session.scalars(select(EmailDelivery)).one()
    assert notice.to_address == existing.email and "already have" in notice.subject


def test_sign_in_and_out_and_the_same_answer_for_unknown_and_wrong(client, f):
    user = f.member(f.Company(), "owner")
    wrong = client.post("/auth/login", data={"email": user.email, "password": "wrong password here"})
    unknown = client.post("/auth/login", data={"email": "nobody@example.org", "password": "wrong password here"})
    assert wrong.status_code == unknown.status_code == 401
    assert "The email address or the password is not right." in wrong.text
    assert re.sub(r'value="[^"]*"', "", wrong.text) == re.sub(r'value="[^"]*"', "", unknown.text)
    ok = client.post("/auth/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert ok.status_code == 302 and ok.headers["Location"] == "/dashboard"
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/notifications").status_code == 302


def test_remember_me_sets_a_lasting_cookie(client, f):
    user = f.member(f.Company(), "owner")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") and "HttpOnly" in c for c in cookies)


def test_next_only_goes_to_pages_of_this_site(client, f):
    user = f.member(f.Company(), "owner")
    client.get("/auth/login?next=https://evil.example/")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"
    client.post("/auth/logout")
    client.get("/auth/login?next=/notifications")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/notifications"


def test_suspended_people_and_organisations_cannot_sign_in(client, f):
    company = f.Company(suspended=True)
    user = f.member(company, "owner")
    assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 401


def test_password_reset_by_emailed_signed_expiring_token(client, f, app, smtp_sink):
    user = f.member(f.Company(), "owner")
    response = client.post("/auth/forgot", data={"email": user.email})
    assert "Check your email" in response.text
    unknown = client.post("/auth/forgot", data={"email": "nobody@example.org"})
    assert unknown.text == response.text
    assert db.session.scalars(select(OutboxEvent.topic)).all() == ["user.password_reset_requested"]
    process_pending()
    email = db.session.scalars(select(EmailDelivery)).one()
    link = re.search(r"http://localhost(/auth/reset/\S+)", email.body_text).group(1)
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"password": "short"})
    assert weak.status_code == 422
    assert client.post(link, data={"password": "a brand new passphrase"}).status_code == 302
    used = client.get(link)
    assert used.status_code == 409 and "already been used" in used.text
    assert client.get(link[:-3] + "abc").status_code == 404
    app.config["PASSWORD_RESET_MAX_AGE"], saved = -1, app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        fresh = accounts.password_reset_token(db.session.get(User, user.id))
        assert "expired" in client.get(f"/auth/reset/{fresh}").text
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = saved


def test_a_password_change_ends_other_sessions(client, app, f, login):
    user = f.member(f.Company(), "owner")
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/notifications").status_code == 200
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "new_password": "another long passphrase"})
    assert response.status_code == 302
    assert client.get("/notifications").status_code == 200
    assert other_device.get("/notifications").status_code == 302
    wrong = client.post("/account/password", data={"current_password": "nope", "new_password": "x" * 12})
    assert wrong.status_code == 422 and "current password is not right" in wrong.text


def test_invitations_by_the_owner_only(client, login, f, smtp_sink):
    agency = f.Agency()
    owner = f.member(agency, "owner")
    publisher = f.member(agency, "publisher")
    login(publisher)
    assert client.post("/account/team", data={"email": "new@agency.example", "role": "evaluator"}).status_code == 403
    login(owner)
    bad_role = client.post("/account/team", data={"email": "new@agency.example", "role": "member"})
    assert bad_role.status_code == 422
    assert client.post("/account/team", data={"email": "new@agency.example", "role": "evaluator"}).status_code == 302
    invitation = db.session.scalars(select(Invitation)).one()
    process_pending()
    email = db.session.scalars(select(EmailDelivery)).one()
    assert email.to_address == "new@agency.example"
    link = re.search(r"http://localhost(/auth/invitation/\S+)", email.body_text).group(1)
    client.post("/auth/logout")
    assert client.post(link, data={"name": "Eva", "password": "short"}).status_code == 422
    assert client.post(link, data={"name": "Eva Evaluator", "password": "evaluating all day"}).status_code == 302
    member = db.session.scalars(select(Membership).where(Membership.role == "evaluator")).one()
    assert member.organisation_id == agency.id and member.user.email == "new@agency.example"
    assert "already been used" in client.get(link).text
    db.session.refresh(invitation)
    assert invitation.accepted_at is not None


def test_an_invited_person_keeps_the_language_they_accepted_in(client, f):
    """Their notices and emails are written in it (mail.recipient_locale), as for someone who registered."""
    invitation = accounts.invite(f.member(f.Company(), "owner"), email="collegue@company.example", role="member")
    client.post("/language", data={"locale": "fr"})
    client.post(f"/auth/invitation/{accounts.invitation_token(invitation)}",
                data={"name": "Chloé", "password": "evaluating all day"})
    assert accounts.user_by_email("collegue@company.example").locale == "fr"


def test_a_revoked_invitation_cannot_be_used(client, login, f):
    company = f.Company()
    owner = f.member(company, "owner")
    invitation = accounts.invite(owner, email="colleague@company.example", role="member")
    token = accounts.invitation_token(invitation)
    login(owner)
    assert client.post(f"/account/team/invitations/{invitation.id}/revoke").status_code == 302
    client.post("/auth/logout")
    assert client.get(f"/auth/invitation/{token}").status_code == 409
    login(f.member(f.Company(), "owner"))
    assert client.post(f"/account/team/invitations/{invitation.id}/revoke").status_code == 404


def test_settings_with_bad_values(client, login, f):
    user = f.member(f.Company(), "owner")
    login(user)
    assert client.get("/account").status_code == 200
    bad = client.post("/account", data={"name": "A", "locale": "xx", "timezone": "Mars/Olympus",
                                        "notification_preference": "hourly"})
    assert bad.status_code == 422
    ok = client.post("/account", data={"name": "Ann", "locale": "nl", "timezone": "Europe/Amsterdam",
                                       "notification_preference": "daily"})
    assert ok.status_code == 302
    db.session.refresh(user)
    assert (user.locale, user.timezone, user.notification_preference) == ("nl", "Europe/Amsterdam", "daily")


def test_admin_verifies_and_suspends_others_are_refused(client, login, f):
    agency = f.Agency(verified=False)
    login(f.member(agency, "owner"))
    assert client.get("/admin/organisations").status_code == 404
    assert client.post(f"/admin/organisations/{agency.id}/verify").status_code == 404
    login(f.admin())
    page = client.get("/admin/organisations?show=unverified").text
    assert agency.name in page
    assert client.post(f"/admin/organisations/{agency.id}/verify").status_code == 302
    assert client.post(f"/admin/organisations/{agency.id}/suspend", data={"suspended": "1", "reason": "Fake agency"}).status_code == 302
    db.session.refresh(agency)
    assert agency.verified and agency.suspended
    assert client.post("/admin/organisations/999999/verify").status_code == 404


def test_a_copied_cookie_stops_working_after_sign_out(client, app, f):
    user = f.member(f.Company(), "owner")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    thief = app.test_client()
    for cookie in client._cookies.values():
        thief.set_cookie(cookie.key, cookie.value)
    assert thief.get("/notifications").status_code == 200
    client.post("/auth/logout")
    assert thief.get("/notifications").status_code == 302


def test_an_oversized_request_is_refused_with_413(client, app):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/auth/login", data=body, content_type="application/octet-stream")
    assert response.status_code == 413


ATTACKER, OWNER = {"REMOTE_ADDR": "203.0.113.66"}, {"REMOTE_ADDR": "198.51.100.10"}


def test_an_oversized_sign_in_does_not_make_the_limits_forget_wrong_passwords(client, app):
    """The sign-in limits read the email typed: a body too large to read (413) once made that read fail, which
    Flask-Limiter took for its storage failing. It then counted in a memory store of its own and, at its next check
    of the storage (seconds later), went back to the first one, forgetting the wrong passwords counted meanwhile."""
    attempt = {"data": {"email": "someone@example.org", "password": "wrong guess!!"}, "environ_base": ATTACKER}
    with freeze_time(utcnow()) as clock:  # the clock moves only when told to
        oversized = client.post("/auth/login", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                                content_type="application/octet-stream", environ_base=ATTACKER)
        statuses = [client.post("/auth/login", **attempt).status_code for _ in range(6)]
        clock.tick(40)  # past Flask-Limiter's longest wait before checking its storage again (32 s), within the minute
        statuses.append(client.post("/auth/login", **attempt).status_code)
    assert oversized.status_code == 413 and statuses == [401] * 5 + [429] * 2


def test_sign_in_is_rate_limited_per_account_and_address_with_a_clear_message(client, f):
    user = f.member(f.Company(), "owner")
    for _ in range(5):
        assert client.post("/auth/login", data={"email": user.email, "password": "wrong guess!!"},
                           environ_base=ATTACKER).status_code == 401
    blocked = client.post("/auth/login", data={"email": user.email, "password": PASSWORD}, environ_base=ATTACKER)
    assert blocked.status_code == 429 and "Too many attempts" in blocked.text
    # Another account from the same address is not blocked by the first one's limit.
    other = f.member(f.Company(), "owner")
    assert client.post("/auth/login", data={"email": other.email, "password": PASSWORD},
                       environ_base=ATTACKER).status_code == 302


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_from_another(client, f):
    user = f.member(f.Company(), "owner")
    for _ in range(6):
        client.post("/auth/login", data={"email": user.email, "password": "wrong guess!!"}, environ_base=ATTACKER)
    assert client.post("/auth/login", data={"email": user.email, "password": "x" * 12},
                       environ_base=ATTACKER).status_code == 429
    owner = client.post("/auth/login", data={"email": user.email, "password": PASSWORD}, environ_base=OWNER)
    assert owner.status_code == 302 and owner.headers["Location"] == "/dashboard"


def test_the_client_address_behind_a_trusted_proxy_is_the_forwarded_one(another_app):
    """With PROXY_FIX_X_FOR set, the limits see each visitor's own address, not the proxy's."""
    behind_proxy = another_app(PROXY_FIX_X_FOR=1).test_client()
    attempt = {"data": {"email": "someone@example.org", "password": "wrong guess!!"},
               "environ_base": {"REMOTE_ADDR": "10.0.0.2"}}  # every request comes from the proxy
    answers = [behind_proxy.post("/auth/login", headers={"X-Forwarded-For": ATTACKER["REMOTE_ADDR"]}, **attempt)
               for _ in range(8)]
    # Five wrong passwords are answered; then the forwarded address is held.
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 3
    owner = behind_proxy.post("/auth/login", headers={"X-Forwarded-For": OWNER["REMOTE_ADDR"]}, **attempt)
    assert owner.status_code == 401  # a wrong password, answered as such: not held by the other visitor's limit


def test_only_wrong_passwords_count_towards_the_sign_in_limits(client, f):
    user = f.member(f.Company(), "owner")
    for _ in range(7):  # more than the 5 per minute, all right
        assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        client.post("/auth/logout")


def test_the_owner_is_emailed_once_after_repeated_wrong_passwords(client, app, f, smtp_sink):
    user = f.member(f.Company(), "owner", locale="fr")
    addresses = [{"REMOTE_ADDR": f"203.0.113.{n}"} for n in range(1, 9)]  # spread out: past the per-pair limit
    answers = [client.post("/auth/login", data={"email": user.email, "password": "wrong guess!!"},
                           environ_base=address) for address in addresses]
    unknown = client.post("/auth/login", data={"email": "nobody@example.org", "password": "wrong guess!!"},
                          environ_base=addresses[0])
    assert {a.status_code for a in answers} == {unknown.status_code} == {401}
    assert answers[-1].text == unknown.text.replace("nobody@example.org", user.email)  # the same answer
    process_pending()
    emails = db.session.scalars(select(EmailDelivery)).all()
    assert [e.to_address for e in emails] == [user.email]  # once for eight failures: one per window
    assert "mot de passe" in emails[0].body_text and "5" in emails[0].body_text  # in the owner's language
    assert "/account" in emails[0].body_text and emails[0].body_html
    db.session.refresh(user)
    assert user.failed_sign_ins == 8
    # A new window, a new email.
    user.failed_sign_ins_since -= timedelta(minutes=app.config["SIGN_IN_ALERT_WINDOW_MINUTES"])
    db.session.commit()
    for address in addresses[:5]:
        client.post("/auth/login", data={"email": user.email, "password": "again wrong!!"}, environ_base=address)
    process_pending()
    assert db.session.scalar(select(func.count(EmailDelivery.id))) == 2


def test_sign_in_is_rate_limited_per_address(client, app, f):
    app.config["LOGIN_LIMIT_PER_ADDRESS"], saved = "3 per minute", app.config["LOGIN_LIMIT_PER_ADDRESS"]
    try:
        for n in range(3):
            client.post("/auth/login", data={"email": f"guess{n}@example.org", "password": "whatever it is"})
        blocked = client.post("/auth/login", data={"email": "guess9@example.org", "password": "whatever it is"})
        assert blocked.status_code == 429
    finally:
        app.config["LOGIN_LIMIT_PER_ADDRESS"] = saved


def test_password_reset_is_rate_limited_per_account(client, f):
    user = f.member(f.Company(), "owner")
    for _ in range(3):
        assert client.post("/auth/forgot", data={"email": user.email}).status_code == 200
    assert client.post("/auth/forgot", data={"email": user.email}).status_code == 429
    assert db.session.query(OutboxEvent).filter(OutboxEvent.topic == "user.password_reset_requested").count() == 3


def test_password_reset_is_rate_limited_per_address_with_a_clear_message(client, app):
    app.config["RESET_LIMIT_PER_ADDRESS"], saved = "2 per hour", app.config["RESET_LIMIT_PER_ADDRESS"]
    try:
        for n in range(2):
            assert client.post("/auth/forgot", data={"email": f"someone{n}@example.org"}).status_code == 200
        blocked = client.post("/auth/forgot", data={"email": "someone9@example.org"})
        assert blocked.status_code == 429 and "Too many attempts" in blocked.text
        other_address = client.post("/auth/forgot", data={"email": "someone8@example.org"},
                                    environ_base={"REMOTE_ADDR": "198.51.100.20"})
        assert other_address.status_code == 200
    finally:
        app.config["RESET_LIMIT_PER_ADDRESS"] = saved


def test_the_reset_notice_is_in_the_language_of_the_account_it_signs_in(client, f, smtp_sink):
    """A French member resets from a German browser: the dashboard the reset lands on is read in French, so the
    notice on top of it is French too, not the browser's German."""
    user = f.member(f.Company(), "owner")
    user.locale = "fr"
    db.session.commit()
    link = "/auth/reset/" + accounts.password_reset_token(user)
    german = {"Accept-Language": "de"}
    response = client.post(link, data={"password": "a brand new passphrase"}, headers=german,
                           follow_redirects=True)
    assert response.status_code == 200 and '<html lang="fr"' in response.text
    assert "Votre mot de passe est modifié" in response.text
    assert "Ihr Passwort ist geändert" not in response.text
