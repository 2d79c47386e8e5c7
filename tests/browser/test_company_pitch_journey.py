"""A company's pitch in French, in a real browser: submitted with a receipt by email, withdrawn after a
confirmation, then the challenge closes and the pitch pages say why, with the date, and offer no form."""
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.formatting import force_timezone, localtime
from marketplace.models import PitchReceipt
from marketplace.services.challenges.lifecycle import move_challenge
from marketplace.services.clock import utcnow
from marketplace.services.messaging.outbox import process_pending
from marketplace.services.pitches import pitches

pytestmark = pytest.mark.browser
ZONE = "Europe/Paris"


def fr(msgid, **values):
    """The text as the French page shows it (the catalogue's French, or the English until it is translated)."""
    with force_locale("fr"), force_timezone(ZONE):
        return gettext(msgid, **values)


def _receipts():
    db.session.expire_all()
    return db.session.scalars(select(PitchReceipt).order_by(PitchReceipt.id)).all()


def _email_with(smtp_sink, address, reference):
    process_pending()
    return next(m for m in smtp_sink.messages if m["To"] == address and reference in m["Subject"])


def test_a_french_company_submits_withdraws_and_finds_the_closed_pitch_explained(
        app, page, a11y, shot, sign_in, f, smtp_sink):
    challenge = f.Challenge(title="Moins de rendez-vous manqués", pitch_deadline=utcnow() + timedelta(days=3))
    member = f.member(f.Company(name="RappelSMS"), "owner", locale="fr", timezone=ZONE)
    pitches.save_draft(member, challenge.slug, {"title": "Rappels par SMS", "summary": "Les patients répondent.",
                                                "approach": "Un SMS trois jours avant."})
    sign_in(member)
    page.goto(f"/challenges/{challenge.slug}/pitch/check")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("button", name=fr("Submit pitch")).click()
    page.wait_for_url("**/receipt")
    submitted = _receipts()[-1]
    assert page.locator(".receipt-reference").inner_text() == submitted.reference
    assert page.get_by_role("heading", name=fr("What happens next")).is_visible()
    a11y.check(page)
    shot(page, "receipt")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator(".receipt-reference").is_visible()
    shot(page, "receipt-printed")
    page.emulate_media(media="screen")
    email = _email_with(smtp_sink, member.email, submitted.reference)
    body = email.get_body(("plain",)).get_content()
    with app.test_request_context(), force_locale("fr"), force_timezone(ZONE):
        received = localtime(submitted.issued_at)
    assert received in body and fr("You will hear the agency’s decision on Agora and by email.") in body

    # Withdrawing asks first; nothing happens until the company confirms.
    page.goto(f"/challenges/{challenge.slug}/pitch/check")
    page.get_by_role("link", name=fr("Withdraw pitch")).click()
    page.get_by_role("heading", name=fr("Withdraw your pitch?")).wait_for()
    a11y.check(page)
    assert len(_receipts()) == 1
    page.get_by_role("button", name=fr("Yes, withdraw my pitch")).click()
    page.wait_for_url("**/receipt")
    withdrawn = _receipts()[-1]
    assert withdrawn.kind == "withdrawn" and page.locator(".receipt-reference").inner_text() == withdrawn.reference
    assert _email_with(smtp_sink, member.email, withdrawn.reference)
    page.goto(f"/challenges/{challenge.slug}")
    box = page.locator("#your-pitch")
    assert fr("Continue your draft pitch") not in box.inner_text()
    with app.test_request_context(), force_locale("fr"), force_timezone(ZONE):
        deadline = localtime(challenge.pitch_deadline)
    assert fr("You can submit it again until the deadline, %(when)s.", when=deadline) in box.inner_text()
    a11y.check(page)

    # The deadline passes and the challenge closes: the pitch pages say why, with the date, and offer no form.
    challenge.pitch_deadline = utcnow() - timedelta(minutes=5)
    move_challenge(None, challenge, "closed")
    db.session.commit()
    with app.test_request_context(), force_locale("fr"), force_timezone(ZONE):
        passed = localtime(challenge.pitch_deadline)
    reason = fr("The pitch deadline passed on %(when)s: pitches can no longer be submitted, changed or withdrawn.",
                when=passed)
    for step in ("check", "about"):
        page.goto(f"/challenges/{challenge.slug}/pitch/{step}")
        assert page.locator("#pitching-closed").inner_text().strip() == reason
        assert page.locator("main form").count() == 0  # not a field to post, not a button that fails
    assert page.get_by_role("textbox", name=fr("Title")).get_attribute("readonly") is not None
    a11y.check(page)
    shot(page, "closed")
    page.goto(f"/challenges/{challenge.slug}")
    assert reason in page.locator("#your-pitch").inner_text()
