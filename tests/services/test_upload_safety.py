"""Uploads that cannot explode: zip bombs (by ratio, size, parts or a lying central directory) and PDF/HTML
polyglots are refused with a message, and nothing is kept."""
import io
import os
import zipfile

import pytest

from marketplace.services.errors import ValidationFailed
from marketplace.services.pitches import uploads
from tests.upload_samples import PDF_POLYGLOT, docx, lying_zip_bomb, zip_bomb


def _store(app, content, name="file.docx"):
    before = sorted(os.listdir(uploads.upload_dir()))
    with pytest.raises(ValidationFailed) as refused:
        uploads.store_upload(io.BytesIO(content), name)
    assert sorted(os.listdir(uploads.upload_dir())) == before  # nothing kept
    return str(refused.value.errors["file"][0])


def test_a_zip_bomb_is_refused_from_its_central_directory(app, caplog):
    bomb = zip_bomb()
    assert len(bomb) < 10_000
    assert "zip bomb" in _store(app, bomb)
    assert f"upload refused as unsafe: zip_bomb, {len(bomb)} bytes" in caplog.text


def test_a_central_directory_that_understates_a_part_is_caught_while_reading_it(app):
    lying = lying_zip_bomb()
    with zipfile.ZipFile(io.BytesIO(lying)) as archive:  # the directory alone looks harmless
        assert archive.getinfo("word/document.xml").file_size == 20_000
    assert "zip bomb" in _store(app, lying)


def test_too_many_parts_or_too_much_in_all_are_refused(app, monkeypatch):
    many = docx(extra=[(f"word/media/{i}.xml", "") for i in range(uploads.ZIP_MAX_MEMBERS)])
    assert "zip bomb" in _store(app, many)
    monkeypatch.setattr(uploads, "ZIP_MAX_UNPACKED_BYTES", 100_000)
    stored_not_packed = docx(os.urandom(60_000), extra=[("word/media/image1.png", os.urandom(60_000))],
                             compression=zipfile.ZIP_STORED)
    assert "zip bomb" in _store(app, stored_not_packed)


def test_a_part_read_to_tell_the_type_is_read_no_further_than_its_limit(app, monkeypatch):
    monkeypatch.setattr(uploads, "ZIP_MEMBER_READ_LIMIT", 100)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", uploads.ODT + " " * 200)
        archive.writestr("content.xml", "<office:document-content/>")
    assert "zip bomb" in _store(app, buffer.getvalue(), "notes.odt")


def test_ordinary_documents_still_pass(app):
    words = " ".join(f"word{i}" for i in range(40_000)).encode()  # compresses well, as text does
    assert uploads.store_upload(io.BytesIO(docx(words)), "a.docx").content_type == uploads.DOCX
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", uploads.ODT, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
    assert uploads.store_upload(io.BytesIO(buffer.getvalue()), "b.odt").content_type == uploads.ODT
    pdf = b"%PDF-1.7\n<?xpacket begin?><x:xmpmeta xmlns:x='adobe:ns:meta/'/>\n1 0 obj<<>>endobj\n%%EOF"
    assert uploads.store_upload(io.BytesIO(pdf), "c.pdf").content_type == uploads.PDF
    assert uploads.store_upload(io.BytesIO(b"<3 notes, a < b\n"), "d.txt").content_type == uploads.TEXT


@pytest.mark.parametrize("content,message", [
    (PDF_POLYGLOT, "web page code"),
    (b"%PDF-1.4\n" + b"1 0 obj<<>>endobj\n" * 100 + b"<SCRIPT>alert(1)</SCRIPT>", "web page code"),
    (b"\xef\xbb\xbf  <!doctype html><title>x</title>", "is a web page"),
    (b"\n<html><body onload=alert(1)>", "is a web page"),
    (b"<script>alert(1)</script>", "is a web page"),
])
def test_pdf_html_polyglots_and_html_are_refused(app, content, message):
    assert message in _store(app, content, "cv.pdf")
