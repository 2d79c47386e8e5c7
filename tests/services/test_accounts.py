"""The accounts service: registration, sign-in, reset tokens, invitations, settings, verification."""
import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    EmailDelivery,
    Invitation,
    Membership,
    Organisation,
    OutboxEvent,
    User,
)
from marketplace.services.accounts import accounts
from marketplace.services import permissions
from marketplace.services.challenges.challenges import publish_challenge
from marketplace.services.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from marketplace.services.messaging.outbox import process_pending
from tests.factories import PASSWORD

NEW_PASSWORD = "a long new passphrase"


def _register(kind="agency", **overrides):
    fields = {"kind": kind, "organisation_name": "Waterschap Rivierland", "name": "Ann Peeters",
                  "email": "ann@example.org", "password": "river bicycle lantern", "company_size": None}
    fields.update(overrides)
    return accounts.register(**fields)


def _actions():
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


@pytest.mark.parametrize("kind,size", [("agency", None), ("company", "micro")])
def test_registering_creates_an_unverified_organisation_and_its_owner(kind, size):
    user = _register(kind=kind, company_size=size, email="Ann@Example.ORG")
    organisation = user.organisation
    assert organisation.kind == kind and organisation.verified is False
    assert organisation.slug == "waterschap-rivierland"
    assert user.membership.role == "owner" and user.email == "ann@example.org"
    assert user.password_hash.startswith("$argon2")
    assert "organisation.registered" in _actions()


def test_two_organisations_with_the_same_name_get_different_slugs():
    first = _register(email="a@example.org").organisation
    second = _register(email="b@example.org").organisation
    assert first.slug != second.slug


def test_registering_a_taken_address_creates_nothing_and_emails_the_owner(f):
    f.member(f.Company(), "owner", email="ann@example.org")
    assert _register(email="ANN@example.org") is None
    assert db.session.query(User).count() == 1 and db.session.query(Organisation).count() == 1
    assert db.session.scalars(select(OutboxEvent.topic)).all() == ["user.registration_attempted"]


@pytest.mark.parametrize("overrides,field", [
    ({"kind": "government"}, "kind"),
    ({"organisation_name": "  "}, "organisation_name"),
    ({"organisation_name": "x" * 201}, "organisation_name"),
    ({"name": ""}, "name"),
    ({"name": "n" * 121}, "name"),
    ({"email": "not an address"}, "email"),
    ({"email": "<script>@x"}, "email"),
    ({"password": "short"}, "password"),
    ({"password": "password123"}, "password"),
    ({"password": "ann@example.org"}, "password"),
    ({"kind": "company", "company_size": "enormous"}, "company_size"),
])
def test_registration_rules_name_the_field_and_write_nothing(overrides, field):
    with pytest.raises(ValidationFailed) as raised:
        _register(**overrides)
    assert field in raised.value.errors
    assert db.session.query(User).count() == 0 and db.session.query(Organisation).count() == 0


def test_hostile_names_are_stored_as_text():
    user = _register(organisation_name="<script>alert(1)</script>'; DROP TABLE users;--", name="Robert 🚀")
    assert user.organisation.name.startswith("<script>") and user.name == "Robert 🚀"
    assert "/" not in user.organisation.slug and "<" not in user.organisation.slug


def test_authenticate_gives_one_answer_for_every_failure(f):
    user = f.member(f.Company(), "owner")
    assert accounts.authenticate(user.email.upper(), PASSWORD) == user
    assert user.last_login_at is not None
    for email, password in [(user.email, "wrong password"), ("nobody@example.org", PASSWORD), ("", "")]:
        with pytest.raises(accounts.SignInFailed):
            accounts.authenticate(email, password)
    suspended_person = f.member(f.Company(), "owner", is_suspended=True)
    suspended_org = f.member(f.Company(suspended=True), "owner")
    for person in (suspended_person, suspended_org):
        with pytest.raises(accounts.SignInFailed):
            accounts.authenticate(person.email, PASSWORD)


def test_a_reset_request_records_an_outbox_event_only_for_known_addresses(f):
    user = f.member(f.Company(), "owner")
    assert accounts.request_password_reset("nobody@example.org") is None
    assert db.session.query(OutboxEvent).count() == 0
    accounts.request_password_reset(user.email.upper())
    event = db.session.scalars(select(OutboxEvent)).one()
    assert event.topic == "user.password_reset_requested" and event.payload["user_id"] == user.id
    with pytest.raises(ValidationFailed):
        accounts.request_password_reset("../../etc/passwd")


