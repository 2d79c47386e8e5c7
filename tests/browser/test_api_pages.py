"""A developer reads the API docs from the footer, creates a token on the account page, uses it and revokes it."""
import pytest
from flask_babel import force_locale

from marketplace.services.accounts import api_tokens
from marketplace.services.clock import utcnow

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

    # Leaving the page loses the secret for good: the language switcher (like any link or form) asks first.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator(".language-switcher").get_by_role("button", name="Français").click()
    assert "“Tender monitor”" in asked[0] and "cannot be shown again" in asked[0]
    assert page.locator("#new-token").inner_text() == token  # stayed: the secret is still there to copy
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".language-switcher").get_by_role("button", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert token not in page.content()
    with force_locale("fr"):
        left = str(api_tokens.secret_left_notice("Tender monitor", utcnow().timestamp()))
    assert page.get_by_text(left).is_visible()  # said, in French, naming the token
    page.locator(".language-switcher").get_by_role("button", name="English").click()

    # Revoking asks for a confirmation on a page of its own, naming the token.
    page.get_by_role("link", name="Revoke “Tender monitor”").click()
    assert page.get_by_role("heading", level=1, name="Revoke the token “Tender monitor”").is_visible()
    assert page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status == 200
    a11y.check(page)
    page.get_by_role("link", name="Keep the token").click()
    page.get_by_role("link", name="Revoke “Tender monitor”").click()
    page.get_by_role("button", name="Revoke “Tender monitor”").click()
    assert page.get_by_text("is revoked").is_visible()
    assert page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status == 401
