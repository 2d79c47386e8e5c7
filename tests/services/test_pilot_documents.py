"""Pilot documents: checked by content, limited in size, stored under a random name, served to the two parties."""
import io
import os
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import PilotDocument
from marketplace.services.pilots import pilots
from marketplace.services.pitches import uploads
from marketplace.services.errors import NotFound, ValidationFailed

PDF_BYTES = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def pilot(f):
    challenge = f.Challenge(status="evaluating")
    pitch = f.Pitch(challenge=challenge, status="selected")
    officer = f.member(challenge.agency, "procurement_officer")
    company = f.member(pitch.company, "member")
    pilot = pilots.start_pilot(officer, pitch.id, budget="10000", starts_on=date.today(),
                               ends_on=date.today() + timedelta(days=30), owner_id=officer.id)
    return pilot, officer, company


def _files(app):
    return sorted(os.listdir(app.config["UPLOAD_DIR"]))


def test_a_signed_agreement_is_stored_under_a_random_name(pilot, app):
    pilot, officer, company = pilot
    document = pilots.add_document(company, pilot.id, kind="signed_agreement", stream=io.BytesIO(PDF_BYTES),
                                   filename="Signed agreement.pdf")
    assert document.content_type == uploads.PDF and document.size == len(PDF_BYTES)
    assert document.filename == "Signed agreement.pdf"
    assert document.stored_name in _files(app) and "Signed" not in document.stored_name
    found, path = pilots.document_for_download(officer, pilot.id, document.id)
    with open(path, "rb") as stored:
        assert stored.read() == PDF_BYTES


def test_type_is_decided_by_content_not_by_name(pilot, app):
    pilot, officer, _ = pilot
    before = _files(app)
    windows_program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)) * 4
    with pytest.raises(ValidationFailed) as refused:
        pilots.add_document(officer, pilot.id, kind="evaluation_report", stream=io.BytesIO(windows_program),
                            filename="report.pdf")
    assert "file" in refused.value.errors
    assert _files(app) == before
    document = pilots.add_document(officer, pilot.id, kind="evaluation_report", stream=io.BytesIO(_docx()),
                                   filename="report.exe")
    assert document.content_type == uploads.DOCX and document.filename == "report.docx"
    assert db.session.scalar(select(PilotDocument.id).where(PilotDocument.filename == "report.pdf")) is None


def test_an_oversized_or_empty_file_is_refused_and_nothing_kept(pilot, app):
    pilot, officer, _ = pilot
    before = _files(app)
    too_big = io.BytesIO(b"%PDF-" + b"0" * app.config["MAX_ATTACHMENT_BYTES"])
    with pytest.raises(ValidationFailed) as refused:
        pilots.add_document(officer, pilot.id, kind="other", stream=too_big, filename="big.pdf")
    assert "smaller than" in str(refused.value.errors["file"][0])
    with pytest.raises(ValidationFailed):
        pilots.add_document(officer, pilot.id, kind="other", stream=io.BytesIO(b""), filename="empty.pdf")
    assert _files(app) == before
    assert db.session.scalar(select(PilotDocument.id)) is None


@pytest.mark.parametrize("hostile", ["../../etc/passwd", "..\\..\\windows\\system32\\a.pdf", "/etc/shadow",
                                     "a\x00b.pdf", "<script>alert(1)</script>.pdf", "...."])
def test_path_traversal_names_cannot_choose_where_the_file_lands(pilot, app, hostile):
    pilot, officer, _ = pilot
    document = pilots.add_document(officer, pilot.id, kind="other", stream=io.BytesIO(PDF_BYTES), filename=hostile)
    assert "/" not in document.filename and "\\" not in document.filename and "\x00" not in document.filename
    assert "<" not in document.filename and document.filename.endswith(".pdf")
    assert os.path.dirname(uploads.stored_path(document.stored_name)) == app.config["UPLOAD_DIR"]
    with pytest.raises(ValueError):
        uploads.stored_path("../../etc/passwd")


def test_only_the_two_parties_may_download_or_upload(pilot, f):
    pilot, officer, company = pilot
    document = pilots.add_document(officer, pilot.id, kind="other", stream=io.BytesIO(PDF_BYTES), filename="a.pdf")
    for stranger in (f.member(f.Company(), "owner"), f.member(f.Agency(), "procurement_officer")):
        with pytest.raises(NotFound):
            pilots.document_for_download(stranger, pilot.id, document.id)
        with pytest.raises(NotFound):
            pilots.add_document(stranger, pilot.id, kind="other", stream=io.BytesIO(PDF_BYTES), filename="x.pdf")
    pilots.document_for_download(company, pilot.id, document.id)
    with pytest.raises(NotFound):
        pilots.document_for_download(company, pilot.id, document.id + 100)
    with pytest.raises(ValidationFailed):
        pilots.add_document(officer, pilot.id, kind="passport", stream=io.BytesIO(PDF_BYTES), filename="a.pdf")
