"""Daily bulk files of every stored OCDS release and every record, for harvesters that want it all at once.

Two files, gzip-compressed JSON Lines: `ocds-releases.jsonl.gz` holds release packages, `ocds-records.jsonl.gz`
record packages, one package per line (at most `RELEASES_PER_LINE` releases or `RECORDS_PER_LINE` records each),
every line a complete OCDS 1.1 package with its publisher, licence and publication policy. Packages, not bare
releases, so that each line validates on its own against the package schemas and carries its licence (OCDS
guidance on bulk downloads); a line per package, so that `ocdskit`, `jq -c` and line-by-line readers can stream a
file of any size. Releases are in `date` order, records in process (challenge id) order, each with its
releases linked to the API's release package and the compiled release `ocds_records` makes.

Writing streams: rows are read `yield_per` a line's worth and written straight into the gzip file, so memory
holds one line whatever the number of releases. A file is written under a new name in the same directory, then
`manifest.json` (its public name, the stored name, when, size, count, sha256, licence, publisher) is replaced
atomically: a reader sees the previous files until the new ones are complete, never half a file. The previous
generation's files are kept (a download that began before the switch finishes); older ones are removed.
The manifest, not a table: the files and what describes them live and go together, in `OPEN_DATA_BULK_DIR`
(a volume every web process can read when the worker runs elsewhere). One writer at a time (a lock file).
"""
import fcntl
import gzip
import hashlib
import json
import logging
import os
import re
import secrets
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import groupby
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l, ngettext
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.formatting import number, rfc3339
from marketplace.models import OcdsRelease
from marketplace.services.clock import utcnow
from marketplace.services.open_data import ocds, ocds_records

RELEASES, RECORDS = "releases", "records"
NAMES = {RELEASES: "ocds-releases.jsonl.gz", RECORDS: "ocds-records.jsonl.gz"}  # the public names
DOWNLOAD_PATH = "/open-data/bulk/"  # + a public name: the download route (web/open_data.py)
RELEASES_API_PATH = "/api/v1/ocds/releases"  # the release package records link to (api/ocds.py)
MEDIA_TYPE = "application/gzip"
RELEASES_PER_LINE = 1000
RECORDS_PER_LINE = 100
MANIFEST = "manifest.json"
FILE_MODE = 0o644  # public data, read by web processes that may run as another user (mkstemp makes 0600)
_LOCK = ".lock"
_TEMPORARY = ".partial-"
log = logging.getLogger(__name__)
_STORED = re.compile(r"ocds-(releases|records)-\d{8}T\d{6}Z-[0-9a-f]{8}\.jsonl\.gz")


# How each file is named and counted to readers (the open data page), in their language.
TITLES = {RELEASES: _l("All OCDS releases"), RECORDS: _l("All OCDS records")}
_COUNTED = {
    RELEASES: lambda n: ngettext("%(count)s release", "%(count)s releases", n, count=number(n)),
    RECORDS: lambda n: ngettext("%(count)s record", "%(count)s records", n, count=number(n)),
}


class BulkFilesBusy(Exception):
    """Another process is writing the bulk files now."""


@dataclass(frozen=True)
class BulkFile:
    name: str  # public, stable: /open-data/bulk/<name>
    kind: str  # releases | records
    stored_as: str  # the file in the directory
    generated: str  # RFC 3339, UTC
    size: int  # bytes, compressed (what is downloaded)
    count: int  # releases or records
    sha256: str
    license: str
    publisher: dict

    @property
    def generated_at(self):
        return datetime.fromisoformat(self.generated)

    @property
    def title(self):
        """What the file holds, for its link: "All OCDS releases"."""
        return TITLES[self.kind]

    @property
    def counted(self):
        """How many it holds, in the reader's language and plural: "2 releases", "1 record"."""
        return _COUNTED[self.kind](self.count)


def directory():
    return Path(current_app.config["OPEN_DATA_BULK_DIR"])


def files():
    """The current bulk files, as the manifest lists them (none before the first generation)."""
    try:
        return [BulkFile(**entry) for entry in json.loads((directory() / MANIFEST).read_text("utf-8"))["files"]]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as error:  # a manifest not of ours: no file, never a 500
        log.warning("unreadable open data bulk manifest: %s", error)
        return []


def find(name):
    """The bulk file with this public name and the path it is stored at, or (None, None): only a name the
    manifest lists, stored under a name of the expected shape, is ever looked for on disk."""
    for bulk_file in files():
        if bulk_file.name == name and _STORED.fullmatch(bulk_file.stored_as):
            return bulk_file, directory() / bulk_file.stored_as
    return None, None


