"""Publishing under four-eyes in a real browser: each refusal answers on the page where the button was pressed,
with its reason and what was typed; the second publisher's approval reaches the matching company by email."""
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import Challenge
from marketplace.services.clock import utcnow
from marketplace.services.messaging.outbox import process_pending

from .conftest import sign_in_on

pytestmark = pytest.mark.browser


def test_publishers_under_four_eyes_are_told_why_on_the_page_and_lose_nothing(
        page, other_page, a11y, shot, sign_in, f, smtp_sink):
    water = f.Agency(name="Flemish Water Board")
    challenge = f.Challenge(agency=water, status="draft", published_at=None, title="Find leaking water pipes early",
                            summary="Old pipes leak.", problem_statement="Leaks in water pipes waste water.",
                            pitch_deadline=utcnow() + timedelta(days=30))
    f.set_sectors(challenge, ["65"])
    company = f.Company(name="LeakSense", capability_statement="Acoustic sensors that find leaks in water pipes.",
                        keywords="water, leaks, pipes")
    f.set_sectors(company, ["65"])
    company_member = f.member(company, "owner")
    writer, approver = f.member(water, "publisher"), f.member(water, "publisher")

    sign_in(writer)
    page.goto(f"/challenges/{challenge.slug}/preview")
    publish = page.get_by_role("button", name="Publish the challenge")
    assert publish.is_visible()
    # Meanwhile the agency's owner asks for a second pair of eyes on every challenge.
    water.four_eyes_publishing = True
    db.session.commit()
    publish.click()
    summary = page.locator(".error-summary")
    assert "Ask for approval instead" in summary.inner_text()
    assert page.get_by_role("heading", level=1, name="Preview: Find leaking water pipes early").is_visible()
    a11y.check(page)
    shot(page, "publish-refused")
    page.get_by_role("button", name="Ask for approval").click()
    assert page.get_by_text("Another publisher or your agency’s owner must approve it.").is_visible()
    assert page.get_by_role("button", name="Approve and publish").count() == 0

    # The writer goes on editing; the second publisher approves the draft as it was asked.
    page.get_by_role("link", name="Edit the draft").click()
    page.get_by_label("Title").fill("Find leaking water pipes within a week")
    sign_in_on(other_page, approver)
    other_page.goto(f"/challenges/{challenge.slug}/preview")
    other_page.get_by_role("button", name="Approve and publish").click()
    assert other_page.get_by_text("You approved the draft; it is now published.").is_visible()

    # The writer's save is refused on the form: the reason at the top, the new title still in its field.
    page.get_by_role("button", name="Save draft").click()
    assert "Only a draft can be changed" in page.locator(".error-summary").inner_text()
    assert page.get_by_label("Title").input_value() == "Find leaking water pipes within a week"
    a11y.check(page)
    shot(page, "edit-refused")
    db.session.expire_all()
    published = db.session.get(Challenge, challenge.id)
    assert (published.status, published.title) == ("published", "Find leaking water pipes early")

    process_pending()
    match_email = next(m for m in smtp_sink.messages if m["To"] == company_member.email)
    assert "Find leaking water pipes early" in match_email["Subject"]
