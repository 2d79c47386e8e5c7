"""A company hears of the open challenges that match it, finds them on its page, saves a search and is alerted."""
import pytest

from marketplace.services.challenges.challenges import publish_challenge
from marketplace.services.messaging.outbox import process_pending

pytestmark = pytest.mark.browser


def _link_in(message, part):
    return next(line for line in message.get_body(("plain",)).get_content().splitlines() if part in line).strip()


def test_a_company_is_told_of_open_matches_saves_a_search_and_gets_the_alert(page, a11y, shot, sign_in, f,
                                                                             smtp_sink):
    water = f.Agency(name="Flemish Water Board")
    open_now = f.Challenge(agency=water, title="Find leaking water pipes early", summary="Old pipes leak.",
                           problem_statement="Leaks in water pipes waste water.")
    f.set_sectors(open_now, ["65"])
    company = f.Company(name="LeakSense", capability_statement="", keywords="")
    member = sign_in(f.member(company, "owner"))

    # The profile is filled in while the challenge is open: one email lists it.
    page.goto("/account/profile")
    page.get_by_label("What you can do").fill("Acoustic sensors that find leaks in water pipes.")
    page.get_by_label("Keywords").fill("water, leaks, pipes, sensors")
    page.get_by_label("65 – ").check()
    page.get_by_role("button", name="Save profile").click()
    assert page.get_by_text("Your company profile is saved.").is_visible()
    process_pending()
    told = next(m for m in smtp_sink.messages if m["To"] == member.email)
    assert told["Subject"] == "1 open challenge matches LeakSense"
    assert "Find leaking water pipes early" in told.get_body(("plain",)).get_content()

    page.get_by_role("link", name="Challenges for you").first.click()
    assert page.get_by_role("heading", level=1, name="Challenges for you").is_visible()
    assert page.get_by_role("link", name="Find leaking water pipes early").is_visible()
    assert page.get_by_text("Works in sector 65").is_visible()
    a11y.check(page)
    shot(page, "challenges-for-you")

    # A search of the list, saved with immediate alerts.
    page.goto("/challenges")
    page.get_by_label("Search", exact=True).fill("leaks")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("link", name="Save this search").click()
    assert page.get_by_text("This search finds: words “leaks”").is_visible()
    a11y.check(page)
    page.get_by_label("Name of the search").fill("Leaks")
    page.get_by_label("Email me at once").check()
    page.get_by_role("button", name="Save search").click()
    assert page.get_by_text("Your search “Leaks” is saved.").is_visible()
    assert page.get_by_role("link", name="Leaks").is_visible()
    a11y.check(page)
    shot(page, "saved-searches")

    # An agency publishes a challenge the search finds: the alert arrives and leads to it.
    sewers = f.Agency(name="City Sewers")
    later = f.Challenge(agency=sewers, status="draft", published_at=None, title="Stop sewer leaks",
                        summary="Sewers leak into the ground.", problem_statement="Leaks pollute groundwater.")
    f.set_sectors(later, ["90"])
    publish_challenge(f.member(sewers, "publisher"), later.slug)
    process_pending()
    subject = "New challenge for your search “Leaks”: Stop sewer leaks"
    alert = next(m for m in smtp_sink.messages if m["To"] == member.email and m["Subject"] == subject)
    page.goto(_link_in(alert, f"/challenges/{later.slug}").replace("http://localhost", ""))
    assert page.get_by_role("heading", level=1, name="Stop sewer leaks").is_visible()