def test_a_reset_token_works_once(f):
    user = f.member(f.Company(), "owner")
    versions = user.session_version
    token = accounts.password_reset_token(user)
    assert accounts.user_for_reset_token(token) == user
    with pytest.raises(ValidationFailed):
        accounts.reset_password(token, "short")
    accounts.reset_password(token, NEW_PASSWORD)
    assert accounts.authenticate(user.email, NEW_PASSWORD) == user
    assert user.session_version == versions + 1
    with pytest.raises(InvalidTransition, match="already been used"):
        accounts.reset_password(token, "yet another passphrase")


def test_a_tampered_or_foreign_token_is_not_found(f, app):
    user = f.member(f.Company(), "owner")
    token = accounts.password_reset_token(user)
    for bad in (token[:-2] + "xx", "", "../../etc/passwd", accounts.invitation_token(
            accounts.invite(user, email="x@company.example", role="member"))):
        with pytest.raises(NotFound):
            accounts.user_for_reset_token(bad)


def test_an_expired_reset_token_is_refused(f, app, monkeypatch):
    user = f.member(f.Company(), "owner")
    token = accounts.password_reset_token(user)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    with pytest.raises(InvalidTransition, match="expired"):
        accounts.reset_password(token, NEW_PASSWORD)


def test_changing_the_password_checks_the_current_one_and_ends_other_sessions(f):
    user = f.member(f.Company(), "owner")
    version = user.session_version
    with pytest.raises(ValidationFailed) as raised:
        accounts.change_password(user, "wrong", NEW_PASSWORD)
    assert "current_password" in raised.value.errors
    with pytest.raises(ValidationFailed) as raised:
        accounts.change_password(user, PASSWORD, "short")
    assert "new_password" in raised.value.errors
    accounts.change_password(user, PASSWORD, NEW_PASSWORD)
    assert user.session_version == version + 1 and "user.password_changed" in _actions()


def test_settings_are_validated_and_recorded(f):
    user = f.member(f.Company(), "owner")
    bad = {"name": "x" * 121, "locale": "xx", "timezone": "Mars/Olympus", "notification_preference": "hourly"}
    with pytest.raises(ValidationFailed) as raised:
        accounts.update_settings(user, **bad)
    assert set(raised.value.errors) == set(bad)
    with pytest.raises(ValidationFailed):
        accounts.update_settings(user, name="Ann", locale="", timezone="../../etc/passwd",
                                 notification_preference="off")
    accounts.update_settings(user, name=" Ann ", locale="nl", timezone="Europe/Brussels",
                             notification_preference="daily")
    assert (user.name, user.locale, user.timezone, user.notification_preference) == (
        "Ann", "nl", "Europe/Brussels", "daily")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.settings_changed")).one()
    assert event.after["timezone"] == "Europe/Brussels"


@pytest.mark.parametrize("kind,good,bad", [("agency", "evaluator", "member"), ("company", "member", "publisher")])
def test_invitations_take_a_role_of_the_organisation_kind(f, kind, good, bad):
    organisation = f.Agency() if kind == "agency" else f.Company()
    owner = f.member(organisation, "owner")
    with pytest.raises(ValidationFailed) as raised:
        accounts.invite(owner, email="new@example.org", role=bad)
    assert "role" in raised.value.errors
    invitation = accounts.invite(owner, email="New@Example.org", role=good)
    assert invitation.email == "new@example.org" and invitation.is_open
    event = db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "invitation.created")).one()
    assert event.payload["object_id"] == invitation.id
    with pytest.raises(Conflict):
        accounts.invite(owner, email="new@example.org", role=good)


def test_only_the_owner_invites(f):
    agency = f.Agency()
    f.member(agency, "owner")
    for role in ("publisher", "evaluator"):
        with pytest.raises((NotAllowed, NotFound)):
            accounts.invite(f.member(agency, role), email="new@example.org", role="evaluator")
    assert db.session.query(Invitation).count() == 0


def test_an_existing_account_cannot_be_invited(f):
    owner = f.member(f.Company(), "owner")
    other = f.member(f.Company(), "owner")
    with pytest.raises(ValidationFailed):
        accounts.invite(owner, email=other.email, role="member")


