"""At 320 px (WCAG 1.4.10) the tables people work from stay readable: no word cut in two, nothing hidden.

A data table may scroll sideways inside its wrapper; then the wrapper must be reachable by keyboard and named.
"""
from datetime import timedelta

import pytest

from marketplace.services.clock import utcnow
from tests.browser.checks import check_narrow
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _check_narrow(page, a11y):
    check_narrow(page)
    a11y.check(page)


def test_dashboards_and_challenge_tables_at_320_px_in_french(browser, live_server, a11y, shot, f):
    agency = f.Agency(name="Vlaamse Milieumaatschappij")
    company = f.Company(name="Hydrosurveillance Intercommunale")
    owner = f.member(company, "owner", locale="fr")
    publisher = f.member(agency, "publisher", locale="fr")
    challenge = f.Challenge(agency=agency, title="Détection précoce des fuites d’eau souterraines",
                            pitch_deadline=utcnow() + timedelta(days=9))
    f.Pitch(challenge=challenge, company=company, title="Capteurs acoustiques intercommunaux")

    context = browser.new_context(base_url=live_server, locale="fr-BE", viewport={"width": 320, "height": 800})
    page = context.new_page()
    try:
        for user, pages in ((owner, ["/dashboard", f"/challenges/{challenge.slug}"]),
                            (publisher, ["/dashboard", "/stats"])):
            context.clear_cookies()
            page.goto("/auth/login")
            page.get_by_label("Adresse e-mail").fill(user.email)
            page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Se connecter").click()
            for path in pages:
                page.goto(path)
                _check_narrow(page, a11y)
                shot(page, f"{user.membership.role}-{path.strip('/').replace('/', '-')}")
    finally:
        context.close()