def download_url(settings, name):
    return f"{settings['base_url']}{DOWNLOAD_PATH}{name}"


# ---- Writing -----------------------------------------------------------------------------------------------

@contextmanager
def _only_writer(folder):
    with open(folder / _LOCK, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BulkFilesBusy() from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _chunks(rows, size):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _release_lines(settings, uri):
    """One release package per line; the stored release texts are written as they are (never re-encoded)."""
    rows = db.session.execute(select(OcdsRelease.date, OcdsRelease.release).order_by(OcdsRelease.date, OcdsRelease.id)
                              .execution_options(yield_per=RELEASES_PER_LINE))
    for chunk in _chunks(rows, RELEASES_PER_LINE):
        head = _dumps(ocds.package_metadata(settings, uri, max(row.date for row in chunk)))
        yield len(chunk), f'{head[:-1]},"releases":[{",".join(row.release for row in chunk)}]}}'


def _record_lines(settings, uri):
    """One record package per line, each record from all the releases of its process."""
    releases_url = settings["base_url"] + RELEASES_API_PATH
    rows = db.session.execute(select(OcdsRelease.challenge_id, OcdsRelease.date, OcdsRelease.release)
                              .order_by(OcdsRelease.challenge_id, OcdsRelease.date, OcdsRelease.id)
                              .execution_options(yield_per=RELEASES_PER_LINE))
    processes = ([(row.date, json.loads(row.release)) for row in group]
                 for _, group in groupby(rows, key=lambda row: row.challenge_id))
    for chunk in _chunks(processes, RECORDS_PER_LINE):
        newest = max(at for process in chunk for at, _ in process)
        records = [ocds_records.record([release for _, release in process], releases_url) for process in chunk]
        yield len(records), _dumps({**ocds.package_metadata(settings, uri, newest), "packages": [releases_url],
                                    "records": records})


def _write(folder, kind, lines, now, settings):
    """Write one file under a new name; its BulkFile, or None when there is nothing to put in it."""
    stored_as = f"ocds-{kind}-{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}.jsonl.gz"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=_TEMPORARY)
    count = 0
    try:
        with os.fdopen(handle, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=int(now.timestamp())) as packed:
                for how_many, line in lines:
                    packed.write(line.encode("utf-8") + b"\n")
                    count += how_many
            raw.flush()
            os.fsync(raw.fileno())
        if not count:
            os.unlink(temporary)
            return None
        digest = hashlib.sha256()
        with open(temporary, "rb") as written:
            for block in iter(lambda: written.read(1024 * 1024), b""):
                digest.update(block)
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, folder / stored_as)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return BulkFile(name=NAMES[kind], kind=kind, stored_as=stored_as, generated=rfc3339(now),
                    size=(folder / stored_as).stat().st_size, count=count, sha256=digest.hexdigest(),
                    license=settings["license"], publisher={"name": settings["publisher"],
                                                            "uri": settings["base_url"] + "/"})


def _replace_manifest(folder, bulk_files):
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=_TEMPORARY)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump({"files": [asdict(f) for f in bulk_files]}, out, ensure_ascii=False, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temporary, FILE_MODE)
    os.replace(temporary, folder / MANIFEST)


def generate():
    """Write both bulk files and switch the manifest to them; the new BulkFiles. Raises BulkFilesBusy when
    another process is writing them."""
    folder = directory()
    folder.mkdir(parents=True, exist_ok=True)
    settings, now = ocds.publication_settings(), utcnow()
    with _only_writer(folder):
        for leftover in folder.glob(_TEMPORARY + "*"):  # a run that died half-way
            leftover.unlink()
        previous = files()
        written = []
        try:
            for kind, lines in ((RELEASES, _release_lines), (RECORDS, _record_lines)):
                bulk_file = _write(folder, kind, lines(settings, download_url(settings, NAMES[kind])), now, settings)
                if bulk_file:
                    written.append(bulk_file)
            _replace_manifest(folder, written)
        except BaseException:  # the published files stay as they were, and nothing of this run is left
            for bulk_file in written:
                (folder / bulk_file.stored_as).unlink(missing_ok=True)
            raise
        kept = {f.stored_as for f in written + previous}
        for path in folder.iterdir():
            if _STORED.fullmatch(path.name) and path.name not in kept:
                path.unlink()
    return written
