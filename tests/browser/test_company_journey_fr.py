"""A new company's whole journey in French, with the keyboard only: from the home page to registering (the email
confirmed at a real SMTP server), its profile, a pitch written step by step with refusals answered on the page,
a file attached (a web page refused), the receipt by email, a withdrawal, and a closed challenge that says why.

Every page is checked with axe-core, for descriptions that point at nothing, and at 320 px. Nothing is clicked or
filled: Tab reaches each control, Enter or Space works it, and text is typed into the focused field.
"""
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, get_translations, gettext
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.formatting import force_timezone, localtime, number
from marketplace.models import Pitch, PitchReceipt, User
from marketplace.services.challenges.lifecycle import status_label
from marketplace.services.clock import utcnow
from marketplace.services.messaging.outbox import process_pending
from tests.browser.checks import at_320_px, check_references, focus_is_on_error_summary

pytestmark = pytest.mark.browser

ZONE = "Europe/Brussels"  # a new account's zone until it picks another
EMAIL = "claire.dubois@veilleo.example"
PASSWORD = "trois chaises bleues sous la pluie"


def fr(msgid, **values):
    """The text as the French page shows it: the catalogue's French (or the English until it is translated)."""
    with force_locale("fr"), force_timezone(ZONE):
        return gettext(msgid, **values)


def fr_date(app, moment):
    with app.test_request_context(), force_locale("fr"), force_timezone(ZONE):
        return localtime(moment)


# The focused element shows it (WCAG 2.4.7): an outline or a ring drawn with a shadow.
FOCUS_SHOWN = """el => { const style = getComputedStyle(el);
  return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none'; }"""


def tab_to(page, target, limit=150):
    """Press Tab until `target` (a locator) has the focus; fail, naming it, if the keyboard cannot reach it."""
    target.wait_for(state="attached")
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            assert target.evaluate(FOCUS_SHOWN), f"{target} has the focus on {page.url} but does not show it"
            return
        page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 120)")
    pytest.fail(f"{target} is not reached with {limit} presses of Tab on {page.url} (focus on {focused})")


def go(page, target):
    """Tab to a link or a button and press Enter; wait for the page it leads to."""
    tab_to(page, target)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page, target, text):
    tab_to(page, target)
    page.keyboard.press("Control+A")  # what is there already is replaced
    page.keyboard.type(text)


def english_sentences(app):
    """The catalogue's English sentences that French changes (long enough not to be a name or a shared word)."""
    with app.test_request_context(), force_locale("fr"):
        catalogue = get_translations()._catalog
    return [msgid for msgid, french in catalogue.items()
            if isinstance(msgid, str) and len(msgid) >= 16 and " " in msgid and "%(" not in msgid
            and "<" not in msgid and french and french != msgid]


class Checked:
    """Each page the journey reaches: in French, no axe violation, no description pointing at nothing, readable at
    320 px, and a screenshot."""

    def __init__(self, page, a11y, shot, english):
        self.page, self.a11y, self.shot, self.english = page, a11y, shot, english

    def __call__(self, name):
        page = self.page
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr", page.url
        text = page.locator("body").inner_text()
        assert [sentence for sentence in self.english if sentence in text] == [], page.url
        self.a11y.check(page)
        check_references(page)
        at_320_px(page)
        self.shot(page, name)


def _email(smtp_sink, subject, english):
    process_pending()
    found = [m for m in smtp_sink.messages if m["To"] == EMAIL and subject in m["Subject"]]
    assert found, [m["Subject"] for m in smtp_sink.messages]
    body = found[-1].get_body(("plain",)).get_content()
    assert [sentence for sentence in english if sentence in body] == [], subject
    return body


def _receipts():
    db.session.expire_all()
    return db.session.scalars(select(PitchReceipt).order_by(PitchReceipt.id)).all()


