"""GET /api/v1/ocds/records: record packages paged by ocid, one record with `ocid=`, `since`, 404 when none matches."""
from datetime import timedelta

from marketplace.services.clock import utcnow


def test_records_are_paged_by_ocid_and_one_ocid_gives_one_record(client, f):
    first, second = f.Challenge(), f.Challenge()
    answer = client.get("/api/v1/ocds/records?per_page=1")
    assert answer.status_code == 200 and answer.headers["X-Total-Count"] == "2"
    package = answer.get_json()
    assert [r["ocid"] for r in package["records"]] == [f"ocds-xxxxxx-agora-{first.id}"]
    assert package["links"]["next"] == "http://localhost/api/v1/ocds/records?per_page=1&page=2"
    assert answer.headers["Link"] == f'<{package["links"]["next"]}>; rel="next"'
    [link] = package["records"][0]["releases"]
    assert link["url"] == (f"http://localhost/api/v1/ocds/releases?ocid=ocds-xxxxxx-agora-{first.id}&per_page=100"
                           f"&page=1#ocds-xxxxxx-agora-{first.id}-published")
    one = client.get(f"/api/v1/ocds/records?ocid=ocds-xxxxxx-agora-{second.id}").get_json()
    assert [r["ocid"] for r in one["records"]] == [f"ocds-xxxxxx-agora-{second.id}"] and "links" not in one
    assert client.get("/api/v1/ocds/records?ocid=ocds-xxxxxx-agora-999").status_code == 404
    assert client.get("/api/v1/ocds/records?ocid=nope").status_code == 422


def test_the_package_uri_keeps_only_the_parameters_read_so_it_stays_a_uri(client, f):
    f.Challenge()
    for path in ("records", "releases"):
        package = client.get(f"/api/v1/ocds/{path}?x%01=%7B%27%27%3A+%5B-3&per_page=5").get_json()
        assert package["uri"] == f"http://localhost/api/v1/ocds/{path}?per_page=5"


def test_since_keeps_the_records_changed_since_and_is_checked_like_on_releases(client, f):
    f.Challenge(published_at=utcnow() - timedelta(days=9))
    new = f.Challenge()
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = client.get(f"/api/v1/ocds/records?since={since}")
    assert answer.status_code == 200 and answer.headers["X-Total-Count"] == "1"
    assert [r["ocid"] for r in answer.get_json()["records"]] == [f"ocds-xxxxxx-agora-{new.id}"]
    assert answer.get_json()["uri"] == f"http://localhost/api/v1/ocds/records?since={since}"
    day = (utcnow() - timedelta(days=10)).date().isoformat()  # a date alone, as on releases
    assert client.get(f"/api/v1/ocds/records?since={day}").headers["X-Total-Count"] == "2"
    assert client.get("/api/v1/ocds/records?since=2999-01-01").status_code == 404
    bad = client.get("/api/v1/ocds/records?since=yesterday")
    assert bad.status_code == 422 and [e["pointer"] for e in bad.get_json()["errors"]] == ["#/since"]