def test_accepting_an_invitation_creates_the_member(f):
    agency = f.Agency()
    owner = f.member(agency, "owner")
    token = accounts.invitation_token(accounts.invite(owner, email="eva@agency.example", role="evaluator"))
    with pytest.raises(ValidationFailed) as raised:
        accounts.accept_invitation(token, name="", password="short")
    assert set(raised.value.errors) == {"name", "password"}
    user = accounts.accept_invitation(token, name="Eva", password="evaluating all day")
    assert user.organisation == agency and user.membership.role == "evaluator"
    assert "invitation.accepted" in _actions()
    with pytest.raises(InvalidTransition):
        accounts.accept_invitation(token, name="Eva again", password="evaluating all day")


def test_revoked_expired_and_tampered_invitations_are_refused(f, app, monkeypatch):
    owner = f.member(f.Company(), "owner")
    invitation = accounts.invite(owner, email="late@company.example", role="member")
    token = accounts.invitation_token(invitation)
    with pytest.raises(NotFound):
        accounts.accept_invitation(token[:-3] + "abc", name="X", password="long enough passphrase")
    monkeypatch.setitem(app.config, "INVITATION_MAX_AGE", -1)
    with pytest.raises(InvalidTransition, match="expired"):
        accounts.accept_invitation(token, name="X", password="long enough passphrase")
    monkeypatch.undo()
    stranger = f.member(f.Company(), "owner")
    with pytest.raises(NotFound):
        accounts.revoke_invitation(stranger, invitation.id)
    accounts.revoke_invitation(owner, invitation.id)
    with pytest.raises(InvalidTransition):
        accounts.revoke_invitation(owner, invitation.id)
    with pytest.raises(InvalidTransition):
        accounts.accept_invitation(token, name="X", password="long enough passphrase")
    assert db.session.query(Membership).count() == 2


def test_four_eyes_is_the_agency_owners_setting(f):
    agency = f.Agency()
    owner = f.member(agency, "owner")
    with pytest.raises((NotAllowed, NotFound)):
        accounts.set_four_eyes(f.member(agency, "publisher"), True)
    accounts.set_four_eyes(owner, True)
    assert agency.four_eyes_publishing is True and "organisation.four_eyes_changed" in _actions()
    with pytest.raises(NotFound):
        accounts.set_four_eyes(f.member(f.Company(), "owner"), True)


def test_only_an_admin_verifies_and_suspends(f):
    agency = f.Agency(verified=False)
    owner = f.member(agency, "owner")
    with pytest.raises((NotAllowed, NotFound)):
        accounts.verify_organisation(owner, agency.id)
    with pytest.raises((NotAllowed, NotFound)):
        accounts.suspend_organisation(owner, agency.id)
    admin = f.admin()
    assert [o.id for o in accounts.organisations_for_admin(admin, only_unverified=True)] == [agency.id]
    accounts.verify_organisation(admin, agency.id)
    assert agency.verified and agency.verified_at is not None
    assert accounts.organisations_for_admin(admin, only_unverified=True) == []
    accounts.suspend_organisation(admin, agency.id, reason="Fake agency")
    assert agency.suspended
    accounts.suspend_organisation(admin, agency.id, suspended=False)
    assert not agency.suspended
    assert _actions()[-3:] == ["organisation.verified", "organisation.suspended", "organisation.unsuspended"]
    with pytest.raises(NotFound):
        accounts.verify_organisation(admin, 999999)


def test_the_organisations_people_are_emailed_when_its_standing_changes(f):
    company = f.Company(verified=False)
    owner, colleague = f.member(company, "owner"), f.member(company, "member")
    f.member(f.Company(), "owner")  # someone elsewhere hears nothing
    admin = f.admin()
    accounts.verify_organisation(admin, company.id)
    accounts.suspend_organisation(admin, company.id, reason="Sent spam to agencies")
    accounts.suspend_organisation(admin, company.id, suspended=False)
    process_pending()
    process_pending()  # a second run sends nothing twice
    emails = db.session.scalars(select(EmailDelivery).where(EmailDelivery.dedupe_key.startswith(
        "organisation-standing:")).order_by(EmailDelivery.id)).all()
    assert sorted(e.to_address for e in emails) == sorted([owner.email, colleague.email] * 3)
    to_owner = [e.subject for e in emails if e.to_address == owner.email]
    assert to_owner == [f"{company.name} is verified on Agora", f"{company.name} is suspended on Agora",
                        f"{company.name} is no longer suspended on Agora"]
    assert "Reason given: Sent spam to agencies" in [e.body_text for e in emails if e.to_address == owner.email][1]


