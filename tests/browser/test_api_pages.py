"""A developer reads the API docs from the footer, creates a token on the account page, uses it and revokes it."""
import pytest

pytestmark = pytest.mark.browser


def test_a_developer_creates_uses_and_revokes_a_token(page, a11y, shot, sign_in, f):
    owner = sign_in(f.member(f.Company(name="Leak Sense"), "owner"))
    page.get_by_role("link", name="API", exact=True).click()
    assert page.get_by_role("heading", level=1, name="Agora API").is_visible()
    a11y.check(page)
    shot(page, "docs")

    page.goto("/account")
    page.get_by_role("link", name="API tokens").click()
    a11y.check(page)
    page.get_by_label("Name of the token").fill("Tender monitor")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    assert token.startswith("agora_")
    a11y.check(page)
    shot(page, "token-created")
    me = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == owner.email

    page.get_by_role("button", name="Revoke “Tender monitor”").click()
    assert page.get_by_text("is revoked").is_visible()
    assert token not in page.content()
    assert page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status == 401
