"""At 320 px (WCAG 1.4.10) the tables people work from stay readable: no word cut in two, nothing hidden.

A data table may scroll sideways inside its wrapper; then the wrapper must be reachable by keyboard and named.
"""
from datetime import timedelta

import pytest

from marketplace.services.clock import utcnow
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

# Every word of every table cell laid out on one line: a word split over two lines has two client rectangles.
BROKEN_WORDS = """() => {
  const broken = [];
  document.querySelectorAll('.table-wrap th, .table-wrap td').forEach(cell => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g; let m;
      while ((m = re.exec(node.data)) !== null) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
        if (lines.size > 1) { broken.push(m[0]); }
      }
    }
  });
  return broken;
}"""

UNREACHABLE_SCROLLERS = """() => Array.from(document.querySelectorAll('.table-wrap'))
  .filter(w => w.scrollWidth > w.clientWidth + 1)
  .filter(w => w.getAttribute('tabindex') !== '0' || !(w.getAttribute('aria-label') || w.getAttribute('aria-labelledby')))
  .map(w => w.outerHTML.slice(0, 80))"""


def _check_narrow(page, a11y):
    assert page.evaluate(BROKEN_WORDS) == []
    assert page.evaluate(UNREACHABLE_SCROLLERS) == []
    # The page itself does not scroll sideways: only a table's own wrapper may.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
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
