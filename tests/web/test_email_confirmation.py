"""Accounts done properly: the address confirmed before anything is sent on a person's behalf, the same answer
whether or not an address is registered, passwords checked against a shipped list, verification explained."""
import re

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import EmailDelivery, Organisation, User
from marketplace.services import permissions
from marketplace.services.accounts import accounts
from marketplace.services.accounts.passwords import common_passwords, password_problems
from marketplace.services.challenges import challenges, questions
from marketplace.services.errors import EmailNotConfirmed
from marketplace.services.messaging.outbox import process_pending
from marketplace.services.pitches import pitches

NEW = {"kind": "company", "organisation_name": "Leak Sensors BV", "company_size": "small",
       "name": "Ann Peeters", "email": "ann@example.org", "password": "river bicycle lantern"}


def _confirmation_link(address):
    process_pending()
    delivery = db.session.scalars(select(EmailDelivery).where(EmailDelivery.to_address == address)
                                  .order_by(EmailDelivery.id.desc())).first()
    assert delivery is not None and "Confirm your email address" in delivery.subject
    return re.search(r"http://localhost(/auth/confirm/\S+)", delivery.body_text).group(1)


def _unconfirmed(f, organisation, role="owner"):
    return f.member(organisation, role, email_confirmed_at=None)


def test_registering_emails_a_link_that_confirms_the_address_once(client, smtp_sink):
    assert client.post("/auth/register", data=NEW).status_code == 200
    user = db.session.scalars(select(User)).one()
    assert user.email_confirmed_at is None
    link = _confirmation_link("ann@example.org")
    assert [m["To"] for m in smtp_sink.messages] == ["ann@example.org"]  # it reached the mail server
    assert link in smtp_sink.messages[0].get_body(("plain",)).get_content()
    confirmed = client.get(link)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/auth/login"
    db.session.refresh(user)
    assert user.email_confirmed_at is not None
    again = client.get(link)
    assert again.status_code == 409 and "already been used" in again.text
    assert client.get(link[:-4] + "abcd").status_code == 404


def test_a_signed_in_person_who_confirms_lands_on_the_dashboard(client):
    client.post("/auth/register", data=NEW)
    link = _confirmation_link("ann@example.org")
    client.post("/auth/login", data={"email": NEW["email"], "password": NEW["password"]})
    assert "Confirm your email address" in client.get("/dashboard").text
    response = client.get(link, follow_redirects=True)
    assert response.request.path == "/dashboard" and "Your email address is confirmed" in response.text
    assert "Send it again" not in response.text


def test_an_expired_link_confirms_nothing(client, app, f):
    user = _unconfirmed(f, f.Company())
    token = accounts.email_confirmation_token(user)
    app.config["EMAIL_CONFIRMATION_MAX_AGE"], saved = -1, app.config["EMAIL_CONFIRMATION_MAX_AGE"]
    try:
        response = client.get(f"/auth/confirm/{token}")
    finally:
        app.config["EMAIL_CONFIRMATION_MAX_AGE"] = saved
    assert response.status_code == 409 and "expired" in response.text
    db.session.refresh(user)
    assert user.email_confirmed_at is None


def test_a_link_sent_to_an_earlier_address_does_not_confirm_a_new_one(client, f):
    user = _unconfirmed(f, f.Company())
    token = accounts.email_confirmation_token(user)
    user.email = "changed@example.org"
    db.session.commit()
    assert client.get(f"/auth/confirm/{token}").status_code == 404
    assert db.session.get(User, user.id).email_confirmed_at is None


def test_the_dashboard_says_where_the_link_went_and_sends_it_again_a_few_times(client, login, f):
    user = login(_unconfirmed(f, f.Company()))
    page = client.get("/dashboard").text
    assert "Confirm your email address" in page and f"We sent a link to {user.email}" in page
    for _ in range(3):
        response = client.post("/auth/confirm/resend", data={"next": "/dashboard"})
        assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.post("/auth/confirm/resend").status_code == 429
    process_pending()
    sent = db.session.scalars(select(EmailDelivery).where(EmailDelivery.to_address == user.email)).all()
    assert len(sent) == 3 and all("Confirm your email address" in d.subject for d in sent)
    link = re.search(r"http://localhost(/auth/confirm/\S+)", sent[0].body_text).group(1)
    client.get(link)
    assert "Confirm your email address" not in client.get("/dashboard").text


