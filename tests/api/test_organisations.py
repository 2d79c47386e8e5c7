"""Organisations through the API: agencies and verified companies, public fields only."""
import pytest

from marketplace.extensions import db

from .conftest import assert_problem


def test_agencies_and_verified_companies_are_listed_with_public_fields_only(client, f):
    f.Agency(name="A Water Board", verified=False)
    f.Company(name="B Verified Sensors", registration_number="BE0123456789", website="https://sensors.example")
    f.Company(name="C Unverified Startup", verified=False)
    f.Company(name="D Suspended Spam", suspended=True)
    body = client.get("/api/v1/organisations").get_json()
    assert [o["name"] for o in body["items"]] == ["A Water Board", "B Verified Sensors"]
    assert "BE0123456789" not in str(body) and "registration_number" not in body["items"][1]
    assert body["items"][1]["website"] == "https://sensors.example" and body["items"][1]["address"] is None
    only_companies = client.get("/api/v1/organisations?kind=company").get_json()
    assert [o["name"] for o in only_companies["items"]] == ["B Verified Sensors"]


def test_one_organisation_by_slug_and_the_unlisted_are_not_found(client, f):
    company = f.Company(name="Verified Sensors")
    f.set_sectors(company, ["72"])
    body = client.get(f"/api/v1/organisations/{company.slug}").get_json()
    assert (body["name"], body["kind"], body["sectors"], body["size"]) == ("Verified Sensors", "company", ["72"],
                                                                          "small")
    for hidden in (f.Company(verified=False), f.Company(suspended=True)):
        assert_problem(client.get(f"/api/v1/organisations/{hidden.slug}"), 404)


def test_me_tells_who_a_token_acts_for(client, bearer, f):
    agency = f.Agency(name="Water Board")
    user = f.member(agency, "publisher", name="Pat Publisher")
    body = client.get("/api/v1/me", headers=bearer(user)).get_json()
    assert body == {"name": "Pat Publisher", "email": user.email, "role": "publisher", "is_admin": False,
                    "organisation": {"slug": agency.slug, "name": "Water Board"}}


VIEWERS = ("anonymous", "its member", "another company", "agency staff", "admin")


@pytest.mark.parametrize("standing,readers", [
    ("verified", VIEWERS),
    ("unverified", ("its member", "agency staff", "admin")),  # who meet it before Agora has checked it
    ("suspended", ()),
])
def test_a_company_profile_is_read_on_its_page_and_in_the_api_by_the_same_rule(client, login, bearer, f, standing,
                                                                               readers):
    company = f.Company(verified=standing == "verified")
    people = {"anonymous": None, "its member": f.member(company, "member"),
              "another company": f.member(f.Company(), "owner"), "agency staff": f.member(f.Agency(), "evaluator"),
              "admin": f.admin()}
    company.suspended = standing == "suspended"  # after its member was made: a suspension ends their sessions
    db.session.commit()
    for viewer, person in people.items():  # the anonymous visitor first, before anyone signs in
        if person is not None and person.is_active:
            login(person)
        page = client.get(f"/companies/{company.slug}")
        api = client.get(f"/api/v1/organisations/{company.slug}",
                         headers=bearer(person) if person is not None and person.is_active else {})
        expected = 200 if viewer in readers else 404
        assert (page.status_code, api.status_code) == (expected, expected), (standing, viewer)
        assert ("Agora has not verified this company yet" in page.text) == (standing == "unverified"
                                                                            and viewer in readers)
