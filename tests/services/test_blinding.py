"""The blind round: the company's name, registration number and domain redacted; one rule for who is blind to it."""
from datetime import timedelta
from types import SimpleNamespace

import pytest

from marketplace.extensions import db
from marketplace.models import PitchAttachment
from marketplace.services.clock import utcnow
from marketplace.services.evaluation import evaluation
from marketplace.services.evaluation.blinding import (
    attachment_download_name, core_name, named_in, panel_view, redact, redact_trail, website_domain,
)

AQUADATA = SimpleNamespace(name="AquaData S.A.", registration_number="BE 0123.456.789",
                           website="https://www.aquadata.be/en")


@pytest.mark.parametrize("text,expected", [
    ("AquaData: acoustic leak loggers", "[company]: acoustic leak loggers"),
    ("Built by AQUADATA sa and aquadata SA.", "Built by [company] and [company]."),
    ("Ask AquaData, S.A. or AquaData's team", "Ask [company] or [company]'s team"),
    ("AquaDatabase and notaquadata are other words", "AquaDatabase and notaquadata are other words"),
])
def test_the_name_with_or_without_its_legal_form_in_any_case(app_context, text, expected):
    assert redact(text, AQUADATA) == expected


@pytest.mark.parametrize("written", ["0123.456.789", "0123456789", "BE0123456789", "BE 0123 456 789", "be0123.456.789",
                                     "123.456.789", "0123-456-789"])
def test_the_registration_number_however_it_is_written(app_context, written):
    assert redact(f"VAT {written}, since 2012", AQUADATA) == "VAT [company], since 2012"


def test_other_numbers_stay(app_context):
    text = "Order 01234567890, phone 5123456789, 456.789 litres"
    assert redact(text, AQUADATA) == text


@pytest.mark.parametrize("written", ["aquadata.be", "www.aquadata.be", "https://aquadata.be", "HTTP://WWW.AquaData.be"])
def test_the_website_domain_with_or_without_www(app_context, written):
    assert redact(f"See {written}/pilots.", AQUADATA) == "See [company]/pilots."
    assert redact("Mail info@aquadata.be", AQUADATA) == "Mail info@[company]"


def test_a_short_ordinary_name_is_not_every_word(app_context):
    data = SimpleNamespace(name="Data", registration_number=None, website=None)
    assert redact("Data is data; our data platform.", data) == "Data is data; our data platform."
    data_bv = SimpleNamespace(name="Data BV", registration_number="", website="")
    assert redact("Data B.V. shares data.", data_bv) == "[company] shares data."
    acronym = SimpleNamespace(name="IBM", registration_number="", website="")
    assert redact("IBM, not ibm; IBM Ltd", acronym) == "[company], not ibm; [company]"


def test_nothing_to_redact(app_context):
    assert redact("", AQUADATA) == "" and redact(None, AQUADATA) is None
    bare = SimpleNamespace(name="", registration_number="12", website="localhost")
    assert redact("localhost 12", bare) == "localhost 12"
    assert core_name("Blue Sky, GmbH") == "Blue Sky" and website_domain("www.aquadata.be") == "aquadata.be"


def test_redacted_in_the_viewers_language(app):
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert redact("AquaData", AQUADATA) == "[bedrijf]"


@pytest.fixture
def round_(f):
    challenge = f.Challenge(status="closed", pitch_deadline=utcnow() - timedelta(days=1))
    company = f.Company(name="AquaData SA", registration_number="0123.456.789", website="aquadata.be")
    pitch = f.Pitch(challenge=challenge, company=company, status="submitted", submitted_at=utcnow(),
                    title="AquaData leak loggers", summary="Ask aquadata.be", team="The AquaData team")
    pitch.attachments.append(PitchAttachment(filename="aquadata-brochure.pdf", stored_name="x" * 32,
                                             content_type="application/pdf", size=10, sha256="0" * 64))
    db.session.commit()
    return challenge, pitch, {"officer": f.member(challenge.agency, "procurement_officer"),
                              "evaluator": f.member(challenge.agency, "evaluator"),
                              "company": f.member(company, "member")}


def test_the_panel_reads_a_pitch_blind_until_finalised_and_the_company_always_as_written(app_context, round_):
    challenge, pitch, people = round_
    assert panel_view(pitch, people["company"]) is pitch
    seen = panel_view(pitch, people["officer"])
    assert seen.company is None and seen.receipt_digest is None and seen.label is None
    assert (seen.title, seen.summary, seen.team) == ("[company] leak loggers", "Ask [company]", "The [company] team")
    assert [a.filename for a in seen.attachments] == ["Attachment 1 (PDF)"]
    assert attachment_download_name(pitch.attachments[0], people["officer"]) == "attachment-1.pdf"
    assert attachment_download_name(pitch.attachments[0], people["company"]) == "aquadata-brochure.pdf"
    evaluation.start_evaluation(people["officer"], challenge.id)
    assert panel_view(pitch, people["evaluator"]).label == "A"
    assert attachment_download_name(pitch.attachments[0], people["officer"]) == "pitch-A-attachment-1.pdf"
    evaluation.declare_conflict(people["evaluator"], challenge.id, conflicted=False)
    evaluation.declare_conflict(people["officer"], challenge.id, conflicted=False)
    [row] = evaluation.assessments(people["evaluator"], challenge.id)
    assert row["title"] == "[company] leak loggers" and "company_name" not in row
    evaluation.score_sheet(people["evaluator"], row["assessment_id"], {c.id: ("3", "") for c in challenge.criteria})
    evaluation.finalise_evaluation(people["officer"], challenge.id)
    assert panel_view(pitch, people["officer"]) is pitch
    assert evaluation.ranking(people["officer"], challenge.id)[0]["title"] == "AquaData leak loggers"


def test_a_market_consultation_is_never_blind(app_context, round_):
    challenge, pitch, people = round_
    challenge.kind = "market_consultation"
    db.session.commit()
    assert panel_view(pitch, people["officer"]) is pitch
    assert named_in(pitch) == []


def test_the_company_is_told_where_its_pitch_names_it(app_context, round_):
    _, pitch, _ = round_
    assert named_in(pitch) == ["title", "summary", "team"]


def test_the_audit_trail_hides_the_companys_people_and_files_until_finalised(app_context, round_):
    challenge, pitch, people = round_
    event = SimpleNamespace(id=1, occurred_at=utcnow(), actor_id=people["company"].id, action="pitch.attachment_added",
                            object_type="pitches", object_id=pitch.id, challenge_id=challenge.id, digest="d",
                            before=None, after={"filename": "brochure.pdf", "note": "AquaData SA"})
    rows = [(event, people["company"].email), (event, people["officer"].email)]
    (first, who), (_, officer) = redact_trail(challenge, rows)
    assert who == "[company]" and officer == people["officer"].email
    assert first.after == {"filename": "[file name]", "note": "[company]"}
    assert event.after["filename"] == "brochure.pdf"  # the stored row is untouched
