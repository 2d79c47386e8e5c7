"""Four languages: which one a page is in, the header's switcher, and dates, numbers and money for each."""
import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, User
from marketplace.services.organisations.cpv import cpv_choices, cpv_name


def _lang(response):
    return re.search(r'<html lang="([^"]+)">', response.text).group(1)


def test_a_visitor_gets_the_browser_language_or_else_english(client):
    assert _lang(client.get("/")) == "en"
    assert _lang(client.get("/", headers={"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"})) == "nl"
    assert _lang(client.get("/", headers={"Accept-Language": "de-AT"})) == "de"
    assert _lang(client.get("/", headers={"Accept-Language": "ja, zh;q=0.8"})) == "en"


def test_a_saved_preference_beats_the_browser(client, login, f):
    person = login(f.member(f.Company(), "owner", locale="de"))
    assert _lang(client.get("/dashboard", headers={"Accept-Language": "fr"})) == "de"
    person.locale = None  # "as my browser asks"
    db.session.commit()
    assert _lang(client.get("/dashboard", headers={"Accept-Language": "fr"})) == "fr"


def test_a_visitor_switches_language_and_stays_on_the_page(client):
    page = client.get("/challenges?q=water").text
    switcher = re.search(r'<form class="language-switcher".*?</form>', page, re.S).group(0)
    assert 'aria-current="true">English' in switcher and 'value="/challenges?q=water"' in switcher
    assert 'name="switch_to" value="fr" lang="fr">Français</button>' in switcher
    assert "csrf_token" not in switcher  # a visitor's choice needs no session until they make it
    response = client.post("/language", data={"locale": "fr", "next": "/challenges?q=water"})
    assert response.status_code == 302 and response.headers["Location"] == "/challenges?q=water"
    assert _lang(client.get("/challenges", headers={"Accept-Language": "de"})) == "fr"


