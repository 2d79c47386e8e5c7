"""Switching language after a refused form keeps what was typed: the switcher sends the refused form again, shown in
the new language with its reasons and never saved (web/forms_flow.submit_form), with or without JavaScript;
static/js/language_keep.js sends what the fields hold now, and keeps the text of other forms. Never a password."""
import pytest
from flask_babel import force_locale, gettext, ngettext

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def fr(msgid, **values):
    with force_locale("fr"):
        return gettext(msgid, **values)


KEPT = "What you typed before changing the language is back. It has not been sent: check it, then send it."


SHOWN_AGAIN = "The form is shown again in this language. Nothing was saved or sent: check it, then send it."


def _refused_send_back(page, sign_in, f):
    agency = f.Agency()
    agency.four_eyes_publishing = True
    draft = f.Challenge(agency=agency, status="draft", published_at=None, title="Find leaking water pipes early")
    asker, approver = f.member(agency, "publisher", locale="en"), f.member(agency, "publisher", locale="en")
    from marketplace.services.challenges import challenges
    challenges.request_approval(asker, draft.slug)

    sign_in(approver)
    page.goto(f"/challenges/{draft.slug}/preview")
    reason = "The budget line is missing. " * 78 + "Check it."  # 2,193 characters, over the 2,000 allowed
    page.get_by_label("What needs changing?").fill(reason)
    page.get_by_role("button", name="Send it back to its author").click()
    assert page.locator(".error-summary").is_visible()
    assert page.get_by_label("What needs changing?").input_value() == reason
    return draft, reason


def test_a_refused_send_back_reason_comes_back_in_french_with_its_text_and_its_count(page, a11y, shot, sign_in, f):
    draft, reason = _refused_send_back(page, sign_in, f)
    edited = reason + " And the dates."  # typed after the refusal: the script sends it rather than what was sent

    page.get_by_label("What needs changing?").fill(edited)
    page.locator(".language-switcher").get_by_role("button", name="Français").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr" and page.url.endswith("/send-back")
    field = page.get_by_label(fr("What needs changing?"))
    assert field.input_value() == edited
    with force_locale("fr"):
        too_many = ngettext("You have %(count)s character too many", "You have %(count)s characters too many", 208,
                            count="208")
    assert page.get_by_text(too_many).is_visible()  # the count, in French, says how much to cut
    assert page.locator(".error-summary").is_visible()  # the reason again, asked in French
    assert page.get_by_text(fr(SHOWN_AGAIN)).is_visible() and not page.get_by_text(fr(KEPT)).count()
    a11y.check(page)
    shot(page, "send-back-reason-kept-in-french")

    # Sent again and refused twice, then switched: still the same form with its text, and nothing sent back.
    page.get_by_role("button", name=fr("Send it back to its author")).click()
    page.get_by_role("button", name=fr("Send it back to its author")).click()
    assert page.locator(".error-summary").is_visible() and page.url.endswith("/send-back")
    page.locator(".language-switcher").get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("What needs changing?").input_value() == edited
    assert page.evaluate("document.querySelectorAll('.error-summary').length") == 1

    # Once only: coming back to the page later starts afresh.
    page.goto(f"/challenges/{draft.slug}/preview")
    assert page.get_by_label("What needs changing?").input_value() == ""


def test_without_javascript_a_refused_form_comes_back_in_french_with_its_text_and_reason(browser, live_server, f):
    from tests.browser.conftest import sign_in_on

    context = browser.new_context(base_url=live_server, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    draft, reason = _refused_send_back(page, lambda user: sign_in_on(page, user), f)
    page.locator(".language-switcher").get_by_role("button", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr" and page.url.endswith("/send-back")
    assert page.get_by_label(fr("What needs changing?")).input_value() == reason
    assert page.locator(".error-summary").is_visible() and page.get_by_text(fr(SHOWN_AGAIN)).is_visible()
    context.close()


def test_a_refused_sign_in_keeps_the_email_through_a_switch_but_never_the_password(page, f):
    person = f.member(f.Company(), "owner", locale="en")
    page.goto("/auth/login")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD + " typo")
    page.locator("main").get_by_role("button", name="Sign in").click()
    assert page.locator(".error-summary").is_visible()
    page.get_by_label("Password", exact=True).fill(PASSWORD + " typo")
    # What the switcher keeps in this tab's storage as it goes: the email, not the password.
    page.evaluate("document.querySelector('form.language-switcher').dispatchEvent(new Event('submit'))")
    stored = page.evaluate("window.sessionStorage.getItem('agora-kept-on-language')")
    assert person.email in stored and "typo" not in stored
    page.locator(".language-switcher").get_by_role("button", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_label(fr("Email address")).input_value() == person.email
    assert page.get_by_label(fr("Password"), exact=True).input_value() == ""
