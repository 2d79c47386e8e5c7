"""The daily bulk files: every stored release and record in gzip JSON Lines, written aside and switched at once."""
import gzip
import hashlib
import json

import pytest
from freezegun import freeze_time

from marketplace.extensions import db
from marketplace.services.open_data import bulk_files, ocds
from tests import ocds_schema


@pytest.fixture
def bulk_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_DATA_BULK_DIR", str(tmp_path))
    return tmp_path


def _lines(path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _stored_releases():
    return ocds.release_package(ocds.ReleaseQuery(per_page=100), package_uri="x").package["releases"]


def test_both_files_hold_every_release_and_record_as_valid_packages_one_per_line(f, bulk_dir, monkeypatch):
    challenges = [f.Challenge() for _ in range(3)]
    f.Challenge(status="draft", published_at=None)
    challenges[1].agency.name = "Renamed Agency"
    db.session.commit()
    monkeypatch.setattr(bulk_files, "RELEASES_PER_LINE", 2)  # several lines from a small world
    monkeypatch.setattr(bulk_files, "RECORDS_PER_LINE", 2)
    stored = _stored_releases()
    assert len(stored) == 4  # three published, one correction after the rename

    written = {f.kind: f for f in bulk_files.generate()}
    assert set(written) == {"releases", "records"} and bulk_files.files() == list(written.values())

    releases_file = written["releases"]
    path = bulk_dir / releases_file.stored_as
    packages = _lines(path)
    assert [len(p["releases"]) for p in packages] == [2, 2]
    assert [r for p in packages for r in p["releases"]] == stored  # byte for byte what the API serves, in date order
    for package in packages:
        assert ocds_schema.schema_errors(package) == []
        assert package["uri"] == "http://localhost/open-data/bulk/ocds-releases.jsonl.gz"
        assert package["license"] == releases_file.license == "https://creativecommons.org/publicdomain/zero/1.0/"
        assert package["publishedDate"] == max(r["date"] for r in package["releases"])
    assert (releases_file.count, releases_file.size) == (4, path.stat().st_size)
    assert releases_file.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert releases_file.publisher == {"name": "Agora", "uri": "http://localhost/"}
    assert path.stat().st_mode & 0o777 == (bulk_dir / bulk_files.MANIFEST).stat().st_mode & 0o777 == 0o644

    records_file = written["records"]
    packages = _lines(bulk_dir / records_file.stored_as)
    records = [r for p in packages for r in p["records"]]
    assert [len(p["records"]) for p in packages] == [2, 1] and records_file.count == 3
    assert [r["ocid"] for r in records] == [f"ocds-xxxxxx-agora-{c.id}" for c in challenges]
    for package in packages:
        assert ocds_schema.schema_errors(package) == []
        assert package["packages"] == ["http://localhost/api/v1/ocds/releases"]
    renamed = records[1]
    assert len(renamed["releases"]) == 2 and renamed["compiledRelease"]["tag"] == ["compiled"]
    assert renamed["releases"][0]["url"].startswith("http://localhost/api/v1/ocds/releases?ocid=")
    assert "Renamed Agency" in json.dumps(renamed["compiledRelease"])
    assert ocds_schema.codelist_errors(renamed["compiledRelease"]) == []


def test_a_new_generation_replaces_the_files_at_once_and_keeps_the_previous_one(f, bulk_dir, monkeypatch):
    f.Challenge()
    with freeze_time("2031-01-01 01:30:00"):
        first = {f.kind: f for f in bulk_files.generate()}
    f.Challenge()

    seen = []
    real_write = bulk_files._write

    def watching(folder, kind, lines, now, settings):  # while the new files are written, readers see the old ones
        seen.append((kind, [f.count for f in bulk_files.files()]))
        return real_write(folder, kind, lines, now, settings)

    monkeypatch.setattr(bulk_files, "_write", watching)
    with freeze_time("2031-01-02 01:30:00"):
        second = {f.kind: f for f in bulk_files.generate()}
    assert seen == [("releases", [1, 1]), ("records", [1, 1])]
    assert (second["releases"].count, second["records"].count) == (2, 2)
    assert second["releases"].generated == "2031-01-02T01:30:00Z"
    assert bulk_files.find("ocds-releases.jsonl.gz") == (second["releases"],
                                                         bulk_dir / second["releases"].stored_as)
    names = {p.name for p in bulk_dir.iterdir()}
    assert {first["releases"].stored_as, second["releases"].stored_as} <= names  # yesterday's kept, for downloads
    assert not any(name.startswith(".partial-") for name in names)

    with freeze_time("2031-01-03 01:30:00"):
        third = bulk_files.generate()
    names = {p.name for p in bulk_dir.iterdir()}
    assert first["releases"].stored_as not in names and first["records"].stored_as not in names
    assert {f.stored_as for f in third} | {second["releases"].stored_as} <= names


def test_a_failed_generation_leaves_the_published_files_untouched(f, bulk_dir, monkeypatch):
    f.Challenge()
    before = bulk_files.generate()
    manifest = (bulk_dir / bulk_files.MANIFEST).read_bytes()

    def broken(settings, uri):
        yield 1, "{}"
        raise RuntimeError("the database went away")

    monkeypatch.setattr(bulk_files, "_record_lines", broken)
    with pytest.raises(RuntimeError):
        bulk_files.generate()
    assert (bulk_dir / bulk_files.MANIFEST).read_bytes() == manifest and bulk_files.files() == before
    assert sorted(p.name for p in bulk_dir.iterdir() if not p.name.startswith(".lock")) == sorted(
        [bulk_files.MANIFEST] + [f.stored_as for f in before])


def test_one_writer_at_a_time_and_nothing_to_write_before_the_first_release(bulk_dir, runner):
    assert bulk_files.generate() == [] and bulk_files.files() == []
    with bulk_files._only_writer(bulk_dir):
        with pytest.raises(bulk_files.BulkFilesBusy):
            bulk_files.generate()
        result = runner.invoke(args=["open-data-bulk"])
        assert result.exit_code == 1 and "being written by another process" in result.output


def test_beat_writes_them_daily_and_the_command_on_demand(f, bulk_dir, runner):
    from datetime import timedelta

    from worker.schedule import BEAT_SCHEDULE
    from worker.tasks import write_bulk_files

    [entry] = [e for e in BEAT_SCHEDULE.values() if e["task"] == "open_data.bulk_files"]
    assert entry["schedule"].remaining_estimate(entry["schedule"].now()) <= timedelta(days=1)
    f.Challenge()
    assert write_bulk_files.run() == ["ocds-releases.jsonl.gz", "ocds-records.jsonl.gz"]
    result = runner.invoke(args=["open-data-bulk"])
    assert result.exit_code == 0 and "ocds-releases.jsonl.gz: 1 releases" in result.output
