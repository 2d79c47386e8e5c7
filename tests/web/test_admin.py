"""Platform administration pages: only admins see organisations and verify or suspend them."""
import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, Organisation


@pytest.fixture
def waiting(f):
    return f.Agency(verified=False, name="Gemeente Wachtstad")


@pytest.mark.parametrize("method,path", [
    ("get", "/admin/organisations"), ("post", "/admin/organisations/{id}/verify"),
    ("post", "/admin/organisations/{id}/suspend"),
])
def test_anonymous_people_are_sent_to_sign_in(client, waiting, method, path):
    response = getattr(client, method)(path.format(id=waiting.id))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    db.session.refresh(waiting)
    assert not waiting.verified and not waiting.suspended


@pytest.mark.parametrize("role", ["owner", "publisher", "procurement_officer", "evaluator"])
def test_agency_people_get_a_404_and_change_nothing(client, login, f, waiting, role):
    login(f.member(waiting, role))
    assert client.get("/admin/organisations").status_code == 404
    assert client.post(f"/admin/organisations/{waiting.id}/verify").status_code == 404
    assert client.post(f"/admin/organisations/{waiting.id}/suspend", data={"suspended": "1"}).status_code == 404
    db.session.refresh(waiting)
    assert not waiting.verified and not waiting.suspended
    assert db.session.query(AuditEvent).count() == 0


def test_a_company_owner_gets_a_404(client, login, f, waiting):
    login(f.member(f.Company(), "owner"))
    assert client.get("/admin/organisations").status_code == 404
    assert client.post(f"/admin/organisations/{waiting.id}/verify").status_code == 404


def test_the_admin_filters_to_those_waiting(client, login, f, waiting):
    verified = f.Company(name="Verified Sensors BV")
    login(f.admin())
    everything = client.get("/admin/organisations").text
    assert "Gemeente Wachtstad" in everything and "Verified Sensors BV" in everything
    assert "Gemeente Wachtstad</th><td>Agency</td>" in everything  # each row says its kind
    assert "Verified Sensors BV</th><td>Company</td>" in everything
    only_waiting = client.get("/admin/organisations?show=unverified").text
    assert "Gemeente Wachtstad" in only_waiting and verified.name not in only_waiting
    assert "Verify Gemeente Wachtstad" in only_waiting


def test_verify_suspend_and_lift_are_recorded(client, login, f, waiting):
    login(f.admin())
    response = client.post(f"/admin/organisations/{waiting.id}/verify", follow_redirects=True)
    assert response.status_code == 200 and "Gemeente Wachtstad is verified." in response.text
    client.post(f"/admin/organisations/{waiting.id}/suspend", data={"suspended": "1", "reason": "Fake agency"})
    db.session.refresh(waiting)
    assert waiting.verified and waiting.suspended
    assert "Lift the suspension of Gemeente Wachtstad" in client.get("/admin/organisations").text
    client.post(f"/admin/organisations/{waiting.id}/suspend", data={"suspended": "0"})
    db.session.refresh(waiting)
    assert not waiting.suspended
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["organisation.verified", "organisation.suspended", "organisation.unsuspended"]


@pytest.mark.parametrize("path", [
    "/admin/organisations/999999/verify", "/admin/organisations/-1/verify",
    "/admin/organisations/..%2F..%2Fetc%2Fpasswd/verify", "/admin/organisations/1%20OR%201=1/suspend",
])
def test_unknown_or_hostile_ids_are_404(client, login, f, path):
    login(f.admin())
    assert client.post(path).status_code == 404


def test_hostile_organisation_names_are_shown_as_text(client, login, f):
    f.Agency(verified=False, name="<script>alert(1)</script>")
    login(f.admin())
    page = client.get("/admin/organisations?show=<script>").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_admin_posts_need_a_csrf_token(app, client, login, f, waiting):
    login(f.admin())
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/admin/organisations/{waiting.id}/verify").status_code == 400
        assert client.post(f"/admin/organisations/{waiting.id}/suspend", data={"suspended": "1"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    fresh = db.session.get(Organisation, waiting.id)
    db.session.refresh(fresh)
    assert not fresh.verified and not fresh.suspended


def test_suspending_an_organisation_ends_its_peoples_sessions(client, login, f):
    company = f.Company()
    login(f.member(company, "member"))
    assert client.get("/dashboard").status_code == 200
    company.suspended = True
    db.session.commit()
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_admin_searches_organisations_by_name(client, login, f, waiting):
    f.Company(name="Elders BV")
    login(f.admin())
    page = client.get("/admin/organisations?q=wachtstad&show=unverified").text
    assert "Gemeente Wachtstad" in page and "Elders BV" not in page
    assert "No organisation matches." in client.get("/admin/organisations?q=nothing-like-it").text


def test_suspending_asks_for_the_reason_first(client, login, f, waiting):
    login(f.admin())
    assert f'href="/admin/organisations/{waiting.id}/suspend"' in client.get("/admin/organisations").text
    page = client.get(f"/admin/organisations/{waiting.id}/suspend")
    assert page.status_code == 200 and "signed out at once" in page.text
    refused = client.post(f"/admin/organisations/{waiting.id}/suspend", data={"reason": " "})
    assert refused.status_code == 422 and "Say why" in refused.text
    db.session.refresh(waiting)
    assert not waiting.suspended
