"""The OCDS Data Review Tool's library (libcoveocds) run offline on a release or record package.

libcoveocds reads the standard (schemas and codelists) from a zip of the standard repository, and each extension
the package declares (extension.json, release-schema.json, codelists) over HTTP: from the GitHub archive of the
extension's ref (`https://github.com/<repository>/archive/<ref>.zip`), or file by file from its base URL. Here the
standard zip is built in memory from tests/data/ocds-1.1.5 (the 1.1.5 files, unchanged), and both kinds of
extension address are answered from tests/data/ocds-extensions (the files at the pinned versions, unchanged;
Apache-2.0, see each LICENSE) by `requests` transport adapters that every session is given for those addresses.
During the check every socket to anything but this machine is refused, so a file not kept here fails the check
instead of being fetched.
"""
import io
import re
import socket
import zipfile
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import requests
import urllib3
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig
from requests.adapters import HTTPAdapter

DATA = Path(__file__).parent / "data"
STANDARD = DATA / "ocds-1.1.5"
# What each declared extension's base URL serves (marketplace/services/open_data/ocds.py EXTENSIONS).
EXTENSIONS = {
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_enquiry_extension/v1.1.5/":
        DATA / "ocds-extensions" / "ocds_enquiry_extension-v1.1.5",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_partyDetails_scale_extension/"
    "152cd9fb74e021e537b17d84420615acf7dec032/":
        DATA / "ocds-extensions" / "ocds_partyDetails_scale_extension-152cd9fb",
}
LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost"}


class NetworkTouched(AssertionError):
    """Raised by a socket opened to another machine (not an OSError, so no library takes it for a bad network)."""


def _zip(folder, top, under=""):
    """The files under `folder` zipped as GitHub's archives lay them out: `<top>/` first, then each file at
    `<top>/<under><its path in folder>`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{top}/", "")
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{top}/{under}{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


@cache
def standard_zip():
    """The standard's release archive as libcoveocds reads it (only its `schema/` folder), as bytes."""
    return _zip(STANDARD, "standard-1__1__5", "schema/")


def _archive_url(base_url):
    """GitHub's archive of the ref a raw.githubusercontent.com base URL names."""
    owner, repository, ref = re.fullmatch(r"https://raw\.githubusercontent\.com/([^/]+)/([^/]+)/([^/]+)/",
                                          base_url).groups()
    return f"https://github.com/{owner}/{repository}/archive/{ref}.zip"


class LocalFiles(HTTPAdapter):
    """Answers GET <base_url><file> with the file under `folder` and, when given, GET <archive_url> with all of them
    zipped; 404 for anything else."""

    def __init__(self, base_url, folder, archive_url=None):
        super().__init__()
        self.base_url, self.folder, self.archive_url = base_url, folder.resolve(), archive_url

    def _body(self, url):
        if url == self.archive_url:
            return _zip(self.folder, self.folder.name)
        path = (self.folder / unquote(url[len(self.base_url):].split("?")[0])).resolve()
        if url.startswith(self.base_url) and path.is_file() and path.is_relative_to(self.folder):
            return path.read_bytes()
        return None

    def send(self, request, **kwargs):
        body = self._body(request.url)
        raw = urllib3.HTTPResponse(body=io.BytesIO(b"Not Found" if body is None else body),
                                   status=404 if body is None else 200, reason="Not Found" if body is None else "OK",
                                   preload_content=False, request_url=request.url)
        return self.build_response(request, raw)


def _local_adapters():
    """(URL prefix, adapter): the standard's schema URLs (jsonref follows the record package schema's reference to
    the versioned release schema by `requests.get`), each extension's base URL and its GitHub archive."""
    adapters = [(f"{scheme}://standard.open-contracting.org/schema/1__1__5/", LocalFiles(
        f"{scheme}://standard.open-contracting.org/schema/1__1__5/", STANDARD)) for scheme in ("https", "http")]
    for base_url, folder in EXTENSIONS.items():
        adapter = LocalFiles(base_url, folder, _archive_url(base_url))
        adapters += [(base_url, adapter), (adapter.archive_url, adapter)]
    return adapters


@contextmanager
def local_addresses():
    """Every `requests` session (ocdsextensionregistry's cached one, jsonref's `requests.get`) answers the local
    addresses from the local copies for the duration of the block; other addresses go to the real transport."""
    real_get_adapter = requests.Session.get_adapter
    adapters = _local_adapters()

    def get_adapter(session, url):
        return next((adapter for prefix, adapter in adapters if url.startswith(prefix)), None) or \
            real_get_adapter(session, url)

    requests.Session.get_adapter = get_adapter
    try:
        yield
    finally:
        requests.Session.get_adapter = real_get_adapter


@contextmanager
def no_network():
    """Every name lookup or connection to another machine raises NetworkTouched and is listed in the yielded list."""
    touched = []
    real_connect, real_connect_ex, real_getaddrinfo = socket.socket.connect, socket.socket.connect_ex, \
        socket.getaddrinfo

    def refuse(host):
        touched.append(str(host))
        raise NetworkTouched(f"the check tried to reach {host} over the network")

    def guarded(real):
        def connect(sock, address):
            if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOCAL_HOSTS:
                refuse(address[0])
            return real(sock, address)
        return connect

    def getaddrinfo(host, *args, **kwargs):
        if host not in LOCAL_HOSTS and host is not None:
            refuse(host)
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = guarded(real_connect), guarded(real_connect_ex)
    socket.getaddrinfo = getaddrinfo
    try:
        yield touched
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = real_connect, real_connect_ex, \
            real_getaddrinfo


def review(package, workdir):
    """libcoveocds's full check (schema, codelists, extensions, additional checks) of `package`, offline.

    Returns (its context, every problem it reports as one readable line). `workdir` receives the extended schema.
    """
    config = LibCoveOCDSConfig({"context": "api", "standard_zip": standard_zip(), "additional_checks": "all"})
    with no_network() as touched, local_addresses():
        context = ocds_json_output(str(workdir), json_data=package, lib_cove_ocds_config=config,
                                   record_pkg="records" in package)
    problems = [f"network: {host}" for host in touched]
    problems += [f"{e['path'] or e['field']}: {e['description']} ({e['type']})" for e in context["validation_errors"]]
    problems += [f"{check}: {found.get('json_location', found)}"
                 for check, results in context.get("additional_checks", {}).items() for found in results]
    problems += [f"ocid prefix: {ocid} at {path}"
                 for ocid, path in context.get("conformance_errors", {}).get("ocds_prefixes_bad_format", [])]
    extensions = context["extensions"] or {}  # None when the package declares none
    problems += [f"extension {url}: {reason}" for url, reason in extensions.get("invalid_extensions", [])]
    problems += [f"extension {e['url']}: codelist {name}: {reason}"
                 for e in extensions.get("extensions", [])
                 for name, reason in e.get("failed_codelists", {}).items()]
    problems += [f"not in the schema: {f['path']}/{f['field']} ({f['usage_count']}x)"
                 for f in context["additional_fields"]]
    problems += [f"deprecated: {f['field']}" for f in context["deprecated_fields"]]
    for kind in ("closed", "open"):
        problems += [f"{kind} codelist {v['codelist']}: {sorted(v['values'])} at {path}"
                     for path, v in context[f"additional_{kind}_codelist_values"].items()]
    if context.get("json_deref_error"):
        problems.append(f"schema reference: {context['json_deref_error']}")
    return context, problems
