"""The OCDS 1.1.5 packages: the release package (every public lifecycle change of every published challenge) and
the record package (one record per challenge, compiled from its releases)."""
import json
from functools import lru_cache

from flask import current_app, request, url_for
from flask_babel import gettext as _
from pydantic import Field
from werkzeug.http import http_date

from ..services.open_data import ocds
from ..services.open_data import ocds_records as records
from ..services.errors import NotFound
from .operations import PUBLIC, PlainText, Query, item_json, json_with_items, operation


def _package_schema(kind):
    """The short schema of a package of releases or records (the OpenAPI document gives the full OCDS one)."""
    return {
        "type": "object", "required": ["uri", "publishedDate", "publisher", "version", f"{kind}s"],
        "description": f"An OCDS 1.1.5 {kind} package; `links.next` / `links.prev` page through it.",
        "externalDocs": {"url": f"https://standard.open-contracting.org/1.1/en/schema/{kind}_package/"},
    }


RELEASE_PACKAGE = _package_schema("release")


def _since(what):
    """The `since` parameter, declared alike on releases and records."""
    return Field(None, max_length=100, description=f"Only {what} at or after this moment: an ISO 8601 date or "
                                                   "date-time, UTC when no zone is given.")


class ReleasesQuery(Query):
    page: int = Field(1, ge=1, le=ocds.MAX_PAGE)
    per_page: int = Field(ocds.DEFAULT_PER_PAGE, ge=1, le=ocds.MAX_PER_PAGE, description="Releases per page.")
    since: PlainText | None = _since("releases dated")
    ocid: PlainText | None = Field(None, max_length=100, description="Only the releases of this contracting process.")


@operation("GET", "/ocds/releases", tag="Open data", auth=PUBLIC, query=ReleasesQuery, response=RELEASE_PACKAGE,
           errors=(404,))
def ocds_releases(query):
    """OCDS releases of every public challenge, oldest first, one per lifecycle change.

    Each release was written when its change happened and is never edited: a later correction (a renamed
    company, a new milestone) is a release of its own, `<ocid>-update-<n>`, dated when it was made.

    When no release matches (an unknown `ocid`, nothing since `since`, a page past the last), the answer is a
    404 problem: an OCDS release package must hold at least one release.
    """
    checked = ocds.ReleaseQuery.from_args(query.model_dump(exclude_none=True), current_app.config["OCDS_OCID_PREFIX"])
    result = ocds.stored_release_page(checked, package_uri=_own_uri(".ocds_releases", ReleasesQuery))
    if not result.items:
        raise NotFound(_("No release matches: the process is unknown, nothing changed since that moment, "
                         "or the page is past the last one."))
    package, status, headers = _paged(result, ".ocds_releases")
    return json_with_items(package, "releases", [_written(text) for text in result.items]), status, headers


@lru_cache(maxsize=2048)
def _written(stored):
    """A stored release as the API writes it (keys sorted, ASCII): a stored release is never edited, so its text
    names what it is written as; kept for the releases most asked for."""
    return item_json(json.loads(stored))


def _own_uri(endpoint, query_model):
    """The package's URI with only the parameters it reads, in the reader's order: anything else a reader sent
    (schemathesis sends control characters and brackets) could make it no URI."""
    return url_for(endpoint, _external=True, **{k: v for k, v in request.args.items() if k in query_model.model_fields})


def _paged(result, endpoint):
    """The package with `links.next` / `links.prev` (also a `Link` header) and `X-Total-Count`."""
    args = request.args.to_dict()  # the reader's own parameters, in their order
    links = {}
    if result.page < result.pages:
        links["next"] = url_for(endpoint, _external=True, **{**args, "page": result.page + 1})
    if 1 < result.page <= result.pages:
        links["prev"] = url_for(endpoint, _external=True, **{**args, "page": result.page - 1})
    headers = {"X-Total-Count": str(result.total)}
    if result.last_modified is not None:  # a conditional GET may name it (If-Modified-Since)
        headers["Last-Modified"] = http_date(result.last_modified)
    if links:
        result.package["links"] = links
        headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return result.package, 200, headers


RECORD_PACKAGE = _package_schema("record")


class RecordsQuery(Query):
    page: int = Field(1, ge=1, le=ocds.MAX_PAGE)
    per_page: int = Field(records.DEFAULT_PER_PAGE, ge=1, le=ocds.MAX_PER_PAGE, description="Records per page.")
    since: PlainText | None = _since("records with a release (any of theirs) dated")
    ocid: PlainText | None = Field(None, max_length=100, description="Only the record of this contracting process.")


@operation("GET", "/ocds/records", tag="Open data", auth=PUBLIC, query=RecordsQuery, response=RECORD_PACKAGE,
           errors=(404,))
def ocds_records(query):
    """OCDS records of every public challenge, one per contracting process, by ocid.

    Each record lists its releases **linked**, not embedded, to keep pages small: `{url, date, tag}`, the url
    being the page of `/api/v1/ocds/releases?ocid=…` that holds the release, its id as fragment. Its
    `compiledRelease` merges those releases in date order (OCDS merge rules, by `ocdsmerge`).

    With `since`, only the records of processes that have a release dated at or after it (a harvester's
    incremental read); each still holds all its releases.

    When no record matches (an unknown `ocid`, nothing since `since`, a page past the last), the answer is a 404
    problem: an OCDS record package must hold at least one record.
    """
    checked = ocds.ReleaseQuery.from_args(query.model_dump(exclude_none=True), current_app.config["OCDS_OCID_PREFIX"])
    result = records.record_package(checked, package_uri=_own_uri(".ocds_records", RecordsQuery),
                                    releases_url=url_for(".ocds_releases", _external=True))
    if not result.items:
        raise NotFound(_("No record matches: the process is unknown, nothing changed since that moment, or the "
                         "page is past the last one."))
    return _paged(result, ".ocds_records")
