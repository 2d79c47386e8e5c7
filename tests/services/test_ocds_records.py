"""OCDS records: one per process, releases linked to the release package, compiled by ocdsmerge, fixed statements."""
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import ocdsmerge
import pytest
from freezegun import freeze_time
from sqlalchemy import event

from marketplace.extensions import db
from marketplace.services.challenges import amendments
from marketplace.services.clock import utcnow
from marketplace.services.open_data import ocds, ocds_records
from marketplace.services.organisations import companies
from tests import ocds_schema, open_data_world

URI = "http://localhost/api/v1/ocds/records"
RELEASES = "http://localhost/api/v1/ocds/releases"
PREFIX = "ocds-xxxxxx-agora"


def _records(**query):
    return ocds_records.record_package(ocds.ReleaseQuery(**{"per_page": 100, **query}), package_uri=URI,
                                       releases_url=RELEASES)


def _releases_of(challenge_id):
    return ocds.release_package(ocds.ReleaseQuery(per_page=100, challenge_id=challenge_id),
                                package_uri=RELEASES).package["releases"]


@pytest.fixture
def world(f, smtp_sink):
    """The whole lifecycle (published, questions, award, pilots) with a company renamed afterwards (a correction
    release), and a challenge corrected after publishing (a tender amendment)."""
    w = open_data_world.build(f)
    with freeze_time(w.end):
        companies.update_profile(w.companies["Alpha Analytics"].user, {"name": "Alpha Analytics Europe", "size": "small"})
    corrected = f.Challenge(title="Fewer mised appointments")
    amendments.correct_published_challenge(f.member(corrected.agency, "publisher"), corrected.id, {
        "pitch_deadline": corrected.pitch_deadline + timedelta(days=7), "title": "Fewer missed appointments",
        "reason": "More time; a typo."})
    w.corrected = corrected
    return w


def test_the_compiled_release_is_what_ocdsmerge_makes_of_the_stored_releases(world):
    package = _records().package
    merger = ocdsmerge.Merger(schema=str(ocds_schema.DATA / "release-schema.json"))
    by_ocid = {record["ocid"]: record for record in package["records"]}
    for challenge in (world.challenge, world.consultation, world.cancelled, world.corrected):
        compiled = by_ocid[f"{PREFIX}-{challenge.id}"]["compiledRelease"]
        assert compiled == merger.create_compiled_release(_releases_of(challenge.id))
        assert compiled["tag"] == ["compiled"] and ocds_schema.codelist_errors(compiled) == []
    awarded = by_ocid[f"{PREFIX}-{world.challenge.id}"]["compiledRelease"]
    assert [a["suppliers"][0]["name"] for a in awarded["awards"]] == ["Alpha Analytics Europe", "Beta Bytes"]
    assert {c["status"] for c in awarded["contracts"]} == {"terminated"}
    corrected = by_ocid[f"{PREFIX}-{world.corrected.id}"]["compiledRelease"]
    assert corrected["tender"]["title"] == "Fewer missed appointments" and len(corrected["tender"]["amendments"]) == 1
    assert set(by_ocid) == {f"{PREFIX}-{c.id}" for c in (world.challenge, world.consultation, world.cancelled,
                                                          world.corrected)}  # never a draft


def test_each_linked_release_is_in_the_release_package_and_the_package_validates(world):
    package = _records().package
    assert ocds_schema.schema_errors(package) == []
    assert package["publishedDate"] == max(r["date"] for rec in package["records"] for r in rec["releases"])
    assert package["uri"] == URI and package["packages"] == [RELEASES] and package["version"] == "1.1"
    assert package["publicationPolicy"] == "http://localhost/open-data" and package["license"].startswith("https://")
    linked = 0
    for record in package["records"]:
        stored = _releases_of(int(record["ocid"].rsplit("-", 1)[1]))
        assert [(r["date"], r["tag"]) for r in record["releases"]] == [(r["date"], r["tag"]) for r in stored]
        for link in record["releases"]:
            url = urlsplit(link["url"])
            assert url.geturl().startswith(RELEASES + "?")
            args = {k: v[0] for k, v in parse_qs(url.query).items()}
            query = ocds.ReleaseQuery.from_args({"ocid": args["ocid"], "page": args["page"],
                                                 "per_page": args["per_page"]}, PREFIX)
            [found] = [r for r in ocds.release_package(query, package_uri=RELEASES).package["releases"]
                       if r["id"] == url.fragment]
            assert (found["ocid"], found["date"], found["tag"]) == (record["ocid"], link["date"], link["tag"])
            linked += 1
    assert linked == len(ocds.release_package(ocds.ReleaseQuery(per_page=100), package_uri=RELEASES).items) == 24


def test_ocid_gives_one_record_and_pages_have_no_gaps_or_repeats(world):
    [record] = _records(challenge_id=world.cancelled.id).items
    assert record["ocid"] == f"{PREFIX}-{world.cancelled.id}"
    assert [r["tag"] for r in record["releases"]] == [["tender"], ["tenderCancellation"]]
    assert record["compiledRelease"]["tender"]["status"] == "cancelled"
    every = [r["ocid"] for r in _records().items]
    assert [r["ocid"] for page in (1, 2, 3) for r in _records(page=page, per_page=2).items] == every
    assert every == sorted(every, key=lambda ocid: int(ocid.rsplit("-", 1)[1]))
    result = _records(per_page=3)
    assert (result.total, result.pages) == (4, 2)
    assert _records(page=9).items == [] and _records(challenge_id=world.drafts[0].id).items == []


def test_since_gives_the_records_with_a_release_at_or_after_it_each_with_all_its_releases(world):
    stored = {record["ocid"]: _releases_of(int(record["ocid"].rsplit("-", 1)[1])) for record in _records().items}
    for since in (world.start, world.times["closed"], world.end, world.end + timedelta(seconds=1)):
        expected = sorted((ocid for ocid, releases in stored.items()
                           if any(datetime.fromisoformat(r["date"]) >= since for r in releases)),
                          key=lambda ocid: int(ocid.rsplit("-", 1)[1]))
        result = _records(since=since)
        assert [r["ocid"] for r in result.items] == expected and result.total == len(expected)
        for record in result.items:  # the whole record, not only what is new
            assert [link["date"] for link in record["releases"]] == [r["date"] for r in stored[record["ocid"]]]
    assert 1 <= len(_records(since=world.end).items) < len(stored) == 4  # the rename: a new release of some
    assert _records(since=world.end + timedelta(seconds=1)).items == []
    assert _records(since=world.start, challenge_id=world.cancelled.id).total == 1
    assert [r["ocid"] for page in (1, 2) for r in _records(since=world.start, page=page, per_page=2).items] == list(
        stored)


def _statements(**query):
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = _records(**query)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen), result


def test_a_page_costs_the_same_statements_for_one_or_six_processes(f):
    f.Challenge()
    one, result = _statements(per_page=10)
    assert len(result.items) == 1
    for _ in range(5):
        f.Challenge()
    six, result = _statements(per_page=10)
    # The public data token, how many processes and the newest release (both kept until a release is stored),
    # the page's releases.
    assert len(result.items) == 6 and six == one == 4
    since, result = _statements(per_page=10, since=utcnow() - timedelta(days=1))
    assert len(result.items) == 6 and since == 2  # same transaction: the token and the newest release are known
