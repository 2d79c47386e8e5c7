"""A pilot from start to adoption in a real browser: the summary, the moves that wait, the money and its second
pair of eyes, the company's email, and every refusal answered on the page with what was typed and why."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Pilot
from marketplace.services.clock import utcnow
from marketplace.services.messaging.outbox import process_pending
from tests.factories import TOTP_SECRET

from .conftest import sign_in_on

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _upload(page, tmp_path, kind, name):
    document = tmp_path / name
    document.write_bytes(PDF)
    page.get_by_label("What is this document?").select_option(kind)
    page.get_by_label("File").set_input_files(str(document))
    page.get_by_role("button", name="Upload").click()
    assert page.get_by_text("The document is uploaded.").is_visible()


def _error_summary(page):
    summary = page.locator(".error-summary")
    summary.wait_for()
    return summary.inner_text()


def test_an_officer_runs_a_pilot_from_its_summary_through_refusals_to_adoption(
        page, other_page, a11y, shot, sign_in, f, smtp_sink, tmp_path):
    challenge = f.Challenge(status="evaluating", pitch_deadline=utcnow() - timedelta(days=10),
                            title="Find leaking water pipes early")
    company = f.Company(name="LeakSense")
    pitch = f.Pitch(challenge=challenge, status="selected", company=company, title="Acoustic sensors")
    company_member = f.member(company, "owner")
    officer = f.member(challenge.agency, "procurement_officer")
    second = f.member(challenge.agency, "owner", name="Ines Second", totp_secret=TOTP_SECRET)
    today = utcnow().date()

    # The officer signs in with two-factor and starts the pilot from the selected pitch.
    sign_in(officer)
    page.wait_for_url(lambda url: "/auth/" not in url)
    page.goto(f"/pitches/{pitch.id}/pilot")
    page.get_by_label("Budget (euro)").fill("20000")
    page.get_by_label("Start date").fill(today.isoformat())
    page.get_by_label("End date").fill((today + timedelta(days=60)).isoformat())
    page.locator("#milestones-0-name").fill("On signature")
    page.locator("#milestones-0-amount").fill("5000")
    page.locator("#milestones-1-name").fill("At the end")
    page.locator("#milestones-1-amount").fill("15000")
    page.get_by_role("button", name="Start the pilot").click()
    assert page.get_by_text("The pilot is started").is_visible()
    pilot = db.session.scalars(select(Pilot)).one()

    # The page leads with the summary: stage, due date, the next action and whose it is, the money.
    summary = page.locator(".pilot-summary")
    assert summary.get_by_text("Agreement", exact=True).is_visible()
    assert (today + timedelta(days=14)).strftime("%-d %B %Y") in summary.inner_text()
    assert summary.get_by_role("link", name="Upload the signed pilot agreement").is_visible()
    assert "LeakSense" in summary.inner_text()  # either side may upload it
    assert "€20,000" in summary.inner_text() and "Remaining" in summary.inner_text()
    a11y.check(page)
    shot(page, "summary")

    # The move waits for its checklist: what is missing is listed, and no button offers it.
    start = page.locator("section.move").filter(has_text="Start the pilot")
    assert start.locator("li.open").filter(has_text="The signed pilot agreement is uploaded").is_visible()
    assert start.get_by_text("Not available yet.").is_visible()
    assert start.get_by_role("button").count() == 0

    # A payment above the budget is refused on the page: the amount kept, the reason in the error summary.
    end_row = page.get_by_role("row").filter(has_text="At the end")
    end_row.get_by_label("Amount paid").fill("21.000")
    end_row.get_by_label("Paid on").fill(today.isoformat())
    end_row.get_by_role("button", name="Record").click()
    reason = _error_summary(page)
    assert "above the approved budget of €20,000" in reason and "Ask for a budget increase first" in reason
    assert page.locator("#paid_amount").input_value() == "21.000"
    assert page.locator("#paid_on").input_value() == today.isoformat()
    a11y.check(page)
    shot(page, "payment-refused")
    assert page.locator(".error-summary a").first.get_attribute("href") == "#paid_amount"  # leads to the field

    # So the officer asks for more; a budget increase counts once a second person approves it.
    page.get_by_text("Ask for a budget increase", exact=True).click()
    page.get_by_label("Increase by").fill("1000")
    page.get_by_label("Why the pilot needs more").fill("Two more sensors for the old town network.")
    page.get_by_role("button", name="Ask for the increase").click()
    assert page.get_by_text("The budget increase is asked for.").is_visible()
    assert page.get_by_text("You asked for this increase: someone else at the agency must approve it.").is_visible()
    assert page.get_by_role("button", name="Approve this increase").count() == 0

    sign_in_on(other_page, second)
    other_page.goto(f"/pilots/{pilot.id}")
    other_page.get_by_role("button", name="Approve this increase").click()
    assert other_page.get_by_text("The budget increase is approved.").is_visible()
    assert "€21,000" in other_page.locator(".pilot-summary").inner_text()

    page.reload()
    end_row = page.get_by_role("row").filter(has_text="At the end")
    end_row.get_by_label("Amount paid").fill("21.000")
    end_row.get_by_label("Paid on").fill(today.isoformat())
    end_row.get_by_role("button", name="Record").click()
    assert page.get_by_text("The payment is recorded.").is_visible()
    assert page.locator(".error-summary").count() == 0
    assert "€21,000" in end_row.inner_text()

    # The agreement is uploaded and the pilot started: the company is told by email.
    _upload(page, tmp_path, "signed_agreement", "signed-agreement.pdf")
    page.locator("section.move").filter(has_text="Start the pilot").get_by_role("button").click()
    assert page.get_by_text("The pilot is now in stage: Running.").is_visible()
    process_pending()
    stage_email = next(m for m in smtp_sink.messages
                       if m["To"] == company_member.email and "is now in stage: Running" in m["Subject"])
    assert "Acoustic sensors" in stage_email["Subject"]
    link = next(line for line in stage_email.get_body(("plain",)).get_content().splitlines()
                if f"/pilots/{pilot.id}" in line).strip()

    # Evaluation: the measure is only partly met, so adopting asks why, and a blank reason is refused on the page.
    page.locator("section.move").filter(has_text="Move to evaluation").get_by_role("button").click()
    _upload(page, tmp_path, "evaluation_report", "evaluation-report.pdf")
    judge = page.locator("form.judge").first
    judge.get_by_label("Partly met", exact=True).check()
    judge.get_by_label("Evidence").fill("Leaks found in 9 days instead of the 6 aimed for.")
    judge.get_by_role("button", name="Save judgement").click()
    page.get_by_label("Outcome summary (public)").fill("The sensors find leaks weeks earlier than before.")
    page.get_by_label("Lessons learned (public)").fill("Old cast-iron pipes need more sensors.")
    page.get_by_role("button", name="Save outcome").click()
    adopt = page.locator("section.move").filter(has_text="Adopt the solution")
    assert adopt.get_by_text("say in the note why the solution is adopted all the same").is_visible()
    assert adopt.get_by_label("Note").get_attribute("required") is not None
    a11y.check(page)
    adopt.get_by_label("Note").fill("   ")  # only spaces: the browser lets it through, the rule does not
    adopt.get_by_role("button", name="Adopt the solution").click()
    assert "say in the note why the solution is adopted all the same" in _error_summary(page)
    db.session.expire_all()
    assert db.session.get(Pilot, pilot.id).stage == "evaluation"
    adopt = page.locator("section.move").filter(has_text="Adopt the solution")
    adopt.get_by_label("Note").fill("Nine days is still four weeks sooner than today; we buy it.")
    adopt.get_by_role("button", name="Adopt the solution").click()
    assert page.get_by_text("The pilot is now in stage: Adopted.").is_visible()
    assert page.locator(".pilot-summary").get_by_text("Nothing more: the outcome is published.").is_visible()
    a11y.check(page)
    shot(page, "adopted")

    # The company follows the link of its email: the same summary, and no button of the agency's.
    other_page.context.clear_cookies()
    sign_in_on(other_page, company_member)
    other_page.goto(link.replace("http://localhost", ""))
    assert other_page.locator(".pilot-summary").get_by_text("Adopted", exact=True).is_visible()
    assert other_page.locator("section.move").count() == 0 and other_page.get_by_role("button", name="Record").count() == 0
    a11y.check(other_page)
