"""The agency's ranked list of matching companies, and inviting one to pitch."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Match, OutboxEvent
from marketplace.services.matching import matching


@pytest.fixture
def challenge(f):
    challenge = f.Challenge(title="Fewer missed hospital appointments", budget_max=Decimal("30000"),
                            problem_statement="Outpatient appointments are missed.")
    f.set_sectors(challenge, ["85"])
    return challenge


@pytest.fixture
def company(f):
    company = f.Company(name="Remindly", capability_statement="Outpatient appointment reminders by SMS.")
    f.set_sectors(company, ["85"])
    return company


def _invites():
    return db.session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.topic == "challenge.invitation_to_pitch_sent"))


@pytest.mark.parametrize("role", ["owner", "publisher", "procurement_officer"])
def test_agency_staff_see_ranked_companies_with_reasons(client, login, f, challenge, company, role):
    f.Company(name="Unrelated Ltd", capability_statement="Road works.")
    login(f.member(challenge.agency, role))
    response = client.get(f"/challenges/{challenge.slug}/matches")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Remindly" in page and "Unrelated Ltd" not in page
    assert "Works in sector 85 – Health and social work services" in page
    assert "Keywords in common:" in page and "appointment" in page
    assert "Invite to pitch" in page
    assert '<th scope="col">' in page


@pytest.mark.parametrize("who", ["anonymous", "company", "other_agency", "evaluator"])
def test_others_cannot_see_the_ranked_list(client, login, f, challenge, company, who):
    if who == "company":
        login(f.member(company, "owner"))
    elif who == "other_agency":
        login(f.member(f.Agency(), "publisher"))
    elif who == "evaluator":
        login(f.member(challenge.agency, "evaluator"))
    response = client.get(f"/challenges/{challenge.slug}/matches")
    if who == "anonymous":
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    else:
        assert response.status_code == 404
        assert "Remindly" not in response.get_data(as_text=True)


def test_unknown_and_draft_of_another_agency_are_not_found(client, login, f, challenge):
    login(f.member(f.Agency(), "publisher"))
    assert client.get("/challenges/no-such-challenge/matches").status_code == 404
    draft = f.Challenge(status="draft")
    assert client.get(f"/challenges/{draft.slug}/matches").status_code == 404


def test_publisher_invites_a_company_to_pitch(client, login, f, challenge, company):
    publisher = login(f.member(challenge.agency, "publisher"))
    response = client.post(f"/challenges/{challenge.slug}/matches/invite",
                           data={"organisation_id": str(company.id)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/challenges/{challenge.slug}/matches")
    match = db.session.scalar(select(Match))
    assert match.organisation_id == company.id and match.invited_by_id == publisher.id
    assert _invites() == 1
    page = client.get(f"/challenges/{challenge.slug}/matches").get_data(as_text=True)
    assert "has been invited to pitch" in page and "Invited " in page

    again = client.post(f"/challenges/{challenge.slug}/matches/invite", data={"organisation_id": str(company.id)},
                        follow_redirects=True)
    assert "already been invited" in again.get_data(as_text=True)
    assert _invites() == 1


@pytest.mark.parametrize("value", ["", "abc", "<script>alert(1)</script>", "1 OR 1=1", "../../etc/passwd",
                                   "9" * 40, "-1"])
def test_invite_rejects_hostile_or_missing_input(client, login, f, challenge, company, value):
    login(f.member(challenge.agency, "publisher"))
    response = client.post(f"/challenges/{challenge.slug}/matches/invite", data={"organisation_id": value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "<script>alert(1)</script>" not in page
    assert _invites() == 0


def test_invite_of_unknown_company_or_agency_is_not_found(client, login, f, challenge):
    login(f.member(challenge.agency, "publisher"))
    for target in ("999999", str(challenge.agency_id)):
        response = client.post(f"/challenges/{challenge.slug}/matches/invite", data={"organisation_id": target})
        assert response.status_code == 404
    assert _invites() == 0


@pytest.mark.parametrize("who", ["anonymous", "company", "other_agency", "evaluator"])
def test_invite_refused_to_others(client, login, f, challenge, company, who):
    if who == "company":
        login(f.member(company, "owner"))
    elif who == "other_agency":
        login(f.member(f.Agency(), "publisher"))
    elif who == "evaluator":
        login(f.member(challenge.agency, "evaluator"))
    response = client.post(f"/challenges/{challenge.slug}/matches/invite", data={"organisation_id": str(company.id)})
    assert response.status_code in (302, 404)
    if who == "anonymous":
        assert "/auth/login" in response.headers["Location"]
    else:
        assert response.status_code == 404
    assert _invites() == 0


def test_invite_when_closed_says_why(client, login, f, challenge, company):
    challenge.status = "closed"
    db.session.commit()
    login(f.member(challenge.agency, "publisher"))
    response = client.post(f"/challenges/{challenge.slug}/matches/invite",
                           data={"organisation_id": str(company.id)}, follow_redirects=True)
    assert "while the challenge is open for pitches" in response.get_data(as_text=True)
    assert _invites() == 0


def _render(app, template, **context):
    """Render as an anonymous visitor."""
    import flask_login
    from flask import render_template

    with app.test_request_context("/"):
        flask_login.logout_user()
        return render_template(template, **context)


def _page(user, challenge):
    """What the challenge page's view gives its template (services/challenges/page.py)."""
    from marketplace.services.challenges.page import challenge_page

    return challenge_page(user, challenge.slug)


