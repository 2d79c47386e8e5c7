"""Two-factor in a real browser: set up with the QR page, keep the recovery codes, sign in with one, and an admin
removes another person's two-factor; every page checked with axe-core."""
import pyotp
import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, User
from marketplace.services.messaging.outbox import process_pending
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _password_step(page, user):
    page.goto("/auth/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_an_officer_sets_up_two_factor_recovers_with_a_code_and_an_admin_resets_it(
        page, a11y, shot, sign_in, f, smtp_sink):
    officer = f.member(f.Agency(name="Flemish Water Board"), "procurement_officer", name="Jan Peeters",
                       totp_secret=None)
    _password_step(page, officer)
    # The role needs two-factor: nothing else until it is set up.
    page.goto("/dashboard")
    page.wait_for_url("**/account/two-factor")
    qr = page.get_by_role("img", name="QR code to add Agora to your authenticator app")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 150
    secret = page.locator("ol code").inner_text()  # the key as text, for whoever cannot scan
    assert len(secret) == 32
    a11y.check(page)
    shot(page, "set-up")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    assert page.get_by_role("heading", level=1, name="Your recovery codes").is_visible()
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    a11y.check(page)
    shot(page, "recovery-codes")
    page.get_by_role("link", name="I have kept my recovery codes").click()
    page.wait_for_url("**/dashboard")
    _sign_out(page)

    # The phone is not at hand: a recovery code, once.
    _password_step(page, officer)
    page.get_by_role("link", name="No phone? Use a recovery code").click()
    a11y.check(page)
    page.get_by_label("Recovery code").fill(codes[0].upper())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/account/two-factor")
    assert page.get_by_text("You have 9 recovery codes left.").is_visible()
    a11y.check(page)
    shot(page, "signed-in-with-a-recovery-code")
    process_pending()
    assert any(m["To"] == officer.email and "recovery code" in m["Subject"] for m in smtp_sink.messages)
    _sign_out(page)
    _password_step(page, officer)
    page.get_by_role("link", name="No phone? Use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_text("That recovery code is not right, or was used already.").first.is_visible()

    # Phone and codes lost: an admin removes the officer's two-factor, with the reason.
    page.context.clear_cookies()
    admin = sign_in(f.admin(name="Ada Admin"))
    page.goto("/admin/organisations")
    page.get_by_role("link", name="People").click()
    page.get_by_label("Email address or name").fill("Jan Peeters")
    page.get_by_role("button", name="Search").click()
    a11y.check(page)
    page.get_by_role("link", name="Remove two-factor sign-in of Jan Peeters").click()
    a11y.check(page)
    page.get_by_role("button", name="Remove two-factor sign-in").click()
    assert page.title().startswith("Error:")  # no reason: said next to the field, nothing removed
    page.get_by_label("Reason").fill("Lost phone and codes; called back on the agency's switchboard.")
    page.get_by_role("button", name="Remove two-factor sign-in").click()
    assert page.get_by_text("Two-factor sign-in is removed for Jan Peeters.").is_visible()
    a11y.check(page)
    shot(page, "admin-reset")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.two_factor_reset")).one()
    assert (event.actor_id, event.object_id) == (admin.id, officer.id)
    assert event.after == {"reason": "Lost phone and codes; called back on the agency's switchboard."}
    process_pending()
    assert any(m["To"] == officer.email and "removed" in m["Subject"] for m in smtp_sink.messages)

    # The officer's role needs it: set up again at the next sign-in.
    page.context.clear_cookies()
    _password_step(page, db.session.get(User, officer.id))
    page.goto("/dashboard")
    page.wait_for_url("**/account/two-factor")
    assert page.get_by_role("img", name="QR code to add Agora to your authenticator app").is_visible()
    assert page.locator("ol code").inner_text() != secret
