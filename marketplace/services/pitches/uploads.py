"""Uploaded files: checked by their content (not their name), limited in size, stored outside static/.

The stored name is random; the name the person gave is kept only for display
and the download header, so no upload can choose where it lands.

Files that are dangerous to whoever opens them are refused: an Office/OpenDocument
zip that would unpack to far more than its size (a zip bomb), judged from its
central directory without unpacking it, and a file that a browser would take for
a web page (HTML, or a PDF with HTML or script in its first bytes: a polyglot).
"""
import hashlib
import logging
import os
import re
import secrets
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.extensions import db
from marketplace.formatting import lazy, number
from marketplace.services.errors import ValidationFailed

log = logging.getLogger(__name__)

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"
DOCUMENT_TYPES = (PDF, DOCX, ODT, TEXT, PNG, JPEG)
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", ODT: ".odt", TEXT: ".txt"}
# What a file chooser offers (the `accept` of a document upload): only the types above. A hint to the browser;
# store_upload checks every file whatever it is called.
ACCEPT = ",".join([*DOCUMENT_TYPES, *EXTENSIONS.values(), ".jpeg"])

HEAD_BYTES = 4096  # what type detection and the polyglot check read of every file
# Office/OpenDocument zips. A real text document has tens of parts and unpacks to a few times its size;
# a zip bomb has a ratio near deflate's limit (about 1,000) or thousands of parts.
ZIP_MAX_MEMBERS = 1000
ZIP_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
ZIP_MAX_RATIO = 100  # unpacked / packed, for the whole file and for each part ...
ZIP_RATIO_FROM_BYTES = 1024 * 1024  # ... once it unpacks to more than this (small parts may compress a lot)
ZIP_MEMBER_READ_LIMIT = 64 * 1024  # the parts read to tell the type (mimetype) are read no further than this
# How a browser recognises HTML (the WHATWG MIME sniffing standard): one of these tags, after white space,
# followed by a space or ">"; and what must never appear near the start of a PDF.
HTML_SNIFF = re.compile(rb"\A[\t\n\x0c\r ]*(?:<!doctype html|<html|<head|<script|<iframe|<h1|<div|<font|<table|<a|"
                        rb"<style|<title|<b|<body|<br|<p|<!--)[ >]", re.IGNORECASE)
HTML_IN_PDF = re.compile(rb"<html|<script|<!doctype|<body|<iframe", re.IGNORECASE)


@dataclass(frozen=True)
class StoredFile:
    filename: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


class UnsafeFile(ValueError):
    """The file is dangerous to open: `reason` names the kind for the log, `message` tells the person uploading."""

    def __init__(self, reason, message):
        super().__init__(reason, message)
        self.reason, self.message = reason, message


ZIP_BOMB = _l("This document would unpack to far more than its size, or has too many parts, as a zip bomb does. "
              "Save it again from your word processor, or send it as a PDF.")
PDF_POLYGLOT = _l("This PDF also contains web page code (HTML or script), so it is refused. "
                  "Print it to a new PDF, or save it again from the program that made it.")
HTML_PAGE = _l("This file is a web page (HTML), which we do not accept. Send it as a PDF or plain text instead.")


def sniff_type(head, path=None):
    """The file's real type from its first bytes (and, for zip-based formats, its contents).

    Raises UnsafeFile for a zip bomb or a file a browser would take for a web page.
    """
    if HTML_SNIFF.match(head.removeprefix(b"\xef\xbb\xbf")):
        raise UnsafeFile("html", HTML_PAGE)
    if head.startswith(b"%PDF-"):
        if HTML_IN_PDF.search(head):
            raise UnsafeFile("pdf_polyglot", PDF_POLYGLOT)
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04") and path is not None:
        try:
            with zipfile.ZipFile(path) as archive:
                _refuse_zip_bombs(archive, os.path.getsize(path))
                if not _unpacks_as_declared(path, archive.infolist()):
                    return None  # damaged
                names = set(archive.namelist())
                if "mimetype" in names and _read_member(archive, "mimetype").strip() == ODT.encode():
                    return ODT
                if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
                    return DOCX
        except UnsafeFile:
            raise
        except (zipfile.BadZipFile, zlib.error, struct.error, OSError, KeyError, EOFError, NotImplementedError,
                RuntimeError, ValueError):
            return None  # damaged, encrypted or of a compression we do not read: not a document we accept
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


