"""A visitor reads the statistics in a real browser: charts drawn without script or inline style, axe-clean."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.extensions import db
from marketplace.models import Pilot, Question
from marketplace.services.clock import utcnow

pytestmark = pytest.mark.browser


@pytest.fixture
def figures(f):
    now = utcnow()
    agency = f.Agency(name="Flemish Water Board")
    for months_ago, status in ((5, "completed"), (4, "cancelled"), (2, "piloting"), (1, "closed"), (0, "published")):
        f.Challenge(agency=agency, status=status, published_at=now - timedelta(days=30 * months_ago + 1),
                    pitch_deadline=now - timedelta(days=1) if status != "published" else now + timedelta(days=9))
    closed = f.Challenge(agency=agency, status="piloting", published_at=now - timedelta(days=60),
                         pitch_deadline=now - timedelta(days=30))
    pitches = [f.Pitch(challenge=closed, company=f.Company(size=size), status=status, submitted_at=now)
               for size, status in (("micro", "selected"), ("small", "selected"), ("large", "not_selected"))]
    for pitch, stage, start in ((pitches[0], "adopted", 40), (pitches[1], "stopped", 75)):
        db.session.add(Pilot(challenge_id=closed.id, pitch_id=pitch.id, agency_id=agency.id,
                             company_id=pitch.company_id, budget=Decimal("9000"), stage=stage,
                             starts_on=(now - timedelta(days=60 - start)).date(), ends_on=date.today()))
    db.session.add(Question(challenge_id=closed.id, body="When?", answer="In spring.",
                            asked_at=now - timedelta(days=50), answered_at=now - timedelta(days=49)))
    db.session.commit()


def test_a_visitor_reads_the_statistics(page, a11y, shot, figures):
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.goto("/challenges")
    page.get_by_role("link", name="Statistics").click()
    assert page.get_by_role("heading", level=1, name="Statistics").is_visible()
    assert page.get_by_role("img", name="Challenges by month of publishing and status").is_visible()
    assert page.get_by_text("67% of 3 pitches came from small and medium-sized enterprises").is_visible()
    assert page.get_by_text("50% of the pilots with an outcome were adopted").is_visible()
    assert page.locator("svg.chart").count() == 6 and page.locator("svg.chart rect").count() > 6
    # The bars take their colour from the style sheet: an inline style refused by the CSP would leave them black.
    fill = page.locator("svg.chart rect.chart-bar").first.evaluate("r => getComputedStyle(r).fill")
    assert fill == "rgb(29, 112, 184)"
    assert refused == []
    a11y.check(page)
    shot(page, "stats")


def test_the_statistics_fit_a_narrow_screen(browser, live_server, a11y, figures):
    context = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto("/stats")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways at 320 px: {width} px wide"
    a11y.check(page)
    context.close()


def test_a_visitor_reads_the_audit_trail_anchors_even_on_a_narrow_screen(browser, live_server, a11y, f):
    from marketplace.services.audit import record_anchor
    from marketplace.services.messaging.events import record_audit_only

    record_audit_only(None, "system.note", "system", None)
    db.session.commit()
    anchor = record_anchor()
    context = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto("/open-data")
    page.get_by_role("link", name="Audit trail anchors").click()
    assert page.get_by_role("heading", level=1, name="Audit trail anchors").is_visible()
    assert page.get_by_role("cell", name=anchor.head_digest).is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways at 320 px: {width} px wide"
    a11y.check(page)
    context.close()


def test_a_visitor_finds_what_each_csv_column_holds_even_on_a_narrow_screen(browser, live_server, a11y, f):
    f.Challenge()
    context = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto("/open-data")
    page.get_by_role("link", name="What each column holds").click()
    assert page.get_by_role("heading", level=1, name="Columns of the challenges CSV").is_visible()
    assert page.get_by_role("rowheader", name="pitch_deadline").is_visible()
    assert page.get_by_role("cell", name="Until when companies may pitch: ISO 8601, in UTC.").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways at 320 px: {width} px wide"
    a11y.check(page)
    context.close()
