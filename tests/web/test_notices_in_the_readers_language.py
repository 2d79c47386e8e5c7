"""A notice whose words hold dates, amounts or several sentences (a challenge's correction notice, a pilot's stage
and its due date) is said in each reader's language: a French and an English reader of the same notice each read
theirs, in the inbox and in the email, and a reader who changes language reads the notice again in the new one."""
from datetime import date, timedelta
from html import unescape

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.formatting import day, force_timezone, lazy
from marketplace.models import EmailDelivery, Notification
from marketplace.services.challenges import amendments
from marketplace.services.messaging import notifications
from marketplace.services.messaging.outbox import process_event, process_pending
from marketplace.services.organisations import companies
from marketplace.services.pilots import pilot_reminders, pilots

ZONE = "Europe/Brussels"


def _in(locale, *texts):
    with force_locale(locale), force_timezone(ZONE):
        return [str(t) for t in texts]


def _inbox(client, login, user):
    login(user)
    return unescape(client.get("/notifications").text)


def _email(user, kind):
    return db.session.scalars(select(EmailDelivery).where(EmailDelivery.user_id == user.id,
                                                          EmailDelivery.dedupe_key.like(f"email:{kind}:%"))).one()


def test_a_correction_notice_is_said_in_each_readers_language(client, login, f, smtp_sink):
    challenge = f.Challenge(title="Fewer missed appointments", budget_max=50000)
    publisher = f.member(challenge.agency, "publisher")
    english = f.member(f.Company(), "owner", locale="en", timezone=ZONE)
    french = f.member(f.Company(), "owner", locale="fr", timezone=ZONE)
    for reader in (english, french):
        companies.follow(reader, challenge.slug)
    new = challenge.pitch_deadline + timedelta(days=7)
    notice = amendments.correct_published_challenge(publisher, challenge.id, {
        "pitch_deadline": new, "budget_max": 60000, "reason": "Two companies asked for more time."})
    process_pending()
    changes = amendments.describe(notice)
    said = {locale: _in(locale, *changes) for locale in ("en", "fr")}
    assert said["en"][0].startswith("Pitch deadline: extended from ") and "60,000" in said["en"][1]
    assert said["fr"][0].startswith("Date limite des propositions : reporté du ") and "60\u202f000" in said["fr"][1]
    assert str(new.year) in said["fr"][0] and said["fr"][0] != said["en"][0]

    for reader, locale, other in ((english, "en", "fr"), (french, "fr", "en")):
        page, email = _inbox(client, login, reader), _email(reader, "notice").body_text
        for text in (page, email):
            assert all(line in text for line in said[locale]), (locale, text)
            assert not any(line in text for line in said[other])
            assert "Two companies asked for more time." in text
        assert ("has been corrected or extended" in email) == (locale == "en")
        assert ("a été corrigé ou prolongé" in email) == (locale == "fr")
        assert f'<p class="pre-line">{said[locale][0]}\n{said[locale][1]}\n\nTwo companies' in page  # one a line

    # The English reader turns to French: the same notice, dates and amounts included, is read in French now, in the
    # inbox and in the digest.
    english.locale, english.notification_preference = "fr", notifications.DAILY
    db.session.commit()
    page = _inbox(client, login, english)
    assert all(line in page for line in said["fr"]) and "a été corrigé ou prolongé" in page
    assert not any(line in page for line in said["en"])
    notifications.send_daily_digests()
    digest = db.session.scalars(select(EmailDelivery).where(EmailDelivery.user_id == english.id,
                                                            EmailDelivery.dedupe_key.like("digest:%"))).one()
    assert "« Fewer missed appointments » a été corrigé ou prolongé" in digest.body_text  # the digest lists titles


@pytest.fixture
def pilot_of_two_languages(f):
    challenge = f.Challenge(status="evaluating", title="Cleaner rivers")
    pitch = f.Pitch(challenge=challenge, status="selected")
    officer = f.member(challenge.agency, "procurement_officer", locale="en", timezone=ZONE)
    company_owner = f.member(pitch.company, "owner", locale="fr", timezone=ZONE)
    db.session.commit()
    pilot = pilots.start_pilot(officer, pitch.id, budget="10000", starts_on=date.today(),
                               ends_on=date.today() + timedelta(days=60), owner_id=officer.id)
    return pilot, officer, company_owner