def test_match_reasons_partial_for_a_company_member(app, f, challenge, company):
    import flask_login

    member = f.member(company, "member")
    with app.test_request_context("/"):
        flask_login.login_user(member)
        from flask import render_template

        html = render_template("challenges/_match_reasons.html", challenge=challenge, page=_page(member, challenge))
    assert "Why you were matched" in html
    assert "Works in sector 85" in html
    assert "Tune your company profile" in html


def test_match_reasons_partial_is_empty_for_others(app, f, challenge, company):
    import flask_login

    for user in (f.member(challenge.agency, "publisher"), f.member(f.Company(capability_statement="Roads."))):
        with app.test_request_context("/"):
            flask_login.login_user(user)
            from flask import render_template

            html = render_template("challenges/_match_reasons.html", challenge=challenge, page=_page(user, challenge))
        assert "Why you were matched" not in html
    from flask_login import AnonymousUserMixin

    assert "Why you were matched" not in _render(app, "challenges/_match_reasons.html", challenge=challenge,
                                                 page=_page(AnonymousUserMixin(), challenge))


def test_similar_partial_for_the_publisher_of_a_draft(app, f, challenge):
    import flask_login

    draft = f.Challenge(title="Missed appointments in our clinics", status="draft",
                        problem_statement="Outpatient appointments are missed.")
    f.set_sectors(draft, ["85"])
    f.Pitch(challenge=challenge, title="Two-way SMS reminders", status="selected")
    publisher = f.member(draft.agency, "publisher")
    with app.test_request_context("/"):
        flask_login.login_user(publisher)
        from flask import render_template

        html = render_template("challenges/_similar.html", challenge=draft,
                               similar=matching.similar_for_editor(publisher, draft))
    assert "Similar challenges of other agencies" in html
    assert challenge.title in html and "Two-way SMS reminders" in html
    from flask_login import AnonymousUserMixin

    assert "Similar challenges" not in _render(app, "challenges/_similar.html", challenge=draft,
                                               similar=matching.similar_for_editor(AnonymousUserMixin(), draft))


@pytest.mark.parametrize("status,said", [
    ("cancelled", "A cancelled challenge is not matched with companies any more."),
    ("draft", "Companies are matched with the challenge once it is published."),
    ("published", "Adding sectors and clear words to the problem statement helps companies find it."),
])
def test_an_empty_list_says_why_for_the_state_of_the_challenge(client, login, f, status, said):
    """The advice to add sectors helps an open challenge; a cancelled one or a draft is told what is true of it."""
    extra = {"published_at": None} if status == "draft" else {}
    challenge = f.Challenge(status=status, cancel_reason="Gone." if status == "cancelled" else None, **extra)
    login(f.member(challenge.agency, "publisher"))
    page = client.get(f"/challenges/{challenge.slug}/matches").get_data(as_text=True)
    assert said in page
    assert ("Adding sectors" in page) == (status == "published")


def test_a_cancelled_challenges_ranked_companies_are_not_said_to_be_invitable_later(client, login, f, challenge,
                                                                                     company):
    login(f.member(challenge.agency, "publisher"))
    assert "Remindly" in client.get(f"/challenges/{challenge.slug}/matches").text  # ranked while it is open
    challenge.status, challenge.cancel_reason = "cancelled", "The need was met another way."
    db.session.commit()
    page = client.get(f"/challenges/{challenge.slug}/matches").text
    assert "Remindly" in page  # still ranked (the list is the agency's record of who matched)
    assert "No invitation: the challenge was cancelled." in page  # each row says no invitation will come
    assert "Invitations are possible while" not in page and "Invite to pitch" not in page
