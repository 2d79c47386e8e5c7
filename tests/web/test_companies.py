"""Company profiles and showcase, following challenges, and the dashboards."""
import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Follow, Question, Solution
from marketplace.services.errors import ValidationFailed
from marketplace.services.organisations import companies
PROFILE = {"name": "Leak Sensors BV", "size": "small", "website": "leaksensors.be", "registration_number": "0123",
           "sectors": ["65", "38"], "capability_statement": "We find leaks in water pipes.",
           "keywords": "water, leaks"}


@pytest.fixture
def member(f):
    return f.member(f.Company(), "member")


def test_a_member_edits_the_profile_and_the_public_sees_it(client, login, member):
    login(member)
    assert client.get("/account/profile").status_code == 200
    assert client.post("/account/profile", data=PROFILE).status_code == 302
    organisation = member.organisation
    assert organisation.website == "https://leaksensors.be" and companies.sectors_of(organisation) == ["38", "65"]
    page = client.get(f"/companies/{organisation.slug}").text
    assert "We find leaks in water pipes." in page and "65 – " in page


@pytest.mark.parametrize("field,value", [("website", "javascript:alert(1)"), ("sectors", ["99"]),
                                         ("capability_statement", "x" * 5001), ("size", "huge"), ("name", "")])
def test_bad_profile_values_are_refused(client, login, member, field, value):
    login(member)
    response = client.post("/account/profile", data=dict(PROFILE, **{field: value}))
    assert response.status_code == 422 and "There is a problem" in response.text
    db.session.refresh(member.organisation)
    assert member.organisation.capability_statement != PROFILE["capability_statement"]


def test_a_company_gives_its_address_with_its_profile_and_the_api_shows_it(client, login, member):
    login(member)
    assert 'autocomplete="postal-code"' in client.get("/account/profile").text
    # No country chosen, and a registration number ("0123") of no known register: no default to take.
    no_country = client.post("/account/profile", data=dict(PROFILE, street_address="Keizersgracht 1",
                                                           postal_code="1015cj", locality="Amsterdam", country=""))
    assert no_country.status_code == 422 and "Choose a country from the list." in no_country.text
    assert 'value="1015cj"' in no_country.text
    assert client.post("/account/profile", data=dict(PROFILE, street_address="Keizersgracht 1", postal_code="1015cj",
                                                     locality="Amsterdam", country="NL")).status_code == 302
    member.organisation.verified = True
    db.session.commit()
    body = client.get(f"/api/v1/organisations/{member.organisation.slug}").get_json()
    assert body["address"] == {"street_address": "Keizersgracht 1", "postal_code": "1015 CJ", "locality": "Amsterdam",
                               "country": "NL"}


def test_hostile_text_is_shown_as_text(client, login, member):
    login(member)
    client.post("/account/profile", data=dict(PROFILE, capability_statement="<script>alert(1)</script>"))
    page = client.get(f"/companies/{member.organisation.slug}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_agencies_have_no_company_profile_to_edit(client, login, f):
    login(f.member(f.Agency(), "owner"))
    assert client.get("/account/profile").status_code == 404
    assert client.post("/account/profile", data=PROFILE).status_code == 404


def test_showcase_add_and_remove_only_ones_own(client, login, member, f):
    login(member)
    assert client.post("/account/profile/solutions", data={"title": "LeakFinder", "description": "Finds leaks.",
                                                           "url": "ftp://x"}).status_code == 422
    assert client.post("/account/profile/solutions", data={"title": "LeakFinder",
                                                           "description": "Finds leaks."}).status_code == 302
    solution = db.session.scalars(select(Solution)).one()
    login(f.member(f.Company(), "owner"))
    assert client.post(f"/account/profile/solutions/{solution.id}/remove").status_code == 404
    login(member)
    assert client.post(f"/account/profile/solutions/{solution.id}/remove").status_code == 302
    assert db.session.query(Solution).count() == 0


def test_follow_and_unfollow(client, login, member, f):
    challenge = f.Challenge()
    login(member)
    assert client.post(f"/challenges/{challenge.slug}/follow").status_code == 302
    assert client.post(f"/challenges/{challenge.slug}/follow").status_code == 302
    assert db.session.query(Follow).count() == 1
    assert "Your company follows this challenge." in client.get(f"/challenges/{challenge.slug}").text
    assert [u.id for u in companies.followers_of(challenge)] == [member.id]
    client.post(f"/challenges/{challenge.slug}/unfollow")
    assert db.session.query(Follow).count() == 0


def test_agencies_cannot_follow_and_drafts_are_not_found(client, login, f):
    challenge = f.Challenge()
    draft = f.Challenge(status="draft")
    login(f.member(f.Agency(), "owner"))
    assert client.post(f"/challenges/{challenge.slug}/follow").status_code == 403
    login(f.member(f.Company(), "owner"))
    assert client.post(f"/challenges/{draft.slug}/follow").status_code == 404
    assert client.post("/challenges/nope/follow").status_code == 404


def test_the_publisher_dashboard_counts_pitches_and_questions(client, login, f):
    challenge = f.Challenge(title="Cleaner air in schools")
    other = f.Challenge(title="Someone else's challenge")
    f.Pitch(challenge=challenge, status="submitted")
    f.Pitch(challenge=challenge, status="draft")
    f.Pitch(challenge=other, status="submitted")
    db.session.add_all([Question(challenge_id=challenge.id, body="Q1"),
                        Question(challenge_id=challenge.id, body="Q2", answer="A2")])
    db.session.commit()
    login(f.member(challenge.agency, "publisher"))
    page = client.get("/dashboard").text
    assert "Cleaner air in schools" in page and "Someone else" not in page
    table = page.split("Your agency’s challenges", 1)[1]  # after the work list, which names the challenge too
    row = table.split("Cleaner air in schools", 1)[1].split("</tr>", 1)[0]
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[-3:]] == ["1", "1", "1"]