def test_a_suspension_needs_a_reason_and_lifting_it_does_not(f):
    company, admin = f.Company(), f.admin()
    for reason in (None, "   ", "x" * 501):
        with pytest.raises(ValidationFailed):
            accounts.suspend_organisation(admin, company.id, reason=reason)
    assert not company.suspended
    accounts.suspend_organisation(admin, company.id, reason="Fake company")
    accounts.suspend_organisation(admin, company.id, suspended=False)
    audit = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[-2:]
    assert audit[0].after["reason"] == "Fake company" and "reason" not in audit[1].after


def test_the_admins_organisation_list_is_bounded_and_searchable(f):
    admin = f.admin()
    waiting = f.Company(verified=False, name="Wachtend 100%_ Bedrijf")
    for number in range(3):
        f.Company(name=f"Bedrijf {number}")
    listed = accounts.organisations_for_admin(admin, limit=2)
    assert len(listed) == 2 and listed[0].id == waiting.id  # those waiting first
    assert [o.id for o in accounts.organisations_for_admin(admin, search=" 100%_ ")] == [waiting.id]
    assert accounts.organisations_for_admin(admin, search="100%x") == []  # % and _ are letters, not wildcards


def test_the_admins_organisation_search_folds_accents(f):
    admin = f.admin()
    liege, school = f.Agency(name="Ville de Liège"), f.Company(name="École du Numérique")
    f.Company(name="Lierre Logistics")
    assert [o.id for o in accounts.organisations_for_admin(admin, search="liege")] == [liege.id]
    assert [o.id for o in accounts.organisations_for_admin(admin, search="LIÈGE")] == [liege.id]
    assert [o.id for o in accounts.organisations_for_admin(admin, search="ecole du numerique")] == [school.id]
    assert [o.id for o in accounts.organisations_for_admin(admin, search="École", limit=1)] == [school.id]


def test_an_unverified_agency_cannot_publish(f):
    agency = f.Agency(verified=False)
    publisher = f.member(agency, "publisher")
    challenge = f.Challenge(agency=agency, status="draft")
    with pytest.raises(InvalidTransition, match="verified"):
        publish_challenge(publisher, challenge.slug)
    assert challenge.status == "draft"


def test_the_reset_and_invitation_emails_are_queued_once(f, smtp_sink):
    owner = f.member(f.Agency(), "owner")
    accounts.request_password_reset(owner.email)
    accounts.invite(owner, email="eva@agency.example", role="evaluator")
    process_pending()
    process_pending()
    deliveries = db.session.scalars(select(EmailDelivery).order_by(EmailDelivery.id)).all()
    assert sorted(d.to_address for d in deliveries) == sorted([owner.email, "eva@agency.example"])
    reset = next(d for d in deliveries if d.to_address == owner.email)
    assert "/auth/reset/" in reset.body_text
    invitation = next(d for d in deliveries if d.to_address == "eva@agency.example")
    assert "/auth/invitation/" in invitation.body_text
    assert permissions.can(owner, "organisation.manage", owner.organisation)


def test_the_invitation_email_names_the_role_in_the_inviters_language(f, smtp_sink):
    owner = f.member(f.Company(), "owner")
    owner.locale = "nl"
    accounts.invite(owner, email="joris@company.example", role="member")
    process_pending()
    invitation = db.session.scalars(select(EmailDelivery)).one()
    assert "Uw rol: Lid." in invitation.body_text and "Uw rol: Lid." in invitation.body_html


def test_only_the_owner_updates_the_organisation(f):
    agency = f.Agency(name="Old", slug="old")
    owner = f.member(agency, "owner")
    with pytest.raises((NotAllowed, NotFound)):
        accounts.update_organisation(f.member(agency, "publisher"), name="Hijacked")
    with pytest.raises(ValidationFailed):
        accounts.update_organisation(owner, name=" ")
    assert agency.name == "Old"
    accounts.update_organisation(owner, name="New", four_eyes_publishing=True)
    assert (agency.name, agency.slug, agency.four_eyes_publishing) == ("New", "old", True)
    accounts.update_organisation(owner, name="New", four_eyes_publishing=True)
    assert _actions().count("organisation.updated") == 1  # no change, no event
