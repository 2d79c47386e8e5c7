"""Uploaded files: checked by their content (not their name), limited in size, stored outside static/.

The stored name is random; the name the person gave is kept only for display
and the download header, so no upload can choose where it lands.
"""
import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.formatting import lazy, number
from marketplace.services.errors import ValidationFailed

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"
DOCUMENT_TYPES = (PDF, DOCX, ODT, TEXT, PNG, JPEG)
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", ODT: ".odt", TEXT: ".txt"}


@dataclass(frozen=True)
class StoredFile:
    filename: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


def sniff_type(head, path=None):
    """The file's real type from its first bytes (and, for zip-based formats, its contents)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04") and path is not None:
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                    return ODT
                if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
                    return DOCX
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
        return None
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
            return TEXT
        except UnicodeDecodeError:
            # The sample may cut a multi-byte character: accept if only the tail is broken.
            try:
                head[:-3].decode("utf-8")
                return TEXT
            except UnicodeDecodeError:
                return None
    return None


def display_name(filename, content_type):
    """A harmless name to show and offer for download: no directories, no control characters."""
    name = unicodedata.normalize("NFKC", filename or "").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", name).strip(" .") or "document"
    stem, dot, ext = name.rpartition(".")
    expected = EXTENSIONS[content_type]
    if not dot or "." + ext.lower() != expected and not (content_type == JPEG and ext.lower() == "jpeg"):
        name = (stem if dot else name) + expected
    return name[-150:]


def upload_dir():
    path = current_app.config["UPLOAD_DIR"]
    os.makedirs(path, exist_ok=True)
    return path


def store_upload(stream, filename, *, allowed=DOCUMENT_TYPES, field="file"):
    """Check and store an uploaded file; raise ValidationFailed (naming `field`) and keep nothing if it is wrong."""
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    stored_name = secrets.token_hex(16)
    path = os.path.join(upload_dir(), stored_name)
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "xb") as out:
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise ValidationFailed({field: _l("The file must be smaller than %(mb)s MB.",
                                                      mb=lazy(number, round(limit / 1024 / 1024, 1)))})
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed({field: _l("The file is empty.")})
        with open(path, "rb") as stored:
            content_type = sniff_type(stored.read(2048), path)
        if content_type not in allowed:
            raise ValidationFailed({field: _l("The file must be a PDF, Word or OpenDocument text, plain text, "
                                              "PNG or JPEG file.")})
    except BaseException:
        if os.path.exists(path):
            os.remove(path)
        raise
    return StoredFile(filename=display_name(filename, content_type), stored_name=stored_name,
                      content_type=content_type, size=size, sha256=digest.hexdigest())


def stored_path(stored_name):
    """The path of a stored file; only names this module generated are accepted."""
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name or ""):
        raise ValueError("not a stored file name")
    return os.path.join(upload_dir(), stored_name)


def discard(stored_name):
    try:
        os.remove(stored_path(stored_name))
    except (FileNotFoundError, ValueError):
        pass
