"""The OCDS 1.1.5 release package: every public lifecycle change of every published challenge."""
from flask import current_app, request, url_for
from flask_babel import gettext as _
from pydantic import Field

from ..services.open_data import ocds
from ..services.errors import NotFound
from .operations import PUBLIC, PlainText, Query, operation

RELEASE_PACKAGE = {
    "type": "object", "required": ["uri", "publishedDate", "publisher", "version", "releases"],
    "description": "An OCDS 1.1.5 release package; `links.next` / `links.prev` page through it.",
    "externalDocs": {"url": "https://standard.open-contracting.org/1.1/en/schema/release_package/"},
}


class ReleasesQuery(Query):
    page: int = Field(1, ge=1, le=ocds.MAX_PAGE)
    per_page: int = Field(ocds.DEFAULT_PER_PAGE, ge=1, le=ocds.MAX_PER_PAGE, description="Releases per page.")
    since: PlainText | None = Field(None, max_length=100,
                                    description="Only releases dated at or after this moment: an ISO 8601 date "
                                                "or date-time, UTC when no zone is given.")
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
    result = ocds.release_package(checked, package_uri=request.url)
    if not result.items:
        raise NotFound(_("No release matches: the process is unknown, nothing changed since that moment, "
                         "or the page is past the last one."))
    args = request.args.to_dict()  # the reader's own parameters, in their order
    links = {}
    if result.page < result.pages:
        links["next"] = url_for(".ocds_releases", _external=True, **{**args, "page": result.page + 1})
    if 1 < result.page <= result.pages:
        links["prev"] = url_for(".ocds_releases", _external=True, **{**args, "page": result.page - 1})
    headers = {"X-Total-Count": str(result.total)}
    if links:
        result.package["links"] = links
        headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return result.package, 200, headers
