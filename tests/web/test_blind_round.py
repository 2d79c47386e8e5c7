"""A blind round that is blind: before finalisation no page, download, API answer or export names the company."""
import io
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.services.clock import utcnow
from marketplace.services.evaluation import evaluation
from marketplace.services.pitches import pitches
from tests.api.conftest import bearer  # noqa: F401 (the API token fixture)

WRITTEN = {"title": "AquaData: acoustic leak loggers", "summary": "Loggers by aquadata sa.",
           "approach": "See https://www.aquadata.be/loggers.", "evidence": "Registered as BE 0123 456 789.",
           "trl": "7", "pilot_price": "25000", "pilot_duration_weeks": "10", "team": "The AquaData team."}


@pytest.fixture
def round_(f):
    challenge = f.Challenge()
    company = f.Company(name="AquaData SA", registration_number="0123.456.789", website="https://aquadata.be")
    writer = f.member(company, "member")
    pitch = pitches.save_draft(writer, challenge.slug, WRITTEN)
    pitches.add_attachment(writer, pitch.id, stream=io.BytesIO(b"%PDF-1.4 brochure"),
                           filename="AquaData-brochure.pdf")
    pitches.submit_pitch(writer, pitch.id)
    challenge.status, challenge.pitch_deadline = "closed", utcnow() - timedelta(minutes=1)
    db.session.commit()
    people = {"officer": f.member(challenge.agency, "procurement_officer"),
              "evaluator": f.member(challenge.agency, "evaluator"), "owner": f.member(challenge.agency, "owner"),
              "company": writer}
    return challenge, pitch, people


def _blind(text):
    return "aquadata" not in text.lower() and "0123" not in text


def _pages(client, challenge, pitch):
    return {"list": client.get(f"/challenges/{challenge.slug}/pitches").text,
            "pitch": client.get(f"/pitches/{pitch.id}").text,
            "ranking": client.get(f"/challenges/{challenge.slug}/evaluation").text}


def test_the_panel_never_sees_the_company_until_finalised_then_does(client, login, bearer, round_):
    challenge, pitch, people = round_
    login(people["company"])
    assert "AquaData: acoustic leak loggers" in client.get(f"/pitches/{pitch.id}").text  # its own, as written
    login(people["officer"])
    page = client.get(f"/challenges/{challenge.slug}/pitches").text  # withheld until the officer has declared
    assert _blind(page) and "acoustic leak loggers" not in page and ">Company<" not in page

    evaluation.start_evaluation(people["officer"], challenge.id)
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=False)
    page = client.get(f"/challenges/{challenge.slug}/pitches").text
    assert _blind(page) and "[company]: acoustic leak loggers" in page and ">Company<" not in page
    attachment = pitch.attachments[0]
    download = client.get(f"/pitches/{pitch.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and "attachment-1.pdf" in download.headers["Content-Disposition"]
    assert _blind(download.headers["Content-Disposition"])
    body = client.get(f"/api/v1/pitches/{pitch.id}", headers=bearer(people["officer"])).get_json()
    assert body["company"] is None and body["receipt_digest"] is None and _blind(str(body))
    assert body["attachments"][0]["filename"] == "Attachment 1 (PDF)"
    pages = _pages(client, challenge, pitch)
    assert all(_blind(text) for text in pages.values()), pages
    assert "Pitch A: [company]: acoustic leak loggers" in pages["pitch"] and "Attachment 1 (PDF)" in pages["pitch"]
    assert "The [company] team." in pages["pitch"] and "[company]/loggers" in pages["pitch"]
    assert "Pitch A" in pages["list"] and "[company]: acoustic leak loggers" in pages["ranking"]
    assert "pitch-A-attachment-1.pdf" in client.get(
        f"/pitches/{pitch.id}/attachments/{attachment.id}").headers["Content-Disposition"]
    sheet = client.get(f"/challenges/{challenge.slug}/evaluation/scores").text
    assert _blind(sheet) and "Registered as [company]." in sheet
    login(people["owner"])
    trail = client.get(f"/challenges/{challenge.slug}/audit.csv").text
    # The owner may not read the pitches before finalisation (owners do not sit on the panel): their events wait.
    assert "pitch.attachment_added" not in trail and _blind(trail) and people["company"].email not in trail
    login(people["officer"])  # on the panel: reads the pitch's events, in sentences, without the company
    trail = client.get(f"/challenges/{challenge.slug}/audit").text
    assert "[company] submitted Pitch A." in trail and "[company] added the file “[file name]” to Pitch A." in trail
    assert _blind(trail) and people["company"].name not in trail
    exported = client.get(f"/challenges/{challenge.slug}/audit.csv").text
    assert "pitch.attachment_added" in exported and _blind(exported)

    evaluation.score_sheet(people["officer"], evaluation.assessments(people["officer"], challenge.id)[0]
                           ["assessment_id"], {c.id: ("4", "") for c in challenge.criteria})
    evaluation.finalise_evaluation(people["officer"], challenge.id)
    login(people["officer"])
    pages = _pages(client, challenge, pitch)
    assert all("AquaData SA" in text for text in pages.values())
    assert ">Company<" in pages["list"] and "AquaData: acoustic leak loggers" in pages["pitch"]
    assert "AquaData-brochure.pdf" in pages["pitch"]
    sheet = client.get(f"/challenges/{challenge.slug}/evaluation/scores").text
    assert "AquaData" in sheet and "<h1>Read the pitches</h1>" in sheet  # nothing to score any more
    assert "AquaData-brochure.pdf" in client.get(
        f"/pitches/{pitch.id}/attachments/{attachment.id}").headers["Content-Disposition"]
    assert client.get(f"/api/v1/pitches/{pitch.id}", headers=bearer(people["officer"])).get_json()[
        "company"]["name"] == "AquaData SA"


def test_the_company_is_warned_while_writing(client, login, f):
    challenge = f.Challenge()
    writer = login(f.member(f.Company(name="AquaData SA"), "member"))
    for step in ("about", "approach", "pilot", "attachments", "check"):
        page = client.get(f"/challenges/{challenge.slug}/pitch/{step}").text
        assert "your company’s name is hidden from them" in page
    pitches.save_draft(writer, challenge.slug, {"title": "Leak loggers", "summary": "By AquaData."})
    check = client.get(f"/challenges/{challenge.slug}/pitch/check").text
    assert "Your pitch names your company in these fields" in check and 'pitch/about#summary">Summary<' in check
    consultation = f.Challenge(kind="market_consultation")
    assert "hidden from them" not in client.get(f"/challenges/{consultation.slug}/pitch/about").text
