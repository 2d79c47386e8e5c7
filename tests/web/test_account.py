"""Account pages: settings, password, team and invitations, four-eyes publishing; who may do what."""
import re

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, Invitation, Organisation, User
from marketplace.services.accounts import accounts
from tests.factories import PASSWORD

SETTINGS = {"name": "Ann Peeters", "locale": "nl", "timezone": "Europe/Amsterdam", "notification_preference": "daily"}


@pytest.mark.parametrize("method,path", [
    ("get", "/account"), ("post", "/account"), ("post", "/account/password"), ("get", "/account/team"),
    ("post", "/account/team"), ("post", "/account/team/invitations/1/revoke"),
    ("post", "/account/organisation/four-eyes"),
])
def test_anonymous_people_are_sent_to_sign_in(client, method, path):
    response = getattr(client, method)(path, data={"email": "x@example.org", "role": "member"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert db.session.query(Invitation).count() == 0


def test_settings_page_shows_the_current_values(client, login, f):
    login(f.member(f.Company(), "owner", name="Ann <b>Peeters</b>"))
    page = client.get("/account")
    assert page.status_code == 200
    assert "Ann &lt;b&gt;Peeters&lt;/b&gt;" in page.text and "<b>Peeters" not in page.text


@pytest.mark.parametrize("field,value", [
    ("name", ""), ("name", "n" * 121), ("name", "x" * 100_000), ("locale", "../../etc"),
    ("timezone", "../../../etc/passwd"), ("timezone", "Europe/Atlantis"), ("notification_preference", "hourly"),
    ("notification_preference", "'; DROP TABLE users;--"),
])
def test_bad_settings_are_explained_and_nothing_changes(client, login, f, field, value):
    user = login(f.member(f.Company(), "owner", name="Before"))
    response = client.post("/account", data=dict(SETTINGS, **{field: value}))
    assert response.status_code == 422 and "Error:" in response.text
    db.session.refresh(user)
    assert user.name == "Before" and user.notification_preference != "daily"


def test_hostile_but_valid_names_are_saved_as_text(client, login, f):
    user = login(f.member(f.Company(), "owner"))
    name = "<script>alert('x')</script> 🚀"
    assert client.post("/account", data=dict(SETTINGS, name=name)).status_code == 302
    db.session.refresh(user)
    assert user.name == name
    assert "<script>alert" not in client.get("/account").text


def test_a_password_change_needs_a_followable_new_password(client, login, f):
    user = login(f.member(f.Company(), "owner"))
    weak = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422 and "at least 12 characters" in weak.text
    missing = client.post("/account/password", data={})
    assert missing.status_code == 422
    db.session.refresh(user)
    assert accounts.authenticate(user.email, PASSWORD) == user


def test_the_team_page_lists_members_and_open_invitations(client, login, f):
    agency = f.Agency()
    owner = f.member(agency, "owner", name="Olga Owner")
    f.member(agency, "publisher", name="Piet Publisher")
    accounts.invite(owner, email="eva@agency.example", role="evaluator")
    accounts.revoke_invitation(owner, accounts.invite(owner, email="gone@agency.example", role="evaluator").id)
    login(owner)
    page = client.get("/account/team").text
    assert "Olga Owner" in page and "Piet Publisher" in page and "eva@agency.example" in page
    assert "gone@agency.example" not in page
    assert "Invite a colleague" in page


def test_an_unconfirmed_owner_is_told_before_inviting_not_by_a_refusal(client, login, f):
    owner = f.member(f.Company(), "owner", email_confirmed_at=None)
    login(owner)
    page = client.get("/account/team").text
    assert "You can invite colleagues once your email address is confirmed." in page
    assert "Send invitation" not in page


def test_a_member_sees_the_team_but_cannot_invite_or_revoke(client, login, f):
    agency = f.Agency()
    owner = f.member(agency, "owner")
    invitation = accounts.invite(owner, email="eva@agency.example", role="evaluator")
    login(f.member(agency, "publisher"))
    page = client.get("/account/team")
    assert page.status_code == 200 and "Invite a colleague" not in page.text
    assert client.post("/account/team", data={"email": "x@agency.example", "role": "evaluator"}).status_code == 403
    assert client.post(f"/account/team/invitations/{invitation.id}/revoke").status_code == 404
    db.session.refresh(invitation)
    assert invitation.is_open and db.session.query(Invitation).count() == 1


@pytest.mark.parametrize("data", [
    {"email": "", "role": "evaluator"},
    {"email": "not-an-address", "role": "evaluator"},
    {"email": "<script>@x.org", "role": "evaluator"},
    {"email": "a" * 300 + "@example.org", "role": "evaluator"},
    {"email": "eva@agency.example", "role": "admin"},
    {"email": "eva@agency.example", "role": "member"},
    {"email": "eva@agency.example"},
])
def test_bad_invitations_are_explained_and_nothing_is_sent(client, login, f, data):
    login(f.member(f.Agency(), "owner"))
    response = client.post("/account/team", data=data)
    assert response.status_code == 422 and "Error:" in response.text
    assert db.session.query(Invitation).count() == 0


def test_inviting_the_same_person_twice_is_a_clear_conflict(client, login, f):
    owner = login(f.member(f.Company(), "owner"))
    assert client.post("/account/team", data={"email": "c@company.example", "role": "member"}).status_code == 302
    again = client.post("/account/team", data={"email": "c@company.example", "role": "member"})
    assert again.status_code == 409 and "already been invited" in again.text
    assert db.session.query(Invitation).count() == 1
    assert owner.organisation.kind == "company"


def test_four_eyes_is_set_by_the_agency_owner_only(client, login, f):
    agency = f.Agency()
    owner = f.member(agency, "owner")
    login(f.member(agency, "publisher"))
    assert client.post("/account/organisation/four-eyes", data={"four_eyes_publishing": "y"}).status_code == 403
    db.session.refresh(agency)
    assert agency.four_eyes_publishing is False
    login(owner)
    assert client.post("/account/organisation/four-eyes", data={"four_eyes_publishing": "y"}).status_code == 302
    db.session.refresh(agency)
    assert agency.four_eyes_publishing is True
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "organisation.four_eyes_changed")) is not None
    login(f.member(f.Company(), "owner"))
    assert client.post("/account/organisation/four-eyes", data={"four_eyes_publishing": "y"}).status_code == 404