@pytest.mark.parametrize("next_page", ["https://evil.example/", "//evil.example/", "/\\evil.example", "", None])
def test_the_switcher_never_leads_off_the_site(client, next_page):
    data = {"locale": "nl"} if next_page is None else {"locale": "nl", "next": next_page}
    response = client.post("/language", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_signed_in_switch_is_saved_as_the_preference_and_audited(client, login, f):
    person = login(f.member(f.Company(), "owner"))
    response = client.post("/language", data={"locale": "nl", "next": "/dashboard"})
    assert response.headers["Location"] == "/dashboard"
    assert db.session.get(User, person.id).locale == "nl"
    assert _lang(client.get("/dashboard", headers={"Accept-Language": "fr"})) == "nl"
    change = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.settings_changed")).one()
    assert change.after == {"locale": "nl"}


@pytest.mark.parametrize("locale", ["xx", "../../etc", "", "e" * 10_000])
def test_an_unknown_language_is_refused_and_changes_nothing(client, login, f, locale):
    assert client.post("/language", data={"locale": locale}).status_code == 422
    person = login(f.member(f.Company(), "owner", locale="fr"))
    response = client.post("/language", data={"locale": locale})
    # Refused in the person's own language, French.
    assert response.status_code == 422 and "Choisissez une langue dans la liste." in response.text
    assert db.session.get(User, person.id).locale == "fr"


def test_a_signed_in_switch_needs_the_form_token(app, client, login, f):
    person = login(f.member(f.Company(), "owner"))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/language", data={"locale": "de"}).status_code == 400
        assert db.session.get(User, person.id).locale is None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("language,money,deadline", [
    ("en", "€5,000 – €20,000", "14 March 2030"),
    ("fr", "5\u202f000\xa0€ – 20\u202f000\xa0€", "14 mars 2030"),
    ("nl", "€\xa05.000 – €\xa020.000", "14 maart 2030"),
    ("de", "5.000\xa0€ – 20.000\xa0€", "14. März 2030"),
])
def test_dates_and_money_are_written_as_the_language_writes_them(client, f, language, money, deadline):
    f.Challenge(budget_min=Decimal(5000), budget_max=Decimal(20000),
                pitch_deadline=datetime(2030, 3, 14, 11, 0, tzinfo=timezone.utc))
    page = client.get("/challenges", headers={"Accept-Language": language}).text
    assert money in page and deadline in page


def test_cpv_divisions_are_named_in_the_page_language(app):
    with app.test_request_context():
        with force_locale("en"):
            assert cpv_name("45") == "Construction work"
            choices = dict(cpv_choices())
            assert str(choices["45"]) == "45 – Construction work"
        assert cpv_name("99") == "99"  # an unknown code is shown as it is


def test_each_language_keeps_its_own_cpv_names_in_one_process(app, client):
    # The names are looked up once per language and process: a French page must not leave French names
    # behind for the next English one, nor the other way round.
    expected = {"en": "Construction work", "fr": "Travaux de construction", "nl": "Bouwwerkzaamheden",
                "de": "Bauarbeiten"}
    for language in ["en", "fr", "nl", "de", "en", "de", "fr"]:
        with app.test_request_context(), force_locale(language):
            assert cpv_name("45") == expected[language]
        page = client.get("/challenges", headers={"Accept-Language": language}).text
        assert f"45 – {expected[language]}</option>" in page
        assert all(f"45 – {name}" not in page for other, name in expected.items() if other != language)


def test_the_sign_in_request_is_in_the_visitors_language(client):
    response = client.get("/dashboard", headers={"Accept-Language": "fr"}, follow_redirects=True)
    assert "Please log in" not in response.text and "Connectez-vous pour voir cette page." in response.text


def test_the_catalogue_kept_for_a_request_follows_force_locale_and_refresh(app):
    # The catalogue is kept per request (web/i18n.py): a language forced for an email, then released, must not
    # leave its catalogue behind, in Python nor in a template; nor may a language chosen during the request.
    from flask import render_template_string, session
    from flask_babel import gettext, refresh

    def both():  # the template first: each may keep the catalogue the other then finds
        template = render_template_string("{{ _('Sign in') }}")
        return gettext("Sign in"), template

    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert both() == ("Anmelden", "Anmelden")
        with force_locale("fr"):
            assert both() == ("Se connecter", "Se connecter")
            with force_locale("nl"):
                assert both() == ("Aanmelden", "Aanmelden")
            assert both() == ("Se connecter", "Se connecter")
        assert both() == ("Anmelden", "Anmelden")
        session["locale"] = "fr"
        assert both() == ("Anmelden", "Anmelden")  # flask_babel keeps the language until refreshed
        refresh()
        assert both() == ("Se connecter", "Se connecter")


def test_a_language_picked_before_signing_in_is_kept_and_saved_to_the_account(client, f):
    from tests.factories import PASSWORD

    person = f.member(f.Company(), "owner", locale="en")
    client.post("/language", data={"locale": "fr", "next": "/auth/login"})
    signed_in = client.post("/auth/login", data={"email": person.email, "password": PASSWORD}, follow_redirects=True)
    assert _lang(signed_in) == "fr" and db.session.get(User, person.id).locale == "fr"
    # The pick is the account's now, not the session's: a language chosen later in the settings is not undone by
    # signing in again from this browser (its session ended elsewhere, say).
    client.post("/account", data={"name": person.name, "locale": "nl", "timezone": "Europe/Brussels",
                                  "notification_preference": "immediate"})
    assert db.session.get(User, person.id).locale == "nl"
    assert _lang(client.post("/auth/login", data={"email": person.email, "password": PASSWORD},
                             follow_redirects=True)) == "nl"


def test_an_account_with_no_language_saved_keeps_the_one_it_signed_in_in(client, f):
    from tests.factories import PASSWORD

    person = f.member(f.Company(), "member", locale=None)  # notices and emails would come in English
    client.post("/auth/login", data={"email": person.email, "password": PASSWORD},
                headers={"Accept-Language": "nl-BE,nl;q=0.9"})
    assert db.session.get(User, person.id).locale == "nl"


def test_signing_out_keeps_the_language_the_person_read_without_giving_it_to_the_next_person(client, f):
    from tests.factories import PASSWORD

    french, dutch = f.member(f.Company(), "owner", locale="fr"), f.member(f.Company(), "owner", locale="nl")
    english_browser = {"Accept-Language": "en-GB"}
    client.post("/auth/login", data={"email": french.email, "password": PASSWORD})
    signed_out = client.post("/auth/logout", headers=english_browser, follow_redirects=True)
    assert _lang(signed_out) == "fr" and "Déconnexion réussie" in signed_out.text
    assert _lang(client.get("/challenges", headers=english_browser)) == "fr"
    signed_in = client.post("/auth/login", data={"email": dutch.email, "password": PASSWORD}, follow_redirects=True)
    assert _lang(signed_in) == "nl" and db.session.get(User, dutch.id).locale == "nl"  # not made French


def _switcher(page):
    form = re.search(r'<form class="language-switcher"[^>]*>(.*?)</form>', page, re.S)
    return form.group(0), dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))


