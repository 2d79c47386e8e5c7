"""Pitch pages follow the challenge's state: only what the company can still do, why the rest is closed, and
nothing typed is lost when a save is refused; withdrawal asks first; visitors learn how to take part."""
from datetime import timedelta
from html import unescape

import pytest

from marketplace.extensions import db
from marketplace.formatting import localtime
from marketplace.services.clock import utcnow
from marketplace.services.pitches import pitches

FIELDS = {"title": "Two-way text reminders", "summary": "Patients answer by text.", "approach": "We send texts."}
TYPED = {"title": "A title typed too late", "summary": "Three paragraphs typed while the deadline passed."}
JSON = {"Accept": "application/json"}


@pytest.fixture
def world(f, login):
    challenge = f.Challenge()
    member = login(f.member(f.Company(), "member"))
    return challenge, member


def _close(challenge, status="closed", **changes):
    challenge.status = status
    challenge.pitch_deadline = changes.pop("pitch_deadline", utcnow() - timedelta(hours=2))
    for name, value in changes.items():
        setattr(challenge, name, value)
    db.session.commit()


def test_a_save_refused_by_the_deadline_keeps_the_text_with_the_reason(client, world, app):
    challenge, member = world
    url = f"/challenges/{challenge.slug}/pitch/about"
    assert 'id="pitch-step"' in client.get(url).text  # the page was opened while open…
    _close(challenge, status="published")  # …and the deadline passed while the company typed
    response = client.post(url, data=TYPED)
    page = unescape(response.text)
    assert response.status_code == 409
    with app.test_request_context():
        deadline = localtime(challenge.pitch_deadline)
    assert f"The pitch deadline passed on {deadline}" in page and 'class="error-summary"' in page
    assert page.count("The pitch deadline passed on") == 1  # in the summary, not said again below the heading
    assert TYPED["title"] in page and TYPED["summary"] in page and "readonly" in page
    assert "Save and continue" not in page and "That changed in the meantime" not in page
    autosave = client.post(url, data=TYPED, headers=JSON)
    assert autosave.status_code == 409 and autosave.json["saved"] is False
    assert f"The pitch deadline passed on {deadline}" in autosave.json["message"]
    assert pitches.own_pitch(member, challenge) is None


def test_a_closed_challenge_without_a_pitch_offers_no_way_to_start_one(client, world):
    challenge, _ = world
    _close(challenge)
    for path in ("about", "approach", "attachments", "check"):
        page = unescape(client.get(f"/challenges/{challenge.slug}/pitch/{path}").text)
        assert "The pitch deadline passed on" in page and 'id="pitch-step"' not in page
        assert "Start with the first step" not in page and "<textarea" not in page
    assert "Write a pitch" not in client.get(f"/challenges/{challenge.slug}").text


def test_a_cancelled_challenge_says_cancelled_with_its_reason_not_the_deadline(client, world):
    challenge, member = world
    pitches.save_draft(member, challenge.slug, FIELDS)
    _close(challenge, status="cancelled", pitch_deadline=utcnow() + timedelta(days=3),
           cancel_reason="The ward was closed.")
    for path in ("about", "check", "attachments"):
        page = unescape(client.get(f"/challenges/{challenge.slug}/pitch/{path}").text)
        assert "This challenge was cancelled: The ward was closed." in page and "deadline passed" not in page
        assert "Save and continue" not in page and "Submit pitch" not in page and "Attach</button>" not in page
    refused = client.post(f"/challenges/{challenge.slug}/pitch/about", data=TYPED)
    assert refused.status_code == 409 and TYPED["summary"] in unescape(refused.text)
    assert "The ward was closed." in unescape(client.get(f"/challenges/{challenge.slug}").text)


def test_a_submitted_pitch_under_evaluation_offers_no_change_and_no_withdrawal(client, world):
    challenge, member = world
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    _close(challenge, status="evaluating")
    check = unescape(client.get(f"/challenges/{challenge.slug}/pitch/check").text)
    assert "under evaluation" in check and "Changes you save now are submitted at once" not in check
    assert "Withdraw pitch" not in check and f"/pitches/{pitch.id}/withdraw" not in check
    assert "under evaluation" in unescape(client.get(f"/pitches/{pitch.id}").text)
    confirm = unescape(client.get(f"/pitches/{pitch.id}/withdraw").text)
    assert "under evaluation" in confirm and "Yes, withdraw my pitch" not in confirm


def test_withdrawing_asks_first_then_says_it_is_withdrawn_and_until_when_it_can_be_resubmitted(client, world):
    challenge, member = world
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    check = client.get(f"/challenges/{challenge.slug}/pitch/check").text
    assert f'href="/pitches/{pitch.id}/withdraw"' in check  # a link to the question, not a button that acts
    confirm = unescape(client.get(f"/pitches/{pitch.id}/withdraw").text)
    assert "The agency will not read a withdrawn pitch" in confirm and "Yes, withdraw my pitch" in confirm
    assert db.session.get(type(pitch), pitch.id).status == "submitted"
    done = client.post(f"/pitches/{pitch.id}/withdraw")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/pitches/{pitch.id}/receipt")
    receipt = unescape(client.get(done.headers["Location"]).text)
    withdrawal = pitch.receipts[-1]
    assert withdrawal.kind == "withdrawn" and withdrawal.reference in receipt
    assert "You can submit it again until the deadline" in receipt
    assert "The digest changes" not in receipt  # a withdrawal's receipt has no digest to speak of
    box = unescape(client.get(f"/challenges/{challenge.slug}").text)
    assert "Continue your draft pitch" not in box
    assert "You withdrew your pitch on" in box and "You can submit it again until the deadline" in box
    _close(challenge)
    box = unescape(client.get(f"/challenges/{challenge.slug}").text)
    assert "You can submit it again" not in box and "The pitch deadline passed on" in box