def test_posts_without_a_csrf_token_are_refused(app, client, login, f):
    owner = login(f.member(f.Agency(), "owner", name="Before"))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/account", data=SETTINGS).status_code == 400
        assert client.post("/account/team", data={"email": "e@agency.example", "role": "evaluator"}).status_code == 400
        assert client.post("/account/organisation/four-eyes", data={"four_eyes_publishing": "y"}).status_code == 400
        assert client.post("/auth/logout").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.refresh(owner)
    assert owner.name == "Before" and db.session.query(Invitation).count() == 0
    assert db.session.get(Organisation, owner.organisation.id).four_eyes_publishing is False
    assert db.session.query(User).count() == 1


def test_the_invite_endpoint_sends_an_invitation_for_the_owner_only(client, login, f):
    agency = f.Agency()
    owner = f.member(agency, "owner")
    login(f.member(agency, "evaluator"))
    assert client.post("/account/team/invite", data={"email": "e@agency.example", "role": "evaluator"}).status_code == 403
    login(owner)
    assert 'action="/account/team/invite"' in client.get("/account/team").text
    bad = client.post("/account/team/invite", data={"email": "<script>", "role": "evaluator"})
    assert bad.status_code == 422 and db.session.query(Invitation).count() == 0
    ok = client.post("/account/team/invite", data={"email": "e@agency.example", "role": "procurement_officer"})
    assert ok.status_code == 302
    assert db.session.scalars(select(Invitation.role)).all() == ["procurement_officer"]


def test_the_organisation_page_renames_and_sets_four_eyes(client, login, f):
    agency = f.Agency(name="Old name", slug="old-name")
    owner = f.member(agency, "owner")
    for role in ("publisher", "evaluator"):
        login(f.member(agency, role))
        assert client.get("/account/organisation").status_code == 403
        assert client.post("/account/organisation", data={"name": "Hijacked"}).status_code == 403
    login(owner)
    assert "Old name" in client.get("/account/organisation").text
    for name in ("", "x" * 201, "x" * 100_000):
        assert client.post("/account/organisation", data={"name": name}).status_code == 422
    ok = client.post("/account/organisation", data={"name": "<b>New</b> name", "four_eyes_publishing": "y"})
    assert ok.status_code == 302
    db.session.refresh(agency)
    assert (agency.name, agency.slug, agency.four_eyes_publishing) == ("<b>New</b> name", "old-name", True)
    assert "&lt;b&gt;New&lt;/b&gt; name" in client.get("/account/organisation").text
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "organisation.updated")).one()
    assert event.before["name"] == "Old name" and event.after["four_eyes_publishing"] is True