def test_a_new_french_company_registers_pitches_withdraws_and_meets_a_closed_challenge_by_keyboard(
        app, browser, live_server, a11y, shot, f, smtp_sink, tmp_path):
    water = f.Agency(name="Société wallonne des eaux")
    challenge = f.Challenge(agency=water, title="Détecter les fuites d’eau plus tôt",
                            pitch_deadline=utcnow() + timedelta(days=20))
    closed = f.Challenge(agency=water, title="Moins de rendez-vous manqués", status="closed",
                         pitch_deadline=utcnow() - timedelta(days=2))
    context = browser.new_context(base_url=live_server, locale="fr-BE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    # File choosers are intercepted for the whole journey. Playwright switches interception on when a listener
    # comes (each `expect_file_chooser`) and off when the last goes, without waiting for the browser: a Space
    # pressed at once could open chromium's own chooser, never seen by the test (about 1 press in 60 timed out).
    page.on("filechooser", lambda chooser: None)
    checked = Checked(page, a11y, shot, english_sentences(app))
    try:
        # A visitor on the home page finds the way to register.
        page.goto("/")
        checked("home")
        page.keyboard.press("Tab")  # the first stop: past the header, straight to the page's content
        assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
        go(page, page.get_by_role("navigation", name=fr("Main")).get_by_role("link", name=fr("Register")))
        page.wait_for_url("**/auth/register")
        checked("register")

        # Submitting the empty form is refused: the focus is on the summary of what to fix.
        go(page, page.get_by_role("button", name=fr("Create account")))
        assert page.title().startswith(fr("Error:"))
        assert focus_is_on_error_summary(page)
        assert fr("Enter the name of your organisation.") in page.locator(".error-summary").inner_text()
        checked("register-refused")

        # A group of radios is one stop for Tab; the arrow keys choose within it.
        tab_to(page, page.get_by_role("radio", name=fr("A public agency: we publish problems")))
        page.keyboard.press("ArrowDown")
        assert page.get_by_role("radio", name=fr("A company: we answer with solutions")).is_checked()
        type_into(page, page.get_by_role("textbox", name=fr("Name of your organisation")), "Veilleo")
        tab_to(page, page.get_by_role("combobox", name=fr("Size of your company (companies only)")))
        page.keyboard.type(str(fr("Small (10 to 49 people)"))[:4])  # a closed list picks what its letters begin
        type_into(page, page.get_by_role("textbox", name=fr("Your full name")), "Claire Dubois")
        type_into(page, page.get_by_role("textbox", name=fr("Your work email address")), EMAIL)
        type_into(page, page.get_by_label(fr("Choose a password")), PASSWORD)
        go(page, page.get_by_role("button", name=fr("Create account")))
        page.get_by_role("heading", name=fr("Check your email")).wait_for()
        checked("check-email")

        # The confirmation email is in French; its link confirms the address.
        body = _email(smtp_sink, fr("Confirm your email address for Agora"), checked.english)
        assert fr("Welcome to Agora. Confirm that this is your email address by following this link:") in body
        link = re.search(r"https?://\S+/auth/confirm/\S+", body).group(0)
        page.goto(re.sub(r"^https?://[^/]+", "", link))
        page.wait_for_url("**/auth/login")
        assert fr("Your email address is confirmed. Sign in to continue.") in page.locator("main").inner_text()
        checked("confirmed")
        user = db.session.scalars(select(User).where(User.email == EMAIL)).one()
        assert user.email_confirmed_at is not None and user.locale == "fr"
        assert (user.organisation.kind, user.organisation.name, user.organisation.size) == ("company", "Veilleo", "small")

        type_into(page, page.get_by_role("textbox", name=fr("Email address")), EMAIL)
        type_into(page, page.get_by_label(fr("Password"), exact=True), PASSWORD)
        go(page, page.get_by_role("button", name=fr("Sign in"), exact=True))
        page.wait_for_url("**/dashboard")
        checked("dashboard")

        # The company profile, from the dashboard.
        go(page, page.get_by_role("main").get_by_role("link", name=fr("Your company profile")))
        page.wait_for_url("**/account/profile")
        checked("profile")
        type_into(page, page.get_by_role("textbox", name=fr("What you can do")),
                  "Des capteurs acoustiques qui trouvent les fuites dans les conduites d’eau.")
        type_into(page, page.get_by_role("textbox", name=fr("Keywords")), "eau, fuites, capteurs")
        go(page, page.get_by_role("button", name=fr("Save profile")))
        page.get_by_text(fr("Your company profile is saved.")).wait_for()
        checked("profile-saved")

        # An open challenge, from the dashboard's list of those open for pitches.
        go(page, page.get_by_role("navigation", name=fr("Main")).get_by_role("link", name=fr("Dashboard")))
        go(page, page.get_by_role("main").get_by_role("link", name=fr("Challenges open for pitches")))
        page.wait_for_url("**/challenges?*")
        checked("challenges")
        assert page.get_by_role("link", name=closed.title).count() == 0
        go(page, page.get_by_role("link", name=challenge.title))
        page.wait_for_url(f"**/challenges/{challenge.slug}")
        checked("challenge")
        go(page, page.get_by_role("link", name=fr("Write a pitch")))
        page.wait_for_url("**/pitch/about")
        checked("pitch-about")

        type_into(page, page.get_by_role("textbox", name=fr("Title")), "Écoute acoustique du réseau")
        type_into(page, page.get_by_role("textbox", name=fr("Summary")),
                  "Des capteurs sur le réseau trouvent les fuites en quelques jours.")
        go(page, page.get_by_role("button", name=fr("Save and continue")))
        page.wait_for_url("**/pitch/approach")
        checked("pitch-approach")
        type_into(page, page.get_by_role("textbox", name=fr("Approach")),
                  "Nous posons quarante capteurs et faisons rapport chaque semaine.")
        type_into(page, page.get_by_role("textbox", name=fr("Evidence")), "Deux intercommunales l’utilisent.")
        tab_to(page, page.get_by_role("combobox", name=fr("Maturity (technology readiness level)")))
        page.keyboard.press("7")
        go(page, page.get_by_role("button", name=fr("Save and continue")))
        page.wait_for_url("**/pitch/pilot")
        checked("pitch-pilot")

        # A price in words is refused on the page: focus on the summary, what was typed kept.
        price = page.get_by_role("textbox", name=fr("Pilot price (euro, excluding VAT)"))
        type_into(page, price, "beaucoup")
        type_into(page, page.get_by_role("textbox", name=fr("Pilot duration (weeks)")), "12")
        type_into(page, page.get_by_role("textbox", name=fr("Team")), "Une ingénieure et un analyste.")
        go(page, page.get_by_role("button", name=fr("Save and continue")))
        assert focus_is_on_error_summary(page)
        assert price.input_value() == "beaucoup" and price.get_attribute("aria-invalid") == "true"
        checked("pitch-pilot-refused")
        type_into(page, price, "24000")
        go(page, page.get_by_role("button", name=fr("Save and continue")))
        page.wait_for_url("**/pitch/attachments")
        checked("pitch-attachments")

        # Files: a web page is refused, in French, on the form; a PDF is attached.
        with app.test_request_context(), force_locale("fr"):
            limit_mb = number(round(app.config["MAX_ATTACHMENT_BYTES"] / 1024 / 1024, 1))
            hint = gettext("PDF, Word, OpenDocument, plain text, PNG or JPEG, up to %(mb)s MB each; up to %(n)s files.",
                           mb=limit_mb, n=5)
        assert page.locator("#file-hint").inner_text() == hint  # the limit is said before, not only after a refusal
        accepted = page.get_by_label(fr("Attach a file")).get_attribute("accept").split(",")
        assert ".pdf" in accepted and "application/pdf" in accepted and not any("htm" in a for a in accepted)
        (tmp_path / "offre.html").write_text("<!doctype html><html><body><script>alert(1)</script></body></html>")
        (tmp_path / "offre.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
        # A PDF over the service's limit (under the request's own): refused on the form, the limit in French.
        limit = app.config["MAX_ATTACHMENT_BYTES"]
        (tmp_path / "annexes.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * limit)
        with app.test_request_context(), force_locale("fr"):
            too_big = gettext("The file must be smaller than %(mb)s MB.", mb=limit_mb)
        refusals = {"offre.html": fr("This file is a web page (HTML), which we do not accept. Send it as a PDF or "
                                     "plain text instead."), "annexes.pdf": too_big}
        for name in ("offre.html", "annexes.pdf", "offre.pdf"):
            tab_to(page, page.get_by_label(fr("Attach a file")))
            with page.expect_file_chooser() as chooser:
                page.keyboard.press("Space")
            chooser.value.set_files(str(tmp_path / name))
            go(page, page.get_by_role("button", name=fr("Attach"), exact=True))
            if name in refusals:
                assert focus_is_on_error_summary(page)
                assert refusals[name] in page.locator(".error-summary").inner_text()
                assert refusals[name] in page.locator("#file-error").inner_text()
                checked(f"pitch-attachment-refused-{name}")
        page.get_by_text(fr("The file is attached.")).wait_for()
        assert page.get_by_role("link", name="offre.pdf").is_visible()
        checked("pitch-attached")
        go(page, page.get_by_role("link", name=fr("Continue"), exact=True))
        page.wait_for_url("**/pitch/check")
        checked("pitch-check")

        # Submitted: the receipt on the page and by email, with the reference.
        go(page, page.get_by_role("button", name=fr("Submit pitch")))
        page.wait_for_url("**/receipt")
        submitted = _receipts()[-1]
        assert page.locator(".receipt-reference").inner_text() == submitted.reference
        checked("receipt")
        body = _email(smtp_sink, submitted.reference, checked.english)
        assert fr_date(app, submitted.issued_at) in body
        assert fr("You will hear the agency’s decision on Agora and by email.") in body

        # Withdrawn, after a confirmation.
        go(page, page.get_by_role("link", name=fr("Back to your pitch")))
        go(page, page.get_by_role("link", name=fr("Check and submit")))
        page.wait_for_url("**/pitch/check")
        go(page, page.get_by_role("link", name=fr("Withdraw pitch")))
        page.get_by_role("heading", name=fr("Withdraw your pitch?")).wait_for()
        checked("withdraw")
        assert len(_receipts()) == 1
        go(page, page.get_by_role("button", name=fr("Yes, withdraw my pitch")))
        page.wait_for_url("**/receipt")
        withdrawn = _receipts()[-1]
        assert withdrawn.kind == "withdrawn" and page.locator(".receipt-reference").inner_text() == withdrawn.reference
        assert db.session.scalars(select(Pitch.status)).one() == "withdrawn"
        checked("withdrawn")
        assert _email(smtp_sink, withdrawn.reference, checked.english)

        # A closed challenge: its page and the pitch pages say why, with the date, and offer no form.
        go(page, page.get_by_role("navigation", name=fr("Main")).get_by_role("link", name=fr("Challenges"), exact=True))
        page.wait_for_url("**/challenges")
        with force_locale("fr"):
            closed_label = str(status_label("closed"))
        tab_to(page, page.get_by_role("checkbox", name=closed_label, exact=True))
        page.keyboard.press("Space")
        go(page, page.get_by_role("button", name=fr("Apply")))
        checked("challenges-closed")
        go(page, page.get_by_role("link", name=closed.title))
        page.wait_for_url(f"**/challenges/{closed.slug}")
        checked("closed-challenge")
        reason = fr("The pitch deadline passed on %(when)s: pitches can no longer be submitted, changed or withdrawn.",
                    when=fr_date(app, closed.pitch_deadline))
        assert reason in page.locator("main").inner_text()
        assert page.get_by_role("link", name=fr("Write a pitch")).count() == 0
        assert fr("Questions are closed.") in page.locator("#questions").inner_text()  # not "closed on" a day to come
        page.goto(f"/challenges/{closed.slug}/pitch/about")  # no link leads there any more: typed, as a bookmark
        assert page.locator("#pitching-closed").inner_text().strip() == reason
        assert page.locator("main form").count() == 0
        # Never pitched and never can: no step is "not started" and no advice on writing the pitch.
        assert page.locator(".step-list .tag").count() == 0 and page.locator("#blind-round").count() == 0
        checked("closed-pitch")
    finally:
        context.close()
