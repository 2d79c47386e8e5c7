"""Pitch pages: writing in steps, the check and the receipt, autosave, nothing lost when a session ends, the seal."""
import io
import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, Pitch, UnsavedPitchStep
from marketplace.services.evaluation import evaluation
from marketplace.services.pitches import pitches
from marketplace.services.clock import utcnow
from tests.factories import PASSWORD
from tests.upload_samples import PDF_POLYGLOT, zip_bomb

FORM = {"title": "Two-way text reminders", "summary": "Patients answer by text.", "approach": "We send texts.",
        "trl": "7", "pilot_price": "25000", "pilot_duration_weeks": "10", "team": "Three people."}
ABOUT = {"title": FORM["title"], "summary": FORM["summary"]}
APPROACH = {"approach": FORM["approach"], "evidence": "", "trl": "7"}
PILOT = {"pilot_price": "25000", "pilot_duration_weeks": "10", "team": "Three people."}
JSON = {"Accept": "application/json"}


@pytest.fixture
def world(f):
    challenge = f.Challenge()
    company = f.Company()
    return challenge, f.member(company, "member"), f.member(f.Company(), "owner"), \
        f.member(challenge.agency, "procurement_officer")


def _pitch():
    return db.session.scalars(select(Pitch)).one_or_none()


def _draft_key(page):
    return re.search(r'name="draft_key" type="hidden" value="([^"]+)"', page).group(1)


def test_a_new_pitch_starts_at_the_first_step_and_one_under_way_at_the_check(client, login, world):
    challenge, member, _, _ = world
    login(member)
    assert client.get(f"/challenges/{challenge.slug}/pitch").headers["Location"].endswith("/pitch/about")
    client.post(f"/challenges/{challenge.slug}/pitch/about", data=ABOUT)
    assert client.get(f"/challenges/{challenge.slug}/pitch").headers["Location"].endswith("/pitch/check")


def test_each_step_saves_its_own_fields_and_leads_to_the_next(client, login, world):
    challenge, member, _, _ = world
    login(member)
    base = f"/challenges/{challenge.slug}/pitch"
    page = client.get(f"{base}/about").text
    assert 'aria-current="step"' in page and "Not started" in page and "You can enter up to 1,000 characters." in page
    assert "data-autosave" in page
    response = client.post(f"{base}/about", data=ABOUT)
    assert response.status_code == 302 and response.headers["Location"] == f"{base}/approach"
    assert (_pitch().title, _pitch().status) == (FORM["title"], "draft")
    assert client.post(f"{base}/approach", data=APPROACH).headers["Location"] == f"{base}/pilot"
    assert client.post(f"{base}/pilot", data=dict(PILOT, go="back")).headers["Location"] == f"{base}/approach"
    assert client.post(f"{base}/pilot", data=PILOT).headers["Location"] == f"{base}/attachments"
    pitch = _pitch()
    assert (pitch.title, pitch.approach, pitch.trl, pitch.pilot_price, pitch.team) == (
        FORM["title"], FORM["approach"], 7, 25000, "Three people.")
    step_list = client.get(f"{base}/attachments").text
    assert step_list.count("Completed") == 2 and "In progress" in step_list  # the evidence is still empty


def test_saving_one_step_never_touches_the_others(client, login, world):
    challenge, member, _, _ = world
    login(member)
    base = f"/challenges/{challenge.slug}/pitch"
    client.post(f"{base}/about", data=ABOUT)
    client.post(f"{base}/pilot", data=dict(PILOT, title="Not this step's field", status="submitted"))
    pitch = _pitch()
    assert (pitch.title, pitch.summary, pitch.team, pitch.status) == (FORM["title"], FORM["summary"],
                                                                      "Three people.", "draft")


def test_errors_are_summarised_with_links_and_the_typed_text_is_kept(client, login, world):
    challenge, member, _, _ = world
    login(member)
    response = client.post(f"/challenges/{challenge.slug}/pitch/pilot",
                           data={"pilot_price": "a lot", "pilot_duration_weeks": "500", "team": "Kept text"})
    assert response.status_code == 422
    assert "<title>Error:" in response.text and 'class="error-summary"' in response.text
    assert 'href="#pilot_price"' in response.text and 'href="#pilot_duration_weeks"' in response.text
    assert "Enter a price in whole euro, from 0 to 100,000,000." in response.text and "Kept text" in response.text
    assert _pitch() is None  # bad input changes nothing