def test_an_agency_gives_its_postal_address_refused_with_what_was_typed_kept(client, login, f):
    agency = f.Agency(name="Water Board")
    login(f.member(agency, "owner"))
    page = client.get("/account/organisation").text
    for autocomplete in ("street-address", "postal-code", "address-level2", "country"):
        assert f'autocomplete="{autocomplete}"' in page
    assert '<option selected value="BE">Belgium</option>' in page  # the default country, chosen already
    typed = {"name": "Water Board", "street_address": "Rue Haute 12", "postal_code": "10000", "locality": "Bruxelles",
             "country": "BE"}
    bad = client.post("/account/organisation", data=typed)
    assert bad.status_code == 422 and "Enter a Belgian postal code: 4 digits, for example 1000." in bad.text
    assert 'value="Rue Haute 12"' in bad.text and 'value="10000"' in bad.text and 'value="Bruxelles"' in bad.text
    assert client.post("/account/organisation", data={**typed, "postal_code": "1000"}).status_code == 302
    db.session.refresh(agency)
    assert (agency.street_address, agency.postal_code, agency.locality, agency.country) == (
        "Rue Haute 12", "1000", "Bruxelles", "BE")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "organisation.updated")).one()
    assert event.before["postal_code"] is None and event.after["postal_code"] == "1000"
    french = client.get("/account/organisation", headers={"Accept-Language": "fr"}).text
    assert '<option selected value="BE">Belgique</option>' in french


def test_a_company_owner_renames_without_a_four_eyes_setting(client, login, f):
    company = f.Company(name="Sensors BV")
    login(f.member(company, "owner"))
    page = client.get("/account/organisation").text
    assert "four_eyes_publishing" not in page and "street_address" not in page  # with its profile
    assert client.post("/account/organisation", data={"name": "Sensors NV", "four_eyes_publishing": "y"}
                       ).status_code == 302
    db.session.refresh(company)
    assert company.name == "Sensors NV" and company.four_eyes_publishing is False


def test_the_saved_message_speaks_the_language_just_chosen(client, login, f):
    # The message is written after the save, so that someone switching from French to Dutch reads it in Dutch.
    login(f.member(f.Company(), "owner", locale="fr"))
    page = client.post("/account", data={**SETTINGS, "locale": "nl"}, follow_redirects=True)
    assert "Uw instellingen zijn opgeslagen." in page.text and "Vos paramètres" not in page.text


def test_time_zones_are_named_in_the_readers_language_and_saved_as_identifiers(client, login, f):
    user = login(f.member(f.Company(), "owner", locale="fr", timezone="Europe/Kiev"))  # an old name of Kyiv's zone
    page = client.get("/account").text
    pairs = re.findall(r'<option(?: selected)? value="([^"]*)">([^<]*)</option>', page)
    options, labels = dict(pairs), [label for _value, label in pairs]
    assert options["Europe/Brussels"] == "Belgique – Bruxelles"
    assert options["America/Argentina/Buenos_Aires"] == "Argentine – Buenos Aires"
    assert not [label for label in options.values() if "/" in label]  # no identifier shown as a name
    assert re.search(r'<option selected value="Europe/Kyiv">Ukraine – Kiev</option>', page)
    names = labels[labels.index("UTC") + 1:]  # after the usual ones, every other by its French name
    assert names.index("Argentine – Buenos Aires") < names.index("États-Unis – New York") < names.index("Inde – Calcutta")
    assert client.post("/account", data={**SETTINGS, "locale": "fr", "timezone": "America/Argentina/Buenos_Aires"}
                       ).status_code == 302
    db.session.refresh(user)
    assert user.timezone == "America/Argentina/Buenos_Aires"
    assert '<option selected value="America/Argentina/Buenos_Aires">' in client.get("/account").text