def test_after_a_refused_form_the_switcher_shows_that_form_again_in_the_new_language_and_saves_nothing(
        client, login, f):
    """No script needed: the switcher sends the refused form again to its own address (…/questions, POST only);
    the same form comes back in French, with the text and the reason in French, and no question is sent."""
    from marketplace.models import Question
    from marketplace.services.challenges.questions import QUESTION_TOO_LONG

    challenge = f.Challenge()
    login(f.member(f.Company(), "owner", locale="en"))
    ask = f"/challenges/{challenge.slug}/questions"
    typed = "Which <pipes> & meters? " * 100  # 2,400 characters, over the 2,000 allowed
    page = client.post(ask, data={"body": typed}).text
    switcher, resent = _switcher(page)
    assert f'action="{ask}"' in switcher and 'name="switch_to" value="fr"' in switcher
    assert resent["body"] == typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert "next" not in resent  # (the form's CSRF token too, when checked: it is in what was sent)

    again = client.post(ask, data={"body": typed, "switch_to": "fr"})
    assert again.status_code == 422 and _lang(again) == "fr"
    with force_locale("fr"):
        assert str(QUESTION_TOO_LONG) in again.text
    assert "Which &lt;pipes&gt; &amp; meters?" in again.text  # the text in its field, as sent
    assert _switcher(again.text)[0].count(f'action="{ask}"') == 1  # and the next switch sends it again
    assert db.session.scalars(select(Question)).all() == []

    # Corrected before switching: shown again, not sent; the page says so.
    fine = client.post(ask, data={"body": "Which meters?", "switch_to": "nl"})
    assert fine.status_code == 200 and _lang(fine) == "nl" and "Which meters?" in fine.text
    with force_locale("nl"):
        from flask_babel import gettext
        assert gettext("The form is shown again in this language. Nothing was saved or sent: check it, then send "
                       "it.") in fine.text.replace("&#39;", "'").replace("’", "’")
    assert db.session.scalars(select(Question)).all() == []


def test_a_refused_password_is_never_written_into_the_switcher(client, f):
    """A refused password change: the switcher sends the form again without any password in the page."""
    from tests.factories import PASSWORD

    user = f.member(f.Company(), "owner", locale="en")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    page = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "short",
                                                   }).text
    assert "short" not in _switcher(page)[0] and PASSWORD not in page


def test_after_a_form_not_sent_again_the_switcher_leads_to_a_page_not_to_an_address_that_takes_only_a_post(
        client, login, f):
    """A form the switcher does not send again (sign-in, kept by the browser's script) names a way back."""
    page = client.post("/auth/login", data={"email": "nobody@example.org", "password": "x" * 12},
                       headers={"Referer": "http://localhost/auth/login?next=%2Fdashboard"}).text
    _, resent = _switcher(page)
    assert resent["next"] == "/auth/login?next=%2Fdashboard" and "password" not in resent
