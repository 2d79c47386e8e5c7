"""A question answered from the officer's work list reaches the asker and a follower, one email each."""
from collections import Counter

import pyotp
import pytest

from marketplace.services.messaging.outbox import process_pending
from marketplace.services.organisations import companies
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_question_asked_is_answered_from_the_work_list_and_reaches_each_person_once(
        browser, live_server, page, a11y, shot, sign_in, f, smtp_sink):
    challenge = f.Challenge(title="Find leaking water pipes early")
    asker = f.member(f.Company(name="LeakSense"), "owner")
    follower = f.member(f.Company(name="AquaData"), "owner")
    companies.follow(follower, challenge.slug)
    officer = f.member(challenge.agency, "procurement_officer")

    sign_in(asker)
    page.goto(f"/challenges/{challenge.slug}")
    page.get_by_label("Ask a question").fill("Can the pilot start in spring?")
    page.get_by_role("button", name="Send question").click()
    assert page.get_by_text("Your question is sent.").is_visible()
    own = page.locator("#own-questions + ul")
    assert own.get_by_text("Can the pilot start in spring?").is_visible()
    assert own.get_by_text("Waiting for an answer").is_visible()
    a11y.check(page)
    process_pending()  # the agency is told of the question

    context = browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900})
    try:
        officer_page = context.new_page()
        officer_page.goto("/auth/login")
        officer_page.get_by_label("Email address").fill(officer.email)
        officer_page.get_by_label("Password", exact=True).fill(PASSWORD)
        officer_page.get_by_role("button", name="Sign in").click()
        officer_page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(officer.totp_secret).now())
        officer_page.get_by_role("button", name="Continue").click()
        officer_page.goto("/dashboard")
        work = officer_page.locator("#work-list")
        assert work.get_by_role("heading", name="Questions to answer").is_visible()
        assert work.get_by_text("1 question waiting").is_visible()
        a11y.check(officer_page)
        shot(officer_page, "work-list")
        work.locator("#work-answer + ul").get_by_role("link", name="Find leaking water pipes early").click()
        officer_page.get_by_label("Your answer").fill("Yes, from March.")
        officer_page.get_by_role("button", name="Publish the answer").click()
        assert officer_page.get_by_text("Your answer is published and sent to the companies concerned.").is_visible()
        officer_page.goto("/dashboard")
        assert officer_page.locator("#work-answer").count() == 0  # nothing left to answer
    finally:
        context.close()

    process_pending()
    process_pending()  # run again: nobody is emailed twice
    answered = Counter(m["To"] for m in smtp_sink.messages if "was answered" in m["Subject"])
    assert answered == Counter({asker.email: 1, follower.email: 1})
    page.reload()
    own = page.locator("#own-questions + ul")
    assert own.get_by_text("Yes, from March.").is_visible() and own.get_by_text("Waiting for an answer").count() == 0
