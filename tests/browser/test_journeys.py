"""The main journeys in a real browser, each page checked with axe-core, screenshots saved."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Challenge, ConflictDeclaration, Pitch
from marketplace.services.clock import utcnow
from marketplace.services.messaging.outbox import process_pending
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _deadline(days):
    return (utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def _shifted(local, **delta):
    return (datetime.strptime(local, "%Y-%m-%dT%H:%M") + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M")


def test_a_publisher_writes_and_publishes_a_challenge(page, a11y, shot, sign_in, f):
    publisher = f.member(f.Agency(name="Flemish Water Board"), "publisher")
    sign_in(publisher)
    a11y.check(page)
    page.get_by_role("link", name="Write a challenge").click()
    a11y.check(page)
    page.get_by_label("Title").fill("Find leaking water pipes early")
    page.get_by_role("button", name="Save draft").click()
    # Too little to publish yet: the preview says what is missing.
    assert page.get_by_role("heading", name="Before you can publish").is_visible()
    a11y.check(page)
    page.get_by_role("link", name="Edit the draft").first.click()
    page.get_by_role("textbox", name="Summary").fill("Old pipes leak and we find out too late.")
    page.get_by_role("textbox", name="The problem").fill("About **20 %** of our water is lost to leaks.")
    page.get_by_label("65 – ").check()
    page.get_by_label("Pitch deadline").fill(_deadline(30))
    page.locator("#criteria-0-name").fill("Fit to the problem")
    page.locator("#criteria-0-weight").fill("70")
    page.locator("#criteria-1-name").fill("Price")
    page.locator("#criteria-1-weight").fill("20")
    page.locator("#success_measures-0-measure").fill("Water lost to leaks")
    page.locator("#success_measures-0-baseline").fill("20 %")
    page.locator("#success_measures-0-target").fill("12 %")
    # A market consultation ranks nothing: choosing it hides the criteria and measures and says why; choosing a
    # call for solutions again brings them back as typed.
    page.get_by_label("An overview of the market").check()
    assert not page.locator("#criteria-0-name").is_visible()
    assert page.get_by_text("Answers to a market consultation are not ranked").is_visible()
    a11y.check(page)
    page.get_by_label("Solutions to pilot").check()
    assert page.locator("#criteria-1-weight").input_value() == "20" and page.locator("#criteria-0-name").is_visible()
    page.get_by_role("button", name="Save draft").click()
    # The weights add up to 90: the error is next to the criteria and summarised at the top.
    assert page.title().startswith("Error:")
    assert page.get_by_text("The criteria weights must add up to 100").first.is_visible()
    a11y.check(page)
    # Every sector's box is the same size, however long its name (a long label once squeezed its box).
    # (The language switcher of a refused form carries what was sent as hidden fields: not boxes.)
    boxes = page.locator("input[name=sectors]:not([type=hidden])").evaluate_all(
        "boxes => boxes.map(b => [Math.round(b.getBoundingClientRect().width), Math.round(b.getBoundingClientRect().height)])")
    assert len(boxes) == 45 and len(set(map(tuple, boxes))) == 1, boxes
    shot(page, "form-errors")
    page.locator("#criteria-1-weight").fill("30")
    page.get_by_role("button", name="Save draft").click()
    shot(page, "preview")
    page.get_by_role("button", name="Publish the challenge").click()
    assert page.get_by_role("heading", level=1, name="Find leaking water pipes early").is_visible()
    a11y.check(page)
    shot(page, "published")
    assert db.session.scalars(select(Challenge.status)).one() == "published"


def test_a_company_sets_up_its_profile_gets_the_match_asks_and_pitches_by_keyboard(
        page, a11y, shot, sign_in, f, smtp_sink):
    company = f.Company(name="LeakSense", capability_statement="", keywords="")
    member = f.member(company, "owner")
    sign_in(member)
    page.goto("/account/profile")
    a11y.check(page)
    page.get_by_label("What you can do").fill("Acoustic sensors that find leaks in water pipes.")
    page.get_by_label("Keywords").fill("water, leaks, pipes, sensors")
    page.get_by_label("65 – ").check()
    page.get_by_role("button", name="Save profile").click()
    assert page.get_by_text("Your company profile is saved.").is_visible()
    shot(page, "profile")

    water = f.Agency(name="Flemish Water Board")
    challenge = f.Challenge(agency=water, status="draft", published_at=None, title="Find leaking water pipes early",
                            summary="Old pipes leak.", problem_statement="Leaks in water pipes waste water.")
    f.set_sectors(challenge, ["65"])
    from marketplace.services.challenges.challenges import publish_challenge

    publish_challenge(f.member(water, "publisher"), challenge.slug)
    process_pending()
    match_email = next(m for m in smtp_sink.messages if m["To"] == member.email)
    assert "Find leaking water pipes early" in match_email["Subject"]
    link = next(line for line in match_email.get_body(("plain",)).get_content().splitlines()
                if "/challenges/" in line).strip()
    page.goto(link.replace("http://localhost", ""))
    assert page.get_by_role("heading", name="Why you were matched").is_visible()
    a11y.check(page)

    page.get_by_label("Ask a question").fill("Can the pilot start in spring?")
    page.get_by_role("button", name="Send question").click()
    assert page.get_by_text("Your question is sent.").is_visible()

    # The pitch, step by step, with the keyboard only.
    page.get_by_role("link", name="Write a pitch").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/pitch/about")
    a11y.check(page)
    page.get_by_label("Title").focus()
    page.keyboard.type("Acoustic leak detection")
    page.keyboard.press("Tab")
    page.keyboard.type("Sensors on the network find leaks within days.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Save and continue"
    page.keyboard.press("Enter")
    page.wait_for_url("**/pitch/approach")
    page.get_by_label("Approach").focus()
    page.keyboard.type("We install 40 sensors and report weekly.")
    page.keyboard.press("Tab")
    page.keyboard.type("Two water boards use it today.")
    page.keyboard.press("Tab")
    page.keyboard.press("7")  # a closed list picks the option its first letter names
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pitch/pilot")
    page.get_by_label("Pilot price (euro, excluding VAT)").focus()
    page.keyboard.type("24000")
    page.keyboard.press("Tab")
    page.keyboard.type("12")
    page.keyboard.press("Tab")
    page.keyboard.type("An engineer and a data analyst.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pitch/attachments")
    a11y.check(page)
    page.get_by_role("link", name="Continue").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/pitch/check")
    assert page.get_by_text("€24,000").is_visible() and page.get_by_text("12 weeks").is_visible()
    a11y.check(page)
    shot(page, "check")
    page.get_by_role("button", name="Submit pitch").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/receipt")
    assert page.get_by_role("heading", name="Receipt for your pitch").is_visible()
    a11y.check(page)
    shot(page, "receipt")
    pitch = db.session.scalars(select(Pitch)).one()
    assert pitch.status == "submitted" and pitch.receipt_digest in page.content()
    assert (pitch.trl, pitch.pilot_duration_weeks, pitch.evidence) == (7, 12, "Two water boards use it today.")


def test_a_company_loses_nothing_when_its_session_ends_mid_step(page, a11y, shot, sign_in, f):
    challenge = f.Challenge(title="Find leaking water pipes early")
    member = f.member(f.Company(name="LeakSense"), "owner")
    sign_in(member)
    page.goto(f"/challenges/{challenge.slug}/pitch/approach")
    approach = page.get_by_role("textbox", name="Approach")
    approach.type("We listen to the pipes.")
    # The count follows the typing, and is told to screen readers once the typing pauses; the autosave says
    # when it saved, politely.
    assert page.get_by_text("You have 9,977 characters remaining").is_visible()
    spoken = page.locator("[data-character-count] [aria-live=polite]").first
    spoken.get_by_text("You have 9,977 characters remaining").wait_for(state="attached")
    status = page.locator("#autosave-status")
    assert status.get_attribute("aria-live") == "polite"
    status.get_by_text("Saved at").wait_for()
    assert db.session.scalars(select(Pitch.approach)).one() == "We listen to the pipes."
    a11y.check(page)
    shot(page, "pitch-step")

    page.context.clear_cookies()  # the session ends while the company is still typing
    approach.type(" Then we dig where they leak.")
    status.get_by_text("your session has ended").wait_for()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/auth/login**")
    assert page.get_by_text("What you typed is kept").is_visible()
    page.get_by_label("Email address").fill(member.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/pitch/approach")
    assert approach.input_value() == "We listen to the pipes. Then we dig where they leak."
    assert page.get_by_text("Your session ended before this step was saved").is_visible()
    a11y.check(page)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/pitch/pilot")
    db.session.expire_all()
    assert db.session.scalars(select(Pitch.approach)).one() == "We listen to the pipes. Then we dig where they leak."


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _decide(page, company, decision, feedback=None, confirm=False):
    """On the evaluation page: open the company's decision page, decide, write (or keep) the feedback, save."""
    page.get_by_role("row").filter(has_text=company).get_by_role("link", name="Decide and write feedback").click()
    page.get_by_label(decision, exact=True).check()
    if feedback is not None:
        page.get_by_label("Feedback to the company").fill(feedback)
    if confirm:
        page.get_by_label("I have read this feedback").check()
    page.get_by_role("button", name="Save decision").click()
    page.get_by_text("The decision is saved.").wait_for()