def _refuse_zip_bombs(archive, file_size):
    """Judge the zip by its central directory alone (declared sizes), without unpacking anything."""
    members = archive.infolist()
    if len(members) > ZIP_MAX_MEMBERS:
        raise UnsafeFile("zip_bomb", ZIP_BOMB)
    unpacked = sum(m.file_size for m in members)
    if unpacked > ZIP_MAX_UNPACKED_BYTES or unpacked > ZIP_RATIO_FROM_BYTES and unpacked > ZIP_MAX_RATIO * file_size:
        raise UnsafeFile("zip_bomb", ZIP_BOMB)
    for member in members:
        if member.file_size > ZIP_RATIO_FROM_BYTES and member.file_size > ZIP_MAX_RATIO * max(member.compress_size, 1):
            raise UnsafeFile("zip_bomb", ZIP_BOMB)


def _unpacks_as_declared(path, members):
    """Inflate every part as a stream, never past the size the central directory declares for it.

    A directory that understates a part's size (to slip a bomb past `_refuse_zip_bombs`) is caught as soon as the
    part yields one byte more than declared; nothing is kept, and the work is bounded by the declared sizes, which
    `_refuse_zip_bombs` has already bounded. False when a part is damaged, short, or stored in a way Office and
    OpenDocument files never are.
    """
    with open(path, "rb") as raw:
        for info in members:
            raw.seek(info.header_offset)
            local = raw.read(30)
            if len(local) < 30 or local[:4] != b"PK\x03\x04" or info.flag_bits & 0x1:  # encrypted
                return False
            name_length, extra_length = struct.unpack("<HH", local[26:30])
            raw.seek(info.header_offset + 30 + name_length + extra_length)
            if info.compress_type == zipfile.ZIP_STORED:
                if info.compress_size != info.file_size:
                    return False
                continue
            if info.compress_type != zipfile.ZIP_DEFLATED:
                return False
            inflater, left, produced = zlib.decompressobj(-zlib.MAX_WBITS), info.compress_size, 0
            while left and not inflater.eof:
                data = raw.read(min(64 * 1024, left))
                if not data:
                    return False
                left -= len(data)
                while data and not inflater.eof:
                    produced += len(inflater.decompress(data, info.file_size + 1 - produced))
                    if produced > info.file_size:
                        raise UnsafeFile("zip_bomb", ZIP_BOMB)
                    data = inflater.unconsumed_tail
            if produced != info.file_size:
                return False
    return True


def _read_member(archive, name):
    """A part read as a stream and no further than ZIP_MEMBER_READ_LIMIT: a central directory that lies about its
    size cannot make us unpack more (zipfile stops at the declared size and checks the CRC)."""
    with archive.open(name) as member:
        data = member.read(ZIP_MEMBER_READ_LIMIT + 1)
    if len(data) > ZIP_MEMBER_READ_LIMIT:
        raise UnsafeFile("zip_bomb", ZIP_BOMB)
    return data


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


def limit_mb():
    """The largest file store_upload keeps, in MB as the forms and refusals say it (one decimal at most)."""
    return round(current_app.config["MAX_ATTACHMENT_BYTES"] / 1024 / 1024, 1)


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
                                                      mb=lazy(number, limit_mb()))})
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed({field: _l("The file is empty.")})
        with open(path, "rb") as stored:
            try:
                content_type = sniff_type(stored.read(HEAD_BYTES), path)
            except UnsafeFile as exc:
                log.warning("upload refused as unsafe: %s, %s bytes", exc.reason, size)
                raise ValidationFailed({field: exc.message}) from exc
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


def commit_keeping(stored):
    """Commit the record of a stored file; if the commit fails, the file goes too, so none is left unrecorded."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard(stored.stored_name)
        raise