@pytest.mark.parametrize("data", [
    {"title": "x" * 201, "summary": ""},
    {"title": "ok", "summary": "y" * 1001},
    {"title": "ok", "summary": "x" * 200_000},
])
def test_oversized_text_is_refused_with_its_limit(client, login, world, data):
    challenge, member, _, _ = world
    login(member)
    response = client.post(f"/challenges/{challenge.slug}/pitch/about", data=data)
    assert response.status_code == 422 and "characters or fewer" in response.text and _pitch() is None


def test_each_text_field_counts_to_the_services_limit_and_never_cuts_what_is_pasted(client, login, world):
    """Each limited text of the step forms has a character count of the service's limit (pitches.LIMITS), and no
    maxlength: a browser would cut a pasted text at the limit without a word (the GOV.UK character count's
    reason for none), where the count says how many characters are too many and the service refuses, keeping
    the text."""
    import lxml.html
    challenge, member, _, _ = world
    login(member)
    seen = {}
    for step in ("about", "approach", "pilot"):
        page = lxml.html.fromstring(client.get(f"/challenges/{challenge.slug}/pitch/{step}").text)
        for field in page.xpath('//form[@id="pitch-step"]//*[self::input or self::textarea][@name]'):
            assert field.get("maxlength") is None, field.get("name")
            if field.get("name") in pitches.LIMITS:
                seen[field.get("name")] = int(field.xpath('ancestor::div[@data-character-count][1]')[0]
                                              .get("data-character-count"))
    assert seen == pitches.LIMITS


def test_a_line_break_counts_as_one_character_as_the_page_counts_it(client, login, world):
    challenge, member, _, _ = world
    login(member)
    summary = ("a" * 99 + "\r\n") * 10  # 1,000 characters as typed; 1,010 as the browser sends them
    response = client.post(f"/challenges/{challenge.slug}/pitch/about", data={"title": "t", "summary": summary})
    assert response.status_code == 302 and len(_pitch().summary) == 999  # the last line break is trimmed


def test_hostile_input_is_escaped_or_refused(client, login, world):
    challenge, member, _, _ = world
    login(member)
    base = f"/challenges/{challenge.slug}/pitch"
    assert client.post(f"{base}/approach", data={"approach": "x", "trl": "12"}).status_code == 422
    assert client.get(f"{base}/secrets").status_code == 404
    client.post(f"{base}/about", data={"title": "<script>alert(1)</script>", "summary": ""})
    check = client.get(f"{base}/check").text
    assert "<script>alert(1)</script>" not in check and "&lt;script&gt;" in check
    response = client.post(f"{base}/about", data=dict(ABOUT, go="https://evil.example/"))
    assert response.headers["Location"] == f"{base}/approach"


def test_the_check_page_shows_what_is_missing_and_submission_links_to_it(client, login, world):
    challenge, member, _, _ = world
    login(member)
    base = f"/challenges/{challenge.slug}/pitch"
    client.post(f"{base}/about", data=ABOUT)
    check = client.get(f"{base}/check").text
    assert "Describe your approach." in check and FORM["summary"] in check
    response = client.post(f"/pitches/{_pitch().id}/submit")
    assert response.status_code == 422 and "<title>Error:" in response.text
    assert f'href="{base}/approach#approach"' in response.text
    assert _pitch().status == "draft"


def test_submit_from_the_check_page_and_see_the_receipt(client, login, world):
    challenge, member, _, _ = world
    login(member)
    base = f"/challenges/{challenge.slug}/pitch"
    for step, data in (("about", ABOUT), ("approach", APPROACH), ("pilot", PILOT)):
        client.post(f"{base}/{step}", data=data)
    response = client.post(f"/pitches/{_pitch().id}/submit")
    assert response.status_code == 302 and "/receipt" in response.headers["Location"]
    pitch = _pitch()
    receipt = client.get(f"/pitches/{pitch.id}/receipt").text
    reference = pitch.receipts[-1].reference
    assert pitch.receipt_digest in receipt and reference in receipt and "What happens next" in receipt
    assert " UTC" not in receipt  # the time is the reader's, to the minute, not a microsecond stamp
    assert "Your pitch was received" in client.get(f"/challenges/{challenge.slug}").text
    # Going through the steps again without changing anything issues no new receipt.
    digest, received = pitch.receipt_digest, pitch.submitted_at
    client.post(f"{base}/about", data=ABOUT)
    assert (_pitch().receipt_digest, _pitch().submitted_at) == (digest, received)
    response = client.post(f"{base}/about", data=dict(ABOUT, title="A better title"))
    assert _pitch().receipt_digest != digest and pitches.verify_receipt(_pitch())
    assert "new receipt" in client.get(response.headers["Location"]).text
    # A submitted pitch is not autosaved: each save would be a new submission.
    assert "data-autosave" not in client.get(f"{base}/about").text