def test_a_pilots_stage_and_due_date_are_said_in_each_readers_language(client, login, pilot_of_two_languages,
                                                                       smtp_sink):
    pilot, english, french = pilot_of_two_languages
    process_pending()
    due = pilot.stage_due_on
    english_day, french_day = _in("en", lazy(day, due))[0], _in("fr", lazy(day, due))[0]
    assert english_day != french_day
    body = _l("Challenge: %(challenge)s. Due by %(due)s.", challenge="Cleaner rivers", due=lazy(day, due))
    expected = {"en": _in("en", body)[0], "fr": _in("fr", body)[0]}
    assert expected["en"] == f"Challenge: Cleaner rivers. Due by {english_day}."
    assert expected["fr"] == f"Défi\xa0: Cleaner rivers. Échéance\xa0: {french_day}."
    for reader, locale, other in ((english, "en", "fr"), (french, "fr", "en")):
        page, email = _inbox(client, login, reader), _email(reader, "pilot-stage").body_text
        for text in (page, email):
            assert expected[locale] in text and expected[other] not in text, (locale, text)

    # The owner's reminder before the stage is due, read after the owner turned to French.
    pilot_reminders.remind_due_stages(today=due - timedelta(days=1))
    assert f"is due on {english_day}" in _email(english, "pilot-due-soon").body_text
    english.locale = "fr"
    db.session.commit()
    page = _inbox(client, login, english)
    assert f"du projet pilote arrive à échéance le {french_day}" in page and english_day not in page
    assert expected["fr"] in page  # the stage's notice too
    kept = db.session.scalars(select(Notification).where(Notification.user_id == english.id,
                                                         Notification.kind == "pilot.due-soon")).one()
    assert kept.title_message["params"]["due"] == {"formatted": "day", "args": [{"date": due.isoformat()}],
                                                   "kwargs": {}}


def test_what_cannot_be_kept_is_shown_as_stored(app):
    """A value formatted by a function of its own, or a line that is neither text nor message, cannot be said
    again: the notice keeps no message and its reader sees the stored text."""
    from marketplace.services.messaging.notice_text import lines, message_of, said_again

    assert message_of(_l("Due by %(due)s.", due=lazy(lambda: "tomorrow"))) is None
    assert message_of(lines(_l("Title"), 3)) is None
    kept = message_of(lines(_l("Title"), "", "as written"))
    assert kept == {"lines": [{"message": {"args": ["Title"], "params": {}}}, "", "as written"]}
    with force_locale("fr"):
        assert said_again(kept, "stored") == "Titre\n\nas written"
    broken = {"args": ["Due by %(due)s."], "params": {"due": {"formatted": "a_formatter_gone", "args": []}}}
    assert said_again(broken, "stored") == "stored"


def test_a_match_and_an_invitation_are_said_with_their_reasons_in_each_readers_language(client, login, f, smtp_sink):
    """The reasons of a match (a sector named in the reader's language, a budget that fits) are kept as messages."""
    import marketplace.services.messaging.handlers  # noqa: F401  (registers the handlers)
    from marketplace.services.matching import matching
    from tests.services.test_matching import _publish

    challenge = f.Challenge(title="Fewer missed hospital appointments", budget_min=10000, budget_max=30000)
    f.set_sectors(challenge, ["85"])
    company = f.Company(name="Careful", size="small", capability_statement="Outpatient appointment reminders.")
    f.set_sectors(company, ["85"])
    english = f.member(company, "owner", locale="en", timezone=ZONE)
    french = f.member(company, "member", locale="fr", timezone=ZONE)
    process_event(_publish(challenge).id)
    matching.invite_to_pitch(f.member(challenge.agency, "publisher"), challenge, company.id)
    process_pending()
    [reasons] = [matching.reasons_from_data(m.reasons) for m in db.session.scalars(select(matching.Match))]
    sector = {locale: _in(locale, reasons[0])[0] for locale in ("en", "fr")}
    assert sector["en"].startswith("Works in sector 85") and sector["fr"].startswith("Active dans le secteur 85")
    assert sector["en"] != sector["fr"].replace("Active dans le secteur", "Works in sector")  # the name too
    titles = {"en": ("New challenge that matches Careful", "invites Careful to pitch"),
              "fr": ("Nouveau défi correspondant à Careful", "invite Careful à déposer une proposition")}
    for reader, locale, other in ((english, "en", "fr"), (french, "fr", "en")):
        page = _inbox(client, login, reader)
        emails = [_email(reader, kind).body_text for kind in ("match", "invite")]
        for text in (page, *emails):
            assert sector[locale] in text and sector[other] not in text, (locale, text)
        assert all(title in page for title in titles[locale]) and not any(t in page for t in titles[other])
    english.locale = "fr"
    db.session.commit()
    page = _inbox(client, login, english)
    assert sector["fr"] in page and all(title in page for title in titles["fr"]) and sector["en"] not in page