def test_until_confirmed_nothing_is_sent_on_the_persons_behalf(client, login, f):
    company, agency = f.Company(), f.Agency()
    owner = _unconfirmed(f, company)
    publisher = _unconfirmed(f, agency, "publisher")
    challenge = f.Challenge(agency=agency)
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    pitch = f.Pitch(challenge=challenge, company=company)
    with pytest.raises(EmailNotConfirmed):
        questions.ask_question(owner, challenge, "Can the pilot start in spring?")
    with pytest.raises(EmailNotConfirmed):
        pitches.submit_pitch(owner, pitch.id)
    with pytest.raises(EmailNotConfirmed):
        accounts.invite(owner, email="colleague@example.org", role="member")
    with pytest.raises(EmailNotConfirmed):
        challenges.publish_challenge(publisher, draft.slug)
    assert not permissions.can(owner, "challenge.follow", challenge)
    assert not permissions.can(publisher, "challenge.invite_to_pitch", challenge)
    # What does not speak for them to others stays open: writing the pitch, the profile, the draft.
    assert permissions.can(owner, "pitch.write", pitch) and permissions.can(owner, "challenge.pitch", challenge)
    assert permissions.can(owner, "organisation.edit_profile", company)
    assert permissions.can(publisher, "challenge.edit", draft)
    login(owner)
    refused = client.post(f"/challenges/{challenge.slug}/follow")
    assert refused.status_code == 403 and "Confirm your email address" in refused.text
    assert "Send it again" in refused.text and "/auth/confirm/resend" in refused.text
    assert f'value="/challenges/{challenge.slug}/follow"' not in refused.text  # back to a page, not a POST route
    page = client.get(f"/challenges/{challenge.slug}").text
    assert "You can ask a question once your email address is confirmed." in page
    assert "You can follow this challenge once your email address is confirmed." in page
    owner.email_confirmed_at = owner.created_at
    db.session.commit()
    assert questions.ask_question(owner, challenge, "Can the pilot start in spring?").id


def test_people_who_came_by_invitation_have_a_confirmed_address(f):
    owner = f.member(f.Agency(), "owner")
    invitation = accounts.invite(owner, email="eva@agency.example", role="evaluator")
    user = accounts.accept_invitation(accounts.invitation_token(invitation), name="Eva Evaluator",
                                      password="evaluating all day")
    assert user.email_confirmed_at is not None


def test_a_password_reset_by_emailed_link_confirms_the_address_too(f):
    user = _unconfirmed(f, f.Company())
    accounts.reset_password(accounts.password_reset_token(user), "a brand new passphrase")
    assert db.session.get(User, user.id).email_confirmed_at is not None


def _without_tokens(html):
    return re.sub(r'name="csrf_token" value="[^"]*"|<meta name="csrf-token" content="[^"]*"', "", html)


def test_registering_a_taken_address_answers_exactly_as_a_new_one(app, f, monkeypatch):
    existing = f.member(f.Company(), "owner", email="taken@example.org")
    hashed = []
    real_hash = accounts.hash_password
    monkeypatch.setattr(accounts, "hash_password", lambda password: hashed.append(1) or real_hash(password))
    answers = []
    for address in ("new@example.org", "taken@example.org"):
        client = app.test_client()
        answers.append(client.post("/auth/register", data=dict(NEW, email=address)))
    new, taken = answers
    assert new.status_code == taken.status_code == 200
    assert _without_tokens(new.text) == _without_tokens(taken.text)
    assert sorted(new.headers.keys()) == sorted(taken.headers.keys())
    assert hashed == [1, 1]  # a password is hashed either way, so both take as long
    assert db.session.query(Organisation).filter_by(name="Leak Sensors BV").count() == 1
    process_pending()
    subjects = {d.to_address: d.subject for d in db.session.scalars(select(EmailDelivery))}
    assert "already have" in subjects[existing.email]
    assert "Confirm your email address" in subjects["new@example.org"]


@pytest.mark.parametrize("password,problem", [
    ("eleven char", "at least 12"),
    ("password12345", "common or leaked"),
    ("Sunshine2024!", "common or leaked"),
    ("p@ssw0rd2026!", "common or leaked"),
    ("qwertyqwerty", "common or leaked"),
    ("1234567890123", "common or leaked"),
    ("asdfghjklasdf", "too easy"),
    ("aaaaaaaaaaaaab", "too easy"),
    ("jean.dupont1984", "email address or your organisation"),
    ("ACME Corp 2026!", "email address or your organisation"),
])
def test_weak_passwords_are_refused_with_a_reason(app, password, problem):
    with app.test_request_context():
        problems = password_problems(password, "jean.dupont@example.org", "Acme Corp")
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("password", ["river bicycle lantern", "Xq9#vT2$pLm7a", "mountain lake 1987"])
def test_good_passwords_pass(app, password):
    with app.test_request_context():
        assert password_problems(password, "jean.dupont@example.org", "Acme Corp") == []


def test_the_shipped_list_is_large_and_lower_case():
    words = common_passwords()
    assert len(words) > 30000 and "iloveyou" in words and "motdepasse" in words
    assert all(w == w.lower() for w in words)


def test_the_form_states_the_rule(client):
    assert "At least 12 characters, and not a common or leaked password" in client.get("/auth/register").text


def test_an_unverified_organisation_is_told_what_verification_is_and_how_long_it_takes(client, login, app, f):
    agency = f.Agency(verified=False)
    login(f.member(agency, "owner"))
    page = client.get("/dashboard").text
    assert "checks that your organisation exists" in page and "usually takes 2 working days" in page
    app.config["VERIFICATION_DAYS"], saved = 5, app.config["VERIFICATION_DAYS"]
    try:
        draft = f.Challenge(agency=agency, status="draft", published_at=None)
        refused = client.post(f"/challenges/{draft.slug}/publish")
    finally:
        app.config["VERIFICATION_DAYS"] = saved
    assert refused.status_code == 409
    assert "must be verified" in refused.text and "usually takes 5 working days" in refused.text
