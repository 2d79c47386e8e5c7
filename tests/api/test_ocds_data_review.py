"""The demo world's open data through the OCDS Data Review Tool's library (libcoveocds), offline.

Every release and every record the API serves, all pages, gathered in one release package and one record package
(the first page's package, so ids must be unique across pages), pass libcoveocds's schema validation with the
declared extensions, its codelist checks and its additional checks with nothing reported (tests/data_review.py).
"""
import socket
from urllib.parse import urlsplit

import pytest

from tests.data_review import NetworkTouched, no_network, review


def _everything(client, path, key):
    """All pages of `path` followed by their `links.next`, as the first page's package holding every item."""
    first = answer = client.get(path)
    package, items = first.get_json(), []
    while True:
        assert answer.status_code == 200, answer.get_data(as_text=True)
        page = answer.get_json()
        items += page[key]
        if "next" not in page.get("links", {}):
            break
        next_url = urlsplit(page["links"]["next"])
        answer = client.get(f"{next_url.path}?{next_url.query}")
    assert len(items) == int(first.headers["X-Total-Count"])
    package.pop("links", None)
    return {**package, key: items}


def test_the_demo_worlds_releases_and_records_pass_the_data_review_tool(runner, client, tmp_path):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    releases = _everything(client, "/api/v1/ocds/releases", "releases")
    records = _everything(client, "/api/v1/ocds/records", "records")
    assert len(releases["releases"]) > 50 and len(records["records"]) >= 12
    assert {r["ocid"] for r in releases["releases"]} == {r["ocid"] for r in records["records"]}
    for package in (releases, records):
        context, problems = review(package, tmp_path)
        assert problems == [], "\n".join(problems)
        # The check did run on everything, with both extensions applied from the local copies.
        assert context["count"] == len(package.get("releases", package.get("records")))
        assert context["extensions"]["is_extended_schema"]
        assert [e["url"] for e in context["extensions"]["extensions"]] == package["extensions"]


def test_the_review_lists_what_is_wrong_and_refuses_to_fetch_what_is_not_kept_here(tmp_path):
    release = {"ocid": "ocds-xxxxxx-agora-1", "id": "ocds-xxxxxx-agora-1-published", "date": "2026-01-01",
               "tag": ["nonsense"], "initiationType": "tender", "tender": {"id": "1", "title": " "}}
    package = {"uri": "http://localhost/", "publishedDate": "2026-01-01T00:00:00Z", "version": "1.1",
               "publisher": {"name": "Agora"}, "releases": [release]}
    _, problems = review(package, tmp_path)
    assert problems == ["releases/0/date: Date is not in the correct format (date-time)",
                        "empty_field: releases/0/tender/title",
                        "closed codelist releaseTag.csv: ['nonsense'] at releases/tag"]
    package["extensions"] = ["https://extensions.example.org/ocds_other_extension/v1/extension.json"]
    with pytest.raises(NetworkTouched, match="extensions.example.org"):
        review(package, tmp_path)
    with no_network() as touched, pytest.raises(NetworkTouched), socket.socket() as sock:
        sock.connect(("192.0.2.1", 80))
    assert touched == ["192.0.2.1"]