def test_autosave_answers_with_the_time_and_never_a_page(client, login, world):
    challenge, member, _, _ = world
    url = f"/challenges/{challenge.slug}/pitch/about"
    anonymous = client.post(url, data=ABOUT, headers=JSON)
    assert anonymous.status_code == 401 and "session has ended" in anonymous.json["message"]
    login(member)
    saved = client.post(url, data=ABOUT, headers=JSON)
    assert saved.status_code == 200 and re.fullmatch(r"Saved at \d{1,2}:\d\d(\s[AP]M)?", saved.json["message"])
    assert _pitch().title == FORM["title"]
    refused = client.post(url, data={"title": "x" * 300}, headers=JSON)
    assert refused.status_code == 422 and refused.json == {
        "saved": False, "kept": True, "message": "Not saved: This must be 200 characters or fewer."}
    challenge.pitch_deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    late = client.post(url, data=ABOUT, headers=JSON)
    assert late.status_code == 409 and "deadline passed on" in late.json["message"]


def test_after_the_session_ends_the_typed_text_waits_for_its_writer_to_sign_in(app, client, login, world):
    challenge, member, _, _ = world
    login(member)
    url = f"/challenges/{challenge.slug}/pitch/approach"
    key = _draft_key(client.get(url).text)
    ended = app.test_client()  # the same browser once its session cookie has gone
    response = ended.post(url, data={"draft_key": key, "approach": "Typed for an hour.", "trl": "5"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/auth/login?next={url}"
    assert _pitch() is None  # kept aside, not saved into the pitch behind the writer's back
    assert "sign in again" in ended.get(response.headers["Location"]).text
    back = ended.post("/auth/login", data={"email": member.email, "password": PASSWORD})
    assert back.headers["Location"] == url
    page = ended.get(url).text
    assert "Typed for an hour." in page and "Your session ended before this step was saved" in page
    assert ended.post(url, data={"approach": "Typed for an hour.", "trl": "5"}).status_code == 302
    assert _pitch().approach == "Typed for an hour."
    assert db.session.query(UnsavedPitchStep).count() == 0
    assert "Your session ended" not in ended.get(url).text


def test_kept_text_is_for_its_writer_alone(app, client, login, world, f):
    challenge, member, rival, _ = world
    colleague = f.member(member.organisation, "owner")
    login(member)
    url = f"/challenges/{challenge.slug}/pitch/about"
    key = _draft_key(client.get(url).text)
    app.test_client().post(url, data={"draft_key": key, "title": "Secret plan", "summary": ""})
    assert db.session.query(UnsavedPitchStep).count() == 1
    for other in (colleague, rival):
        login(other)
        assert "Secret plan" not in client.get(url).text
    login(member)
    assert "Secret plan" in client.get(url).text
    client.post(url, data={"action": "discard"})
    assert "Secret plan" not in client.get(url).text and _pitch() is None


@pytest.mark.parametrize("forge", ["missing", "tampered", "other challenge", "agency", "too old"])
def test_without_a_genuine_recent_draft_key_nothing_is_kept(app, client, login, world, f, forge):
    challenge, member, _, officer = world
    other = f.Challenge()
    key = {"missing": "", "tampered": pitches.draft_key(member, challenge)[:-2] + "xx",
           "other challenge": pitches.draft_key(member, other), "agency": pitches.draft_key(officer, challenge),
           "too old": pitches.draft_key(member, challenge)}[forge]
    url = f"/challenges/{challenge.slug}/pitch/about"
    with freeze_time(utcnow() + (pitches.KEEP_UNSAVED_FOR + timedelta(minutes=1) if forge == "too old" else
                                 timedelta(0))):
        response = app.test_client().post(url, data={"draft_key": key, "title": "Planted", "summary": ""})
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    assert db.session.query(UnsavedPitchStep).count() == 0


def test_a_signed_in_post_whose_form_expired_keeps_the_text(app, client, login, world):
    challenge, member, _, _ = world
    login(member)
    url = f"/challenges/{challenge.slug}/pitch/about"
    key = _draft_key(client.get(url).text)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        kept = client.post(url, data={"draft_key": key, "title": "Still here", "summary": "", "csrf_token": "old"})
        assert kept.status_code == 302 and kept.headers["Location"] == url
        assert "Still here" in client.get(url).text and _pitch() is None
        refused = client.post(url, data={"title": "No key", "summary": ""})
        assert refused.status_code == 400 and "This form had expired" in refused.text
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_submitting_after_the_deadline_is_refused_with_a_message(client, login, world):
    challenge, member, _, _ = world
    pitch = pitches.save_draft(member, challenge.slug, FORM)
    challenge.pitch_deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    login(member)
    response = client.post(f"/pitches/{pitch.id}/submit")
    assert response.status_code == 409 and "deadline passed on" in response.text
    assert db.session.get(Pitch, pitch.id).status == "draft"
    reloaded = client.get(f"/pitches/{pitch.id}/submit")  # the refusal's address, reloaded: back to the check page
    assert reloaded.status_code == 302 and reloaded.headers["Location"].endswith(f"/challenges/{challenge.slug}/pitch/check")
    login(world[2])
    assert client.get(f"/pitches/{pitch.id}/submit").status_code == 404  # someone else's pitch: not found


def test_guessed_urls_get_404_and_are_audited(client, login, world):
    challenge, member, rival, officer = world
    pitch = pitches.save_draft(member, challenge.slug, FORM)
    pitches.submit_pitch(member, pitch.id)
    for who in (rival, officer):
        login(who)
        for url in (f"/pitches/{pitch.id}", f"/pitches/{pitch.id}/receipt", f"/pitches/{pitch.id}/attachments/1"):
            assert client.get(url).status_code == 404
        assert client.post(f"/pitches/{pitch.id}/withdraw").status_code == 404
    assert client.get(f"/pitches/{pitch.id + 99}").status_code == 404
    refusals = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pitch.access_refused")).all()
    assert {r.actor_id for r in refusals} == {rival.id, officer.id} and len(refusals) == 8
    assert db.session.get(Pitch, pitch.id).status == "submitted"


def test_the_agency_list_is_sealed_until_the_deadline_then_opened_by_a_declaration(client, login, world):
    challenge, member, _, officer = world
    pitch = pitches.save_draft(member, challenge.slug, FORM)
    pitches.submit_pitch(member, pitch.id)
    login(officer)
    sealed = client.get(f"/challenges/{challenge.slug}/pitches").text
    assert "sealed until the deadline" in sealed and FORM["title"] not in sealed
    assert "<h1>Pitches received</h1>" in sealed
    challenge.pitch_deadline = utcnow() - timedelta(minutes=1)
    challenge.status = "closed"
    db.session.commit()
    evaluation.start_evaluation(officer, challenge.id)
    page = client.get(f"/challenges/{challenge.slug}/pitches").text
    assert FORM["title"] not in page and "Declare your conflicts of interest first" in page
    assert "<h1>You cannot read the pitches yet</h1>" in page  # headed as the pitch's own page (found walking)
    assert f'href="/challenges/{challenge.slug}/evaluation"' in page
    refused = client.get(f"/pitches/{pitch.id}")
    assert refused.status_code == 403 and "Declare your conflicts of interest" in refused.text
    assert FORM["title"] not in refused.text
    evaluation.declare_conflict(officer, challenge.id, conflicted=False)
    page = client.get(f"/challenges/{challenge.slug}/pitches").text
    assert FORM["title"] in page
    assert client.get(f"/pitches/{pitch.id}").status_code == 200
    evaluation.declare_conflict(officer, challenge.id, conflicted=True, note="I advise this company.")
    page = client.get(f"/challenges/{challenge.slug}/pitches").text
    assert FORM["title"] not in page and "<h1>You are recused</h1>" in page and "<title>You are recused" in page
    refused = client.get(f"/pitches/{pitch.id}")
    assert refused.status_code == 403 and FORM["title"] not in refused.text


def test_attachments_through_the_page(client, login, world):
    challenge, member, rival, _ = world
    pitch = pitches.save_draft(member, challenge.slug, FORM)
    login(member)
    bad = client.post(f"/pitches/{pitch.id}/attachments", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"MZ" + bytes(100)), "invoice.pdf")})
    assert bad.status_code == 422 and "must be a PDF" in bad.text
    assert "<title>Error:" in bad.text and 'href="#file"' in bad.text
    for content, name, message in ((zip_bomb(), "plan.docx", "as a zip bomb does"),
                                   (PDF_POLYGLOT, "plan.pdf", "also contains web page code")):
        refused = client.post(f"/pitches/{pitch.id}/attachments", content_type="multipart/form-data",
                              data={"file": (io.BytesIO(content), name)})
        assert refused.status_code == 422 and message in refused.text and 'href="#file"' in refused.text
    assert db.session.get(Pitch, pitch.id).attachments == []
    good = client.post(f"/pitches/{pitch.id}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"%PDF-1.4 test"), "../../../etc/passwd.pdf")})
    assert good.status_code == 302 and good.headers["Location"].endswith("/pitch/attachments")
    attachment = db.session.get(Pitch, pitch.id).attachments[0]
    assert attachment.filename == "passwd.pdf"
    assert "(13 byte)" in client.get(good.headers["Location"]).text
    download = client.get(f"/pitches/{pitch.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 test"
    login(rival)
    assert client.get(f"/pitches/{pitch.id}/attachments/{attachment.id}").status_code == 404


def test_anonymous_and_agencies_cannot_pitch(client, login, world, f):
    challenge, _, _, officer = world
    for step in ("", "/about", "/attachments", "/check"):
        assert client.get(f"/challenges/{challenge.slug}/pitch{step}").status_code == 302
    login(officer)
    assert client.get(f"/challenges/{challenge.slug}/pitch/about").status_code == 403
    assert client.post(f"/challenges/{challenge.slug}/pitch/about", data=FORM).status_code == 403
    assert db.session.query(Pitch).count() == 0


def test_a_refused_withdrawal_answers_on_the_check_page_with_the_reason(client, login, f):
    from datetime import timedelta

    from marketplace.services.clock import utcnow

    challenge = f.Challenge(status="closed", pitch_deadline=utcnow() - timedelta(days=1))
    pitch = f.Pitch(challenge=challenge, status="submitted", submitted_at=utcnow() - timedelta(days=2))
    login(f.member(pitch.company, "owner"))
    response = client.post(f"/pitches/{pitch.id}/withdraw")
    assert response.status_code == 409
    assert 'class="error-summary"' in response.text and "autofocus" in response.text
    assert db.session.get(type(pitch), pitch.id).status == "submitted"


def test_an_oversized_upload_is_answered_on_the_form_in_the_persons_language(client, login, world, app):
    challenge, member, _, _ = world
    pitch = pitches.save_draft(member, challenge.slug, FORM)
    member.locale = "fr"
    db.session.commit()
    login(member)
    form_page = f"http://localhost/challenges/{challenge.slug}/pitch/attachments"
    limit = app.config["MAX_CONTENT_LENGTH"]
    refused = client.post(f"/pitches/{pitch.id}/attachments", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"%PDF-1.4" + bytes(limit // 3 * 4)), "plan.pdf")},
                          headers={"Referer": form_page})
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/pitch/attachments")
    page = client.get(refused.headers["Location"]).text
    notice = page[page.index("notice-error"):].split("</div>")[0].replace("\u00a0", " ").replace("\u202f", " ")
    assert "Le fichier choisi fait 16 Mo" in notice and "le maximum accepté par ce service est de 12 Mo" in notice
    assert db.session.get(Pitch, pitch.id).attachments == []


def test_a_refused_autosave_keeps_what_was_typed_through_a_language_switch(client, login, world):
    """pitch.js saves before the language switcher posts; refused, the text is kept (`kept`) and the page in the
    new language shows it with the reasons, as after a refused "Save and continue"."""
    challenge, member, _, _ = world
    login(member)
    url = f"/challenges/{challenge.slug}/pitch/about"
    typed = {"title": "T" * 201, "summary": "Typed, then switched."}
    refused = client.post(url, data=typed, headers=JSON)
    assert refused.status_code == 422 and refused.json["saved"] is False and refused.json["kept"] is True
    client.post("/language", data={"locale": "de", "next": url})
    page = client.get(url).text
    assert typed["title"] in page and typed["summary"] in page and "Höchstens 200 Zeichen." in page
    assert _pitch() is None


def test_a_refused_step_keeps_what_was_typed_through_a_language_switch(client, login, world):
    challenge, member, _, _ = world
    login(member)
    url = f"/challenges/{challenge.slug}/pitch/about"
    typed = {"title": "T" * 201, "summary": "Typed, then refused."}
    assert client.post(url, data=typed).status_code == 422
    client.post("/language", data={"locale": "fr", "next": url})  # the switcher reloads the page by GET
    page = client.get(url).text
    assert typed["title"] in page and typed["summary"] in page  # what was typed, not the (empty) saved draft
    assert "200 caractères au maximum." in page and 'lang="fr"' in page  # and why, in the new language
    assert _pitch() is None  # nothing saved behind the writer's back
    saved = client.post(url, data={**typed, "title": "Fixed"})  # saving the step forgets the kept text
    assert saved.status_code == 302 and _pitch().title == "Fixed"
    assert db.session.query(UnsavedPitchStep).count() == 0