def test_a_withdrawn_pitch_page_says_so_and_leads_back_to_submitting_until_the_deadline(client, world):
    challenge, member = world
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    client.post(f"/pitches/{pitch.id}/withdraw")
    page = unescape(client.get(f"/pitches/{pitch.id}").text)
    assert "You withdrew this pitch on" in page and "received" not in page
    assert "You can submit it again until the deadline" in page
    assert f'href="/challenges/{challenge.slug}/pitch/check"' in page
    _close(challenge)
    page = unescape(client.get(f"/pitches/{pitch.id}").text)
    assert "You withdrew this pitch on" in page and "You can submit it again" not in page
    assert "The pitch deadline passed on" in page


def test_an_unconfirmed_address_is_named_before_submitting_not_after(client, world):
    challenge, member = world
    member.email_confirmed_at = None
    db.session.commit()
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    check = unescape(client.get(f"/challenges/{challenge.slug}/pitch/check").text)
    assert "You can submit your pitch once your email address is confirmed." in check
    assert f'action="/pitches/{pitch.id}/submit"' not in check


def test_the_receipt_page_prints_on_its_own(client, world):
    challenge, member = world
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    page = client.get(f"/pitches/{pitch.id}/receipt").text
    assert 'class="receipt-page"' in page and "What happens next" in page
    assert "The digest changes" in page
    first = pitch.receipts[0].reference
    pitches.save_draft(member, challenge.slug, dict(FIELDS, summary="Changed."))
    assert first in client.get(f"/pitches/{pitch.id}/receipt?reference={first}").text
    assert pitch.receipts[-1].reference in client.get(f"/pitches/{pitch.id}/receipt").text
    assert client.get(f"/pitches/{pitch.id}/receipt?reference=AG-0000-0000").status_code == 404
    css = client.get("/static/css/agora.css").text
    assert "@page { size: A4" in css and ".receipt-page" in css.split("@media print", 2)[2]


def test_a_visitor_is_told_how_to_take_part_and_how_long_it_takes(app, f):
    challenge = f.Challenge()
    client = app.test_client()
    page = unescape(client.get(f"/challenges/{challenge.slug}").text)
    assert "How to take part" in page and "Allow about 2 hours." in page
    assert f'/auth/login?next=/challenges/{challenge.slug}' in page and 'href="/auth/register"' in page
    _close(challenge)
    page = unescape(client.get(f"/challenges/{challenge.slug}").text)
    assert "The pitch deadline passed on" in page and "Sign in to pitch" not in page


def test_text_kept_from_an_ended_session_is_still_shown_after_the_challenge_closed(client, world):
    challenge, member = world
    key = pitches.draft_key(member, challenge)
    assert pitches.keep_unsaved_step(key, challenge.slug, "about", TYPED) == member
    _close(challenge)
    page = unescape(client.get(f"/challenges/{challenge.slug}/pitch/about").text)
    assert TYPED["summary"] in page and "What you typed was not saved" in page and "readonly" in page
    assert "check it and save it" not in page and "Save and continue" not in page


def test_once_closed_the_check_page_links_each_step_to_be_shown_not_changed(client, world):
    """Found walking: after the deadline, the check page still said "Change" beside every step, leading to pages
    that (rightly) change nothing."""
    challenge, member = world
    pitch = pitches.save_draft(member, challenge.slug, FIELDS)
    pitches.submit_pitch(member, pitch.id)
    assert ">Change<span" in client.get(f"/challenges/{challenge.slug}/pitch/check").text
    _close(challenge, status="published")
    check = unescape(client.get(f"/challenges/{challenge.slug}/pitch/check").text)
    assert ">Change<span" not in check and check.count(">Show this step<span") == 4
    assert "The pitch deadline passed on" in check


def test_the_advice_to_rewrite_fields_naming_the_company_is_given_only_while_they_can_be_rewritten(client, world):
    """Found walking: after the deadline, a draft's check page still advised rewriting the fields that name the
    company, linking to steps that can no longer change."""
    challenge, member = world
    company = member.membership.organisation.name
    pitches.save_draft(member, challenge.slug, {**FIELDS, "team": f"The people of {company}."}, step="pilot")
    pitches.save_draft(member, challenge.slug, FIELDS)
    advice = "Your pitch names your company in these fields"
    assert advice in unescape(client.get(f"/challenges/{challenge.slug}/pitch/check").text)
    _close(challenge, status="published")
    check = unescape(client.get(f"/challenges/{challenge.slug}/pitch/check").text)
    assert advice not in check and "The pitch deadline passed on" in check
