"""Receipts people can keep: a short stable reference per submission, resubmission and withdrawal, emailed."""
import re
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_timezone_name
from flask_babel import force_locale, gettext
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import EmailDelivery
from marketplace.services.messaging.outbox import process_pending
from marketplace.services.pitches import pitches, receipts

FIELDS = {"title": "Two-way text reminders", "summary": "Patients answer by text.", "approach": "We send texts."}
REFERENCE = re.compile(r"^AG-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def test_each_receipt_has_its_own_short_reference_derived_from_what_it_records(f):
    challenge = f.Challenge()
    member = f.member(f.Company(), "member")
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    pitches.save_draft(member, challenge.slug, dict(FIELDS, summary="Better."))
    pitches.withdraw_pitch(member, pitch.id)
    kept = pitch.receipts
    assert [r.kind for r in kept] == ["submitted", "resubmitted", "withdrawn"]
    assert all(REFERENCE.match(r.reference) for r in kept) and len({r.reference for r in kept}) == 3
    first = kept[0]
    assert first.reference == receipts.reference_for(pitch.id, "submitted", first.issued_at, first.digest)
    assert kept[2].digest is None and kept[1].digest == pitch.receipt_digest


def test_the_receipt_email_is_in_the_company_users_language_and_zone(f):
    challenge = f.Challenge(title="Fewer missed appointments")
    company = f.Company()
    member = f.member(company, "member", locale="fr", timezone="America/Montreal")
    colleague = f.member(company, "owner")
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    process_pending()
    receipt = pitch.receipts[-1]
    emails = {e.to_address: e for e in db.session.scalars(select(EmailDelivery)).all()}
    assert set(emails) == {member.email, colleague.email}
    email = emails[member.email]
    with force_locale("fr"):
        subject = gettext("Receipt %(reference)s: your pitch for “%(title)s” is submitted",
                          reference=receipt.reference, title=challenge.title)
        next_step = gettext("You will hear the agency’s decision on Agora and by email.")
    assert email.subject == subject and receipt.reference in email.body_text
    local = receipt.issued_at.astimezone(ZoneInfo("America/Montreal"))
    assert f"{format_date(local, 'd MMMM y', locale='fr')}, {local:%H:%M}" in email.body_text  # "3 décembre 2026, 09:02"
    assert get_timezone_name("America/Montreal", width="long", locale="fr") in email.body_text
    assert next_step in email.body_text and "Agora – " in email.body_text
    assert "/pitches/%d/receipt" % pitch.id in email.body_text
    assert receipt.reference in emails[colleague.email].subject
    process_pending()  # handled once: no second email
    assert db.session.query(EmailDelivery).count() == 2


def test_each_kind_of_receipt_says_what_it_acknowledges(f):
    challenge = f.Challenge(title="Fewer missed appointments")
    member = f.member(f.Company(), "owner")
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    pitches.save_draft(member, challenge.slug, dict(FIELDS, summary="Better."))
    pitches.withdraw_pitch(member, pitch.id)
    process_pending()
    subjects = {e.subject for e in db.session.scalars(select(EmailDelivery)).all()}
    submitted, resubmitted, withdrawn = (r.reference for r in pitch.receipts)
    assert subjects == {
        f"Receipt {submitted}: your pitch for “{challenge.title}” is submitted",
        f"Receipt {resubmitted}: your changed pitch for “{challenge.title}” is submitted",
        f"Receipt {withdrawn}: your pitch for “{challenge.title}” is withdrawn",
    }
