"""The platform's audit trail in a real browser: an admin finds it from the dashboard, narrows it, is told what
cannot be read, reads it in French; every page checked with axe-core."""
import pytest

from marketplace.services.accounts import accounts

pytestmark = pytest.mark.browser


def test_an_admin_narrows_the_trail_to_an_organisation_and_reads_it_in_french(page, a11y, shot, sign_in, f):
    company = f.Company(name="Rogue Sensors BV", verified=False)
    admin = f.admin(name="Ada Admin")
    accounts.verify_organisation(admin, company.id)
    accounts.suspend_organisation(admin, company.id, reason="Spam to every agency")
    sign_in(admin)
    page.goto("/dashboard")
    page.get_by_role("link", name="Audit trail").click()
    assert page.get_by_role("table", name="Audit events, newest first").is_visible()
    a11y.check(page)

    page.get_by_label("Organisation").fill("Nowhere Ltd")
    page.get_by_role("button", name="Show the events").click()
    assert page.title().startswith("Error:")
    assert page.get_by_role("alert").get_by_text("No organisation is called “Nowhere Ltd”.").is_visible()
    assert page.get_by_label("Organisation").input_value() == "Nowhere Ltd"  # what was typed stays
    a11y.check(page)

    page.get_by_label("Organisation").fill("Rogue Sensors BV")
    page.get_by_label("Action").fill("organisation.suspended")
    page.get_by_role("button", name="Show the events").click()
    rows = page.get_by_role("table", name="Audit events matching the filters, newest first").locator("tbody tr")
    assert rows.count() == 1 and "Ada Admin suspended Rogue Sensors BV. Reason: Spam to every agency" in \
        rows.first.inner_text()
    shot(page, "filtered")

    page.get_by_role("button", name="Français").click()
    assert page.get_by_role("heading", name="Journal d’audit de la plateforme").is_visible()
    assert "Ada Admin a suspendu Rogue Sensors BV. Motif : Spam to every agency" in \
        page.locator("tbody tr").first.inner_text()
    a11y.check(page)
    shot(page, "french")
