"""An agency member pages through their agency's challenges and keeps one status, in English and in French, with
the work list always first."""
import pytest

from tests.browser.conftest import sign_in_on
from tests.web.test_agency_dashboard import agency_with_five  # noqa: F401  (C1 newest … C5 oldest, two a page)

pytestmark = pytest.mark.browser


def _titles(page):
    return page.locator("#agency-challenges tbody th a").all_inner_texts()


def test_a_publisher_pages_through_the_agency_challenges_and_filters_by_status(page, a11y, shot, f, agency_with_five):
    sign_in_on(page, f.member(agency_with_five, "publisher"))
    page.goto("/dashboard")
    work = page.locator("#work-answer + ul")
    assert work.get_by_role("link", name="C5").is_visible()  # the work list names the oldest, not on this page
    listed = page.locator("#agency-challenges")
    assert _titles(page) == ["C1", "C2"] and listed.get_by_text("5 challenges").is_visible()
    a11y.check(page)
    listed.get_by_role("link", name="Next").click()
    page.wait_for_url("**/dashboard?page=2#agency-challenges")
    assert _titles(page) == ["C3", "C4"] and listed.get_by_text("Page 2 of 3").is_visible()
    assert work.get_by_role("link", name="C5").is_visible()
    shot(page, "agency-dashboard-page-2")
    listed.get_by_role("link", name="Previous").focus()  # by keyboard too
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard?page=1#agency-challenges")
    assert _titles(page) == ["C1", "C2"]

    page.get_by_label("Status").select_option(label="Open for pitches")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/dashboard?status=published#agency-challenges")
    assert _titles(page) == ["C1", "C3"] and listed.get_by_text("3 challenges").is_visible()
    listed.get_by_role("link", name="Next").click()
    page.wait_for_url("**/dashboard?status=published&page=2#agency-challenges")
    assert _titles(page) == ["C5"] and page.get_by_label("Status").input_value() == "published"
    a11y.check(page)
    page.goto("/dashboard?page=40")  # an old link, past the last page: the last page
    assert _titles(page) == ["C5"] and listed.get_by_text("Page 3 of 3").is_visible()


def test_the_paging_reads_in_french(browser, live_server, a11y, shot, f, agency_with_five):
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_in_on(page, f.member(agency_with_five, "procurement_officer", locale="fr"))  # signs in, then reads in French
        page.goto("/dashboard")
        listed = page.locator("#agency-challenges")
        assert listed.get_by_role("heading", name="Les défis de votre organisme").is_visible()
        assert listed.get_by_text("5 défis").is_visible() and listed.get_by_text("Page 1 sur 3").is_visible()
        listed.get_by_role("link", name="Suivant").click()
        page.wait_for_url("**/dashboard?page=2#agency-challenges")
        assert _titles(page) == ["C3", "C4"] and listed.get_by_text("Page 2 sur 3").is_visible()
        page.get_by_label("Statut").select_option("draft")
        page.get_by_role("button", name="Appliquer").click()
        assert _titles(page) == ["C2", "C4"] and listed.get_by_text("2 défis").is_visible()
        a11y.check(page)
        shot(page, "agency-dashboard-fr")
    finally:
        context.close()
