"""The pages a public service owes everyone: each in four languages, linked from every page, naming the operator the
configuration names; the optional phase banner; the favicon."""
import logging
import re

import pytest

from marketplace import create_app

# path -> the page's heading in each language
PAGES = {
    "/accessibility": {"en": "Accessibility statement", "fr": "Déclaration d’accessibilité",
                       "nl": "Toegankelijkheidsverklaring", "de": "Erklärung zur Barrierefreiheit"},
    "/privacy": {"en": "Privacy notice", "fr": "Politique de confidentialité", "nl": "Privacyverklaring",
                 "de": "Datenschutzerklärung"},
    "/terms": {"en": "Terms of use", "fr": "Conditions d’utilisation", "nl": "Gebruiksvoorwaarden",
               "de": "Nutzungsbedingungen"},
    "/contact": {"en": "Contact", "fr": "Contact", "nl": "Contact", "de": "Kontakt"},
    "/help": {"en": "Help", "fr": "Aide", "nl": "Hulp", "de": "Hilfe"},
    "/help/companies": {"en": "Help for companies", "fr": "Aide pour les entreprises", "nl": "Hulp voor bedrijven",
                        "de": "Hilfe für Unternehmen"},
    "/help/agencies": {"en": "Help for agencies", "fr": "Aide pour les organismes publics",
                       "nl": "Hulp voor overheidsorganisaties", "de": "Hilfe für Behörden"},
}
# A sentence of each page's body, to show the text itself is translated, not only the heading.
BODY = {"en": "partially conformant", "fr": "partiellement conforme", "nl": "gedeeltelijk conform",
        "de": "teilweise konform"}


def _h1(html):
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()


@pytest.mark.parametrize("language", ["en", "fr", "nl", "de"])
def test_each_page_answers_in_each_language(client, language):
    for path, headings in PAGES.items():
        response = client.get(path, headers={"Accept-Language": language})
        assert response.status_code == 200, path
        assert f'<html lang="{language}">' in response.text
        assert _h1(response.text) == headings[language], path
        assert f"<title>{headings[language]} – Agora</title>" in response.text
    statement = client.get("/accessibility", headers={"Accept-Language": language}).text
    assert BODY[language] in statement


def test_the_pages_name_the_operator_from_the_configuration(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OPERATOR_NAME", "Service public fédéral Stratégie et Appui")
    monkeypatch.setitem(app.config, "OPERATOR_ADDRESS", "Boulevard Simon Bolivar 30, 1000 Brussels")
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "agora@bosa.example")
    monkeypatch.setitem(app.config, "DPO_EMAIL", "privacy@bosa.example")
    contact = client.get("/contact").text
    assert "Service public fédéral Stratégie et Appui" in contact
    assert "Boulevard Simon Bolivar 30, 1000 Brussels" in contact
    assert 'href="mailto:agora@bosa.example"' in contact and 'href="mailto:privacy@bosa.example"' in contact
    privacy = client.get("/privacy").text
    assert "Service public fédéral Stratégie et Appui runs Agora and is the controller" in privacy
    assert 'href="mailto:privacy@bosa.example"' in privacy
    assert "Article 6(1)(e)" in privacy and "Article 6(1)(b)" in privacy and "Data Protection Authority" in privacy
    statement = client.get("/accessibility").text
    assert 'href="mailto:agora@bosa.example"' in statement and "ombudsman" in statement
    prepared_on = re.search(r"This statement was prepared on (.*?), by our own assessment", statement).group(1)
    assert "December" in prepared_on and "2026" in prepared_on  # the date of the statement, as dates are written


def test_without_a_data_protection_officer_the_contact_address_answers(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "DPO_EMAIL", None)
    assert "Our data protection officer: <a href=\"mailto:contact@agora.example\">" in client.get("/privacy").text


@pytest.mark.parametrize("path", ["/", "/challenges", "/stats", "/auth/login", "/privacy", "/no/such/page"])
def test_every_page_links_to_them_in_its_footer(client, path):
    page = client.get(path).text
    footer = re.search(r'<footer class="site-footer">.*?</footer>', page, re.S).group(0)
    for link in ("/accessibility", "/privacy", "/terms", "/contact", "/help"):
        assert f'href="{link}"' in footer, (path, link)
    assert 'rel="icon"' in page


def test_signed_in_pages_have_the_footer_links_too(client, login, f):
    login(f.member(f.Company(), "owner"))
    footer = re.search(r'<footer class="site-footer">.*?</footer>', client.get("/dashboard").text, re.S).group(0)
    assert 'href="/accessibility"' in footer and 'href="/privacy"' in footer


def test_the_pages_are_kept_for_visitors_like_other_public_pages(client):
    first, second = client.get("/help/companies"), client.get("/help/companies")
    assert first.headers["X-Page-Cache"] == "miss" and second.headers["X-Page-Cache"] == "hit"


def test_the_phase_banner_shows_only_when_configured(app, client, monkeypatch):
    assert "phase-banner" not in client.get("/").text
    monkeypatch.setitem(app.config, "PHASE_BANNER", "beta")
    page = client.get("/challenges", headers={"Accept-Language": "fr"}).text
    banner = re.search(r"<div class=\"phase-banner\">.*?</p>", page, re.S).group(0)
    assert '<strong class="tag">Bêta</strong>' in banner and 'href="/contact"' in banner
    assert page.index("phase-banner") < page.index("</header>")
    monkeypatch.setitem(app.config, "PHASE_FEEDBACK_URL", "https://forms.example/agora-feedback")
    assert 'href="https://forms.example/agora-feedback"' in client.get("/terms").text


def test_the_favicon_answers_at_the_address_browsers_ask_for(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def app_warnings(monkeypatch):
    """What the app's logger warns of, whatever other tests did to the logging set-up (a JSON handler on the root,
    loggers disabled by a logging configuration)."""
    logger, collect = logging.getLogger("marketplace"), _Collect()
    monkeypatch.setattr(logger, "disabled", False)
    logger.addHandler(collect)
    yield collect.messages
    logger.removeHandler(collect)


def test_production_warns_when_it_cannot_say_who_runs_the_service(app_warnings):
    create_app("production", SECRET_KEY="x" * 48, AUDIT_KEY="a" * 48, OCDS_OCID_PREFIX="ocds-7ax2k9", OPERATOR_NAME=None, CONTACT_EMAIL=None, JSON_LOGS=False)
    assert app_warnings == ["OPERATOR_NAME and CONTACT_EMAIL not set: the contact, privacy and accessibility "
                            "pages cannot say who runs Agora or how to reach them"]
    app_warnings.clear()
    create_app("production", SECRET_KEY="x" * 48, AUDIT_KEY="a" * 48, OCDS_OCID_PREFIX="ocds-7ax2k9", OPERATOR_NAME="Digital Flanders",
               CONTACT_EMAIL="agora@flanders.example", JSON_LOGS=False)
    assert app_warnings == []