def _score_and_finalise(page, challenge, a11y, shot):
    """The officer starts the evaluation, declares, scores both pitches blind with a comment, and finalises."""
    page.get_by_role("button", name="Start the evaluation").click()
    page.get_by_label("No, I have no conflict of interest").check()
    page.get_by_role("button", name="Record my declaration").click()
    page.get_by_role("link", name="Score the pitches").click()
    a11y.check(page)
    assert "LeakSense" not in page.content()  # blind
    shot(page, "blind-scoring")
    for label, marks in (("A", ("5", "4")), ("B", ("2", "3"))):
        section = page.locator(f"section:has(h2:has-text('Pitch {label}'))")
        for dropdown, mark in zip(section.locator("select").all(), marks):
            dropdown.select_option(mark)
        section.locator("textarea").first.fill(f"Comment on pitch {label}.")
        section.get_by_role("button", name=f"Save scores for pitch {label}").click()
    page.goto(f"/challenges/{challenge.slug}/evaluation")
    page.get_by_role("button", name="Finalise the evaluation").click()
    a11y.check(page)
    shot(page, "ranking")


def test_an_officer_evaluates_shortlists_starts_a_pilot_and_adopts(page, a11y, shot, sign_in, f, tmp_path):
    challenge = f.Challenge(status="closed", pitch_deadline=utcnow() - timedelta(days=1),
                            title="Find leaking water pipes early")
    f.Pitch(challenge=challenge, status="submitted", company=f.Company(name="LeakSense"), title="Acoustic sensors")
    f.Pitch(challenge=challenge, status="submitted", company=f.Company(name="AquaData"), title="Meter analytics")
    officer = f.member(challenge.agency, "procurement_officer")
    sign_in(officer)
    page.goto(f"/challenges/{challenge.slug}")
    page.get_by_role("link", name="Evaluation").click()
    a11y.check(page)
    _score_and_finalise(page, challenge, a11y, shot)
    # One round: no shortlist, so the decisions sent are final.
    for company, decision in (("LeakSense", "Selected"), ("AquaData", "Not selected")):
        _decide(page, company, decision, confirm=True)
    page.get_by_role("button", name="Send the final decisions").click()
    page.get_by_role("link", name="Start a pilot with LeakSense").click()
    a11y.check(page)
    page.get_by_label("Start date").fill(utcnow().date().isoformat())
    page.get_by_label("End date").fill((utcnow().date() + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Start the pilot").click()
    assert page.get_by_text("The pilot is started").is_visible()
    a11y.check(page)

    agreement = tmp_path / "signed-agreement.pdf"
    agreement.write_bytes(PDF)
    page.get_by_label("What is this document?").select_option("signed_agreement")
    page.get_by_label("File").set_input_files(str(agreement))
    page.get_by_role("button", name="Upload").click()
    page.locator("section.move").filter(has_text="Start the pilot").get_by_role("button").click()
    page.locator("section.move").filter(has_text="Move to evaluation").get_by_role("button").click()
    report = tmp_path / "evaluation-report.pdf"
    report.write_bytes(PDF)
    page.get_by_label("What is this document?").select_option("evaluation_report")
    page.get_by_label("File").set_input_files(str(report))
    page.get_by_role("button", name="Upload").click()
    judge = page.locator("form.judge").first
    judge.get_by_label("Met", exact=True).check()
    judge.get_by_label("Evidence").fill("Missed appointments fell from 12 % to 5 %.")
    judge.get_by_role("button", name="Save judgement").click()
    page.get_by_label("Outcome summary (public)").fill("It worked: the agency buys the service.")
    page.get_by_label("Lessons learned (public)").fill("Texts reach patients that calls miss.")
    page.get_by_role("button", name="Save outcome").click()
    page.locator("section.move").filter(has_text="Adopt the solution").get_by_role("button").click()
    assert page.get_by_text("The pilot is now in stage: Adopted.").is_visible()
    a11y.check(page)
    shot(page, "adopted")
    page.goto(f"/challenges/{challenge.slug}")
    assert page.get_by_role("heading", name="What the pilots showed").is_visible()


def test_a_publisher_extends_the_deadline_and_fixes_a_typo_and_a_follower_hears_of_it(
        page, a11y, shot, sign_in, f, smtp_sink):
    challenge = f.Challenge(title="Find leaking water piples early")
    publisher = f.member(challenge.agency, "publisher")
    follower = f.member(f.Company(name="LeakSense"), "owner")
    from marketplace.services.organisations.companies import follow

    follow(follower, challenge.slug)
    sign_in(publisher)
    page.goto(f"/challenges/{challenge.slug}")
    page.get_by_role("link", name="Correct or extend").click()
    a11y.check(page)
    deadline = page.get_by_label("Pitch deadline")
    typed = deadline.input_value()
    # Brought forward: refused on the same page, with what was typed kept.
    deadline.fill(_shifted(typed, days=-2))
    page.get_by_label("Title").fill("Find leaking water pipes early")
    page.get_by_label("What changed and why").fill("More time, as two companies asked; a typo in the title.")
    page.get_by_role("button", name="Publish the notice").click()
    assert page.title().startswith("Error:")
    assert page.get_by_text("A deadline can be extended, never brought forward").first.is_visible()
    assert page.get_by_label("Title").input_value() == "Find leaking water pipes early"
    a11y.check(page)
    page.get_by_label("Pitch deadline").fill(_shifted(typed, days=7))
    page.get_by_role("button", name="Publish the notice").click()
    assert page.get_by_role("heading", level=1, name="Find leaking water pipes early").is_visible()
    assert page.get_by_role("heading", name="Notices of changes").is_visible()
    shot(page, "notice")
    page.get_by_role("button", name="Sign out").click()

    process_pending()
    email = next(m for m in smtp_sink.messages if m["To"] == follower.email)
    assert "Find leaking water pipes early" in email["Subject"]
    text = email.get_body(("plain",)).get_content()
    assert "Pitch deadline: extended from" in text and "a typo in the title" in text
    link = next(line for line in text.splitlines() if "/challenges/" in line).strip()
    sign_in(follower)
    page.goto(link.replace("http://localhost", ""))
    notices = page.get_by_role("region", name="Notices of changes")
    assert notices.get_by_text("More time, as two companies asked; a typo in the title.").is_visible()
    assert notices.get_by_text("Title corrected: “Find leaking water piples early” is now").is_visible()
    a11y.check(page)


def _link_in(message, path_part):
    return next(line for line in message.get_body(("plain",)).get_content().splitlines() if path_part in line).strip()


def test_two_rounds_shortlist_a_booked_session_final_decision_and_a_pilot(
        page, browser, live_server, a11y, shot, sign_in, f, smtp_sink):
    import icalendar

    challenge = f.Challenge(status="closed", pitch_deadline=utcnow() - timedelta(days=1),
                            title="Find leaking water pipes early")
    leaksense, aquadata = f.Company(name="LeakSense"), f.Company(name="AquaData")
    f.Pitch(challenge=challenge, status="submitted", company=leaksense, title="Acoustic sensors")
    f.Pitch(challenge=challenge, status="submitted", company=aquadata, title="Meter analytics")
    officer = f.member(challenge.agency, "procurement_officer")  # signs in with two-factor
    evaluator = f.member(challenge.agency, "evaluator")
    # The evaluator declared no conflict: the panel that sits in the sessions (an undeclared one is not invited).
    db.session.add(ConflictDeclaration(challenge_id=challenge.id, evaluator_id=evaluator.id, conflicted=False))
    db.session.commit()
    leak_owner, aqua_owner = f.member(leaksense, "owner"), f.member(aquadata, "owner")
    sign_in(officer)
    page.goto(f"/challenges/{challenge.slug}/evaluation")
    _score_and_finalise(page, challenge, a11y, shot)

    # Round 1: LeakSense is shortlisted; AquaData is not selected, its feedback drafted from the comments.
    _decide(page, "LeakSense", "Shortlisted")
    page.get_by_role("row").filter(has_text="AquaData").get_by_role("link", name="Decide and write feedback").click()
    a11y.check(page)
    feedback = page.get_by_label("Feedback to the company")
    assert "Comment on pitch" in feedback.input_value()  # a draft from the evaluators' comments, per criterion
    page.get_by_label("Not selected", exact=True).check()
    feedback.fill("Your analytics are promising, but the pilot price was above our budget.")
    page.get_by_role("button", name="Save decision").click()
    # Not confirmed yet: the send button is unavailable, and saying so; pressing a stale one answers on the page.
    assert page.get_by_text("Open and confirm the feedback of each company told now").is_visible()
    unavailable = page.get_by_role("button", name="Send the decisions")
    assert unavailable.is_disabled()
    # and looks it: not the green of a button that works
    assert unavailable.evaluate("b => getComputedStyle(b).backgroundColor") != "rgb(0, 112, 60)"
    a11y.check(page)
    _decide(page, "AquaData", "Not selected", confirm=True)
    page.get_by_role("button", name="Send the shortlist").click()
    assert page.get_by_text("The shortlisted companies are being invited").is_visible()

    starts = (utcnow() + timedelta(days=4)).strftime("%Y-%m-%dT10:00")
    ends = (utcnow() + timedelta(days=4)).strftime("%Y-%m-%dT10:45")
    page.get_by_label("Starts").fill(starts)
    page.get_by_label("Ends").fill(ends)
    page.get_by_label("Where").select_option("online")
    page.get_by_label("Meeting link (online)").fill("https://meet.example.org/leaksense")
    page.get_by_role("button", name="Offer this slot").click()
    assert page.get_by_text("The time slot is offered").is_visible()

    process_pending()
    invited = next(m for m in smtp_sink.messages if m["To"] == leak_owner.email)
    assert "is shortlisted" in invited["Subject"]
    told = next(m for m in smtp_sink.messages if m["To"] == aqua_owner.email)
    assert "was not selected" in told["Subject"]
    assert "above our budget" in told.get_body(("plain",)).get_content()

    # The shortlisted company follows the booking link in its email and picks the slot.
    company = browser.new_context(base_url=live_server, locale="en-GB")
    company_page = company.new_page()
    company_page.goto("/auth/login")
    company_page.get_by_label("Email address").fill(leak_owner.email)
    company_page.get_by_label("Password", exact=True).fill(PASSWORD)
    company_page.get_by_role("button", name="Sign in").click()
    company_page.goto(_link_in(invited, "/session").replace("http://localhost", ""))
    a11y.check(company_page)
    company_page.get_by_role("radio").first.check()
    company_page.get_by_role("button", name="Book this time").click()
    assert company_page.get_by_text("Your pitch session is booked").is_visible()
    with company_page.expect_download() as download:
        company_page.get_by_role("link", name="Add to calendar (.ics)").click()
    event = icalendar.Calendar.from_ical(open(download.value.path(), "rb").read()).walk("VEVENT")[0]
    assert str(event["location"]) == "https://meet.example.org/leaksense"

    process_pending()
    invitations = {m["To"] for m in smtp_sink.messages
                   if any(part.get_content_type() == "text/calendar" for part in m.walk())}
    assert invitations == {leak_owner.email, officer.email, evaluator.email}  # the panel too

    # Round 2, after the session: the officer selects LeakSense with confirmed feedback and sends.
    page.goto(f"/challenges/{challenge.slug}/evaluation")
    assert page.get_by_text("booked by LeakSense").is_visible()
    page.get_by_role("row").filter(has_text="LeakSense").get_by_role("link", name="Decide and write feedback").click()
    assert page.get_by_label("Shortlisted", exact=True).count() == 0  # selected or not selected only
    a11y.check(page)
    page.get_by_role("link", name="Back to the evaluation").click()
    _decide(page, "LeakSense", "Selected", feedback="A convincing session: we look forward to the pilot.",
            confirm=True)
    shot(page, "final-decisions")
    page.get_by_role("button", name="Send the final decisions").click()
    page.get_by_role("link", name="Start a pilot with LeakSense").click()
    page.get_by_label("Start date").fill(utcnow().date().isoformat())
    page.get_by_label("End date").fill((utcnow().date() + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Start the pilot").click()
    assert page.get_by_text("The pilot is started").is_visible()
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).status == "piloting"

    process_pending()
    selected = [m for m in smtp_sink.messages if m["To"] == leak_owner.email and "selected for a pilot" in m["Subject"]]
    assert len(selected) == 1 and "convincing session" in selected[0].get_body(("plain",)).get_content()
    pitch_page = _link_in(selected[0], "/pitches/").replace("http://localhost", "")
    company_page.goto(pitch_page)
    assert company_page.get_by_text("A convincing session: we look forward to the pilot.").is_visible()
    a11y.check(company_page)
    company.close()
