"""A visitor searches and filters challenges, in a real browser, and every page passes axe-core."""
from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.services.clock import utcnow
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_visitor_searches_and_filters(page, a11y, shot, f):
    water = f.Agency(name="Flemish Water Board")
    f.Challenge(agency=water, title="Detect leaking pipes early", summary="Leaks waste drinking water.",
                budget_min=Decimal(5000), budget_max=Decimal(20000), pitch_deadline=utcnow() + timedelta(days=5))
    f.Challenge(title="Quieter night buses", summary="Residents complain about noise.",
                budget_min=Decimal(50000), budget_max=Decimal(90000))
    f.Challenge(title="Winter gritting routes", status="closed", pitch_deadline=utcnow() - timedelta(days=1))

    page.goto("/")
    a11y.check(page)
    shot(page, "home")
    page.get_by_role("link", name="Browse challenges").click()
    a11y.check(page)
    assert page.get_by_text("3 challenges").is_visible()

    page.get_by_role("searchbox", name="Search").fill("leaking")
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_role("heading", name="Detect leaking pipes early").is_visible()
    assert page.get_by_text("1 challenge").is_visible()
    a11y.check(page)
    shot(page, "search")

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label("Closed").check()
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_role("heading", name="Winter gritting routes").is_visible()
    assert page.get_by_role("heading", name="Quieter night buses").count() == 0

    page.get_by_role("link", name="Winter gritting routes").click()
    assert page.get_by_role("heading", level=1, name="Winter gritting routes").is_visible()
    a11y.check(page)
    shot(page, "detail")


def test_a_visitor_reads_the_pages_about_the_service_from_the_footer(app, page, a11y, shot, monkeypatch):
    monkeypatch.setitem(app.config, "PHASE_BANNER", "beta")  # the banner is checked with the pages
    page.goto("/")
    assert page.get_by_role("banner").get_by_text("This is a new service.").is_visible()
    footer = page.get_by_role("navigation", name="About this service")
    for link, heading, name in (("Help", "Help", "help"), ("Contact", "Contact", "contact"),
                                ("Accessibility statement", "Accessibility statement", "accessibility"),
                                ("Privacy notice", "Privacy notice", "privacy"), ("Terms of use", "Terms of use", "terms")):
        footer.get_by_role("link", name=link, exact=True).click()
        assert page.get_by_role("heading", level=1, name=heading, exact=True).is_visible()
        a11y.check(page)
        shot(page, name)
    page.goto("/help")
    for link, name in (("Help for companies", "help-companies"), ("Help for agencies", "help-agencies")):
        page.get_by_role("main").get_by_role("link", name=link).click()
        assert page.get_by_role("heading", level=1, name=link).is_visible()
        a11y.check(page)
        shot(page, name)
        page.go_back()


def test_the_main_pages_work_at_320_pixels_wide(browser, live_server, a11y, shot, f):
    challenge = f.Challenge(title="Fewer missed appointments at the regional hospitals")
    member = f.member(f.Company(name="Appointment Reminders International"), "owner")
    context = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 640})
    page = context.new_page()

    def fits(path, name):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} scrolls sideways at 320 px: {width} px wide"
        a11y.check(page)
        shot(page, name)

    for path, name in (("/", "home"), ("/challenges", "narrow"), (f"/challenges/{challenge.slug}", "detail"),
                       ("/auth/login", "login"), ("/auth/register", "register"),
                       ("/privacy", "privacy")):
        fits(path, name)
    page.goto("/auth/login")
    page.get_by_label("Email address").fill(member.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")
    for path, name in (("/dashboard", "dashboard"), (f"/challenges/{challenge.slug}/pitch/about", "pitch-step"),
                       (f"/challenges/{challenge.slug}/pitch/check", "pitch-check"), ("/notifications", "inbox"),
                       ("/account", "account"), ("/account/profile", "profile")):
        fits(path, name)
    context.close()


def test_going_back_to_the_unfiltered_list_shows_its_filters_as_its_address_says(page, f):
    """The filters are the list's address: back from a filtered list to the whole list, the browser must not put
    back the boxes ticked and the order chosen before submitting, which would show every challenge under filters
    that say "Closed, deadline soonest" (and carry them into the next search unseen)."""
    f.Challenge(title="Quieter night buses")
    f.Challenge(title="Winter gritting routes", status="closed", pitch_deadline=utcnow() - timedelta(days=1))
    page.goto("/challenges")
    page.get_by_role("searchbox", name="Search").fill("gritting")
    page.get_by_label("Closed").check()
    page.get_by_label("Sort by").select_option("deadline")
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_text("1 challenge").is_visible()
    page.go_back()
    page.wait_for_load_state()
    assert page.get_by_text("2 challenges").is_visible()
    assert not page.get_by_label("Closed").is_checked()
    assert page.get_by_label("Sort by").input_value() != "deadline"
    assert page.get_by_role("searchbox", name="Search").input_value() == ""