def test_the_company_dashboard_shows_its_pitches_and_follows(client, login, member, f):
    mine = f.Pitch(company=member.organisation, title="Our sensor pitch")
    f.Pitch(title="A rival's pitch")
    followed = f.Challenge(title="Followed challenge")
    companies.follow(member, followed.slug)
    login(member)
    page = client.get("/dashboard").text
    assert "Our sensor pitch" in page and "A rival" not in page and "Followed challenge" in page
    assert mine.challenge.title in page


def test_anonymous_dashboard_goes_to_sign_in(client):
    assert client.get("/dashboard").status_code == 302


def test_both_dashboards_list_their_pilots(client, login, f):
    from datetime import date, timedelta

    from marketplace.services.pilots import pilots
    challenge = f.Challenge(status="evaluating")
    pitch = f.Pitch(challenge=challenge, status="selected", title="Pilot-worthy pitch")
    officer = f.member(challenge.agency, "procurement_officer")
    pilots.start_pilot(officer, pitch.id, budget="1000", starts_on=date.today(),
                       ends_on=date.today() + timedelta(days=9), owner_id=officer.id)
    for user in (officer, f.member(pitch.company, "member")):
        login(user)
        assert "Pilot-worthy pitch" in client.get("/dashboard").text
    login(f.member(f.Company(), "owner"))
    assert "Pilot-worthy pitch" not in client.get("/dashboard").text


def test_a_showcased_solution_is_edited_refusals_keep_what_was_typed_and_only_ones_own(client, login, member, f):
    login(member)
    client.post("/account/profile/solutions", data={"title": "LeakFinder", "description": "Finds leaks."})
    solution = db.session.scalars(select(Solution)).one()
    profile = client.get("/account/profile").text
    assert f'href="/account/profile/solutions/{solution.id}/edit"' in profile
    form = client.get(f"/account/profile/solutions/{solution.id}/edit")
    assert form.status_code == 200 and 'value="LeakFinder"' in form.text and "Finds leaks." in form.text

    refused = client.post(f"/account/profile/solutions/{solution.id}/edit",
                          data={"title": "LeakFinder Pro", "description": "", "url": "ftp://x"})
    assert refused.status_code == 422 and "Describe the solution." in refused.text
    assert 'value="LeakFinder Pro"' in refused.text and 'value="ftp://x"' in refused.text
    db.session.refresh(solution)
    assert solution.title == "LeakFinder"

    saved = client.post(f"/account/profile/solutions/{solution.id}/edit",
                        data={"title": "LeakFinder Pro", "description": "Finds leaks sooner.", "url": "leak.example.be"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/account/profile#solutions")
    db.session.refresh(solution)
    assert (solution.title, solution.description, solution.url) == (
        "LeakFinder Pro", "Finds leaks sooner.", "https://leak.example.be")
    public = client.get(f"/companies/{member.organisation.slug}").text
    assert "LeakFinder Pro" in public and "Finds leaks sooner." in public

    login(f.member(f.Company(), "owner"))
    assert client.get(f"/account/profile/solutions/{solution.id}/edit").status_code == 404
    assert client.post(f"/account/profile/solutions/{solution.id}/edit",
                       data={"title": "Mine", "description": "Mine."}).status_code == 404
    db.session.refresh(solution)
    assert solution.title == "LeakFinder Pro"


def test_unknown_sectors_are_refused_by_name_and_nothing_changes(app, member):
    sectors = ["72", "99", "72", "7" * 40]
    with pytest.raises(ValidationFailed) as refused:
        companies.update_profile(member, dict(PROFILE, sectors=sectors))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(refused.value.errors["sectors"][0]) == (
            "There are no sectors 99, 777777777777…: choose sectors from the list.")
    db.session.rollback()
    assert companies.sectors_of(member.organisation) == [] and member.organisation.name != PROFILE["name"]
