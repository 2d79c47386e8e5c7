"""OCDS 1.1.5 record packages: one record per contracting process (a published challenge), from its stored releases.

A record lists its releases *linked* (`url`, `date`, `tag`), not embedded, to keep pages small: each url is the
release package page of that process that holds the release, with the release id as fragment. Its
`compiledRelease` is the merge of those releases in date order (then the order they were stored), made by
`ocdsmerge` with the merge rules of the local OCDS 1.1.5 release schema (nothing is fetched over the network).

A page costs two statements whatever it holds: how many processes, then all the releases of the page's
processes (chosen by a subquery, paged by challenge id; with `since`, among those with a release dated at or
after it, as the release package chooses releases) in one query ordered by process, date and id.
"""
import json
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import ocdsmerge
from sqlalchemy import distinct, func, select

from marketplace.extensions import db
from marketplace.models import OcdsRelease
from marketplace.services.clock import utcnow
from marketplace.services.open_data import ocds
from marketplace.services.paging import kept_scalar

# The release schema Agora publishes against, kept unchanged beside the OpenAPI document.
RELEASE_SCHEMA = Path(__file__).resolve().parents[2] / "api" / "ocds-1.1.5" / "release-schema.json"
DEFAULT_PER_PAGE = 20
# Linked releases point at pages of the release package this long (its largest page).
LINKED_PER_PAGE = ocds.MAX_PER_PAGE


@cache
def merger():
    """The merger, its rules read once from the local release schema."""
    return ocdsmerge.Merger(schema=json.loads(RELEASE_SCHEMA.read_text("utf-8")))


def compiled_release(releases):
    """The compiled release of one process's releases (each a dict), as ocdsmerge makes it."""
    return merger().create_compiled_release(releases)


def _linked(ocid, releases, releases_url):
    linked = []
    for position, release in enumerate(releases):
        query = urlencode({"ocid": ocid, "per_page": LINKED_PER_PAGE, "page": position // LINKED_PER_PAGE + 1})
        linked.append({"url": f"{releases_url}?{query}#{release['id']}", "date": release["date"],
                       "tag": release["tag"]})
    return linked


def record(releases, releases_url):
    """The record of one process from its releases (dicts, in date order): linked to the release package at
    `releases_url`, with their compiled release."""
    ocid = releases[0]["ocid"]
    return {"ocid": ocid, "releases": _linked(ocid, releases, releases_url), "compiledRelease": compiled_release(releases)}


def record_package(query, *, package_uri, releases_url):
    """One page of records (by challenge id) as an OCDS record package; `query` is an `ocds.ReleaseQuery`
    (`since`: only processes with a release dated at or after it, each record still whole); `releases_url` the
    absolute URL of the release package."""
    settings = ocds.publication_settings()
    # Which processes: by the release package's own conditions, on the (date, id) and (challenge, date, id) indexes.
    conditions = [OcdsRelease.challenge_id == query.challenge_id] if query.challenge_id is not None else []
    if query.since is not None:
        conditions.append(OcdsRelease.date >= query.since)
    total = kept_scalar(select(func.count(distinct(OcdsRelease.challenge_id))).where(*conditions))
    page_ids = select(OcdsRelease.challenge_id).where(*conditions).group_by(OcdsRelease.challenge_id) \
        .order_by(OcdsRelease.challenge_id).limit(query.per_page).offset((query.page - 1) * query.per_page) \
        .subquery()
    rows = db.session.execute(select(OcdsRelease.challenge_id, OcdsRelease.date, OcdsRelease.release)
                              .where(OcdsRelease.challenge_id.in_(select(page_ids.c.challenge_id)))
                              .order_by(OcdsRelease.challenge_id, OcdsRelease.date, OcdsRelease.id)).all()
    by_process = {}
    for row in rows:
        by_process.setdefault(row.challenge_id, []).append(json.loads(row.release))
    records = [record(releases, releases_url) for releases in by_process.values()]
    newest = max((row.date for row in rows), default=utcnow())  # as new as its newest release
    package = {**ocds.package_metadata(settings, package_uri, newest), "packages": [releases_url], "records": records}
    return ocds.PackagePage(items=records, package=package, total=total, page=query.page, per_page=query.per_page,
                            last_modified=ocds.newest_release_date())
