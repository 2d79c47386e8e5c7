"""Choosing a language is never undone: not by signing in, not by switching on a pitch step that was refused."""
import pytest
from flask_babel import force_locale, gettext

from marketplace.extensions import db
from marketplace.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def fr(msgid, **values):
    with force_locale("fr"):
        return gettext(msgid, **values)


def test_french_picked_before_signing_in_stays_and_a_refused_step_keeps_its_text_through_a_switch(
        page, a11y, shot, f):
    challenge = f.Challenge(title="Find leaking water pipes early")
    writer = f.member(f.Company(), "owner", locale="en")

    page.goto("/auth/login")
    page.locator(".language-switcher").get_by_role("button", name="Français").click()
    page.get_by_label(fr("Email address")).fill(writer.email)
    page.get_by_label(fr("Password"), exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=fr("Sign in")).click()
    page.wait_for_url("**/dashboard")
    assert page.locator("html").get_attribute("lang") == "fr"  # the account said English; the visitor chose French
    db.session.expire_all()  # the server wrote it
    assert db.session.get(User, writer.id).locale == "fr"

    page.goto(f"/challenges/{challenge.slug}/pitch/about")
    title = "Des rappels par SMS " + "x" * 200
    page.get_by_label(fr("Title")).fill(title)
    page.get_by_label(fr("Summary")).fill("Les patients répondent par SMS.")
    page.get_by_role("button", name=fr("Save and continue")).click()
    assert page.get_by_text(fr("This must be %(n)s characters or fewer.", n="200")).first.is_visible()
    a11y.check(page)

    # The switcher reloads the page by GET: the typed text and the reason are still there, now in English.
    page.locator(".language-switcher").get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Title").input_value() == title
    assert page.get_by_label("Summary").input_value() == "Les patients répondent par SMS."
    assert page.get_by_text("This must be 200 characters or fewer.").first.is_visible()
    a11y.check(page)
    shot(page, "refused-step-after-switch")
    page.get_by_label("Title").fill("Des rappels par SMS")
    page.get_by_role("button", name="Save and continue").click()
    assert page.url.endswith("/pitch/approach")


def test_switching_language_right_after_typing_on_a_step_loses_nothing(page, shot, f):
    """No "Save and continue" pressed, the autosave not yet due: pitch.js saves before the switcher posts (and a
    refused text is kept), so the step comes back in the new language with what was typed."""
    challenge = f.Challenge(title="Find leaking water pipes early")
    writer = f.member(f.Company(), "member", locale="en")
    page.goto("/auth/login")
    page.get_by_label("Email address").fill(writer.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")

    page.goto(f"/challenges/{challenge.slug}/pitch/about")
    page.get_by_label("Title").fill("Acoustic sensors on hydrants")
    page.get_by_label("Summary").fill("We listen to the pipes at night.")
    page.locator(".language-switcher").get_by_role("button", name="Français").click()
    page.locator("html[lang=fr]").wait_for()  # after the save, the switch
    # <html lang> is there as soon as the page starts to load, before pitch.js listens: typing and switching before
    # it does is not this test's story (on a loaded CI machine the click beat the script: the switch saved nothing).
    page.wait_for_load_state("load")
    assert page.get_by_label(fr("Title")).input_value() == "Acoustic sensors on hydrants"  # saved on the way
    assert page.get_by_label(fr("Summary")).input_value() == "We listen to the pipes at night."

    page.get_by_label(fr("Title")).fill("T" * 201)
    page.locator(".language-switcher").get_by_role("button", name="Deutsch").click()
    page.locator("html[lang=de]").wait_for()
    assert page.get_by_label("Titel").input_value() == "T" * 201  # refused, kept, shown with the reason
    assert page.get_by_text("Höchstens 200 Zeichen.").first.is_visible()
    shot(page, "switch-right-after-typing")
