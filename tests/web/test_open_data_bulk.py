"""The bulk files over HTTP (listed on /open-data, downloaded with validators) and the DCAT-AP data catalogue."""
import gzip
import json

import pytest
from freezegun import freeze_time

from marketplace.services.open_data import bulk_files

BULK = "/open-data/bulk/ocds-releases.jsonl.gz"


@pytest.fixture
def bulk_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_DATA_BULK_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def generated(f, bulk_dir):
    for _ in range(2):
        f.Challenge()
    with freeze_time("2031-03-14 01:30:00"):
        return {f.kind: f for f in bulk_files.generate()}


def test_the_open_data_page_lists_the_files_with_size_and_date_in_the_readers_language(client, generated, bulk_dir):
    releases = generated["releases"]
    page = client.get("/open-data").text
    assert f'href="{BULK}" download>All OCDS releases</a>' in page
    assert 'href="/open-data/bulk/ocds-records.jsonl.gz" download>All OCDS records</a>' in page
    assert f"(ocds-releases.jsonl.gz, {releases.size} byte) –\n          2 releases," in page
    assert "2 records," in page
    assert "made on 14 March 2031, 02:30." in page and releases.sha256 in page  # Brussels time
    manifest = json.loads((bulk_dir / bulk_files.MANIFEST).read_text())
    manifest["files"][0]["size"] = 1234567  # the page shows what the manifest says
    (bulk_dir / bulk_files.MANIFEST).write_text(json.dumps(manifest))
    assert "(ocds-releases.jsonl.gz, 1.2 MB)" in client.get("/open-data").text
    page = client.get("/open-data", headers={"Accept-Language": "fr"}).text
    assert "Toutes les publications OCDS</a>\n          (ocds-releases.jsonl.gz, 1,2\u202fMo) –" in page
    assert "2 publications," in page and "fait le 14 mars 2031, 02:30." in page
    assert "2 enregistrements," in page


@pytest.mark.parametrize("language,kind,count,said,title", [
    ("en", "releases", 1, "1 release", "All OCDS releases"),
    ("en", "records", 1234, "1,234 records", "All OCDS records"),
    ("fr", "releases", 1, "1 publication", "Toutes les publications OCDS"),
    ("fr", "records", 1234, "1\u202f234 enregistrements", "Tous les enregistrements OCDS"),
    ("nl", "records", 1, "1 record", "Alle OCDS-records"), ("de", "releases", 2, "2 Releases", "Alle OCDS-Releases"),
])
def test_a_bulk_file_says_what_it_holds_in_the_readers_language_and_plural(app, language, kind, count, said, title):
    from flask_babel import force_locale
    bulk_file = bulk_files.BulkFile(name=bulk_files.NAMES[kind], kind=kind, stored_as="x",
                                    generated="2031-03-14T01:30:00Z", size=1, count=count, sha256="0" * 64,
                                    license="", publisher={})
    with app.test_request_context(), force_locale(language):
        assert (bulk_file.counted, str(bulk_file.title)) == (said, title)


def test_the_open_data_page_says_when_no_file_was_made_yet(client, bulk_dir):
    page = client.get("/open-data").text
    assert "No bulk file has been made yet." in page and "/open-data/bulk/" not in page
    assert '<link rel="alternate" type="application/ld+json"' in page and 'href="/open-data/catalogue.jsonld"' in page
    assert "Aucun fichier" in client.get("/open-data", headers={"Accept-Language": "fr"}).text
    (bulk_dir / bulk_files.MANIFEST).write_text('{"files": [{"name": "ocds-releases.jsonl.gz"}]}')  # not ours
    assert "No bulk file has been made yet." in client.get("/open-data").text
    assert client.get(BULK).status_code == 404


def test_a_bulk_file_downloads_as_gzip_with_validators_and_a_304(client, generated):
    releases = generated["releases"]
    response = client.get(BULK)
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    assert "Content-Encoding" not in response.headers  # the file itself, not a compressed answer
    assert response.headers["Content-Disposition"] == "attachment; filename=agora-ocds-releases-20310314.jsonl.gz"
    assert response.headers["ETag"] == f'"{releases.sha256}"'
    assert response.headers["Last-Modified"] == "Fri, 14 Mar 2031 01:30:00 GMT"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=3600"  # the same file for everyone, for a while
    assert response.headers["Link"] == '<https://creativecommons.org/publicdomain/zero/1.0/>; rel="license"'
    lines = gzip.decompress(response.data).decode("utf-8").splitlines()
    assert len(lines) == 1 and len(json.loads(lines[0])["releases"]) == 2
    assert client.get(BULK, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    not_modified = client.get(BULK, headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert client.get(BULK, headers={"If-None-Match": '"something-else"'}).status_code == 200
    part = client.get(BULK, headers={"Range": "bytes=0-9"})  # a broken download resumes
    assert part.status_code == 206 and part.data == response.data[:10]


@pytest.mark.parametrize("name", ["unknown.jsonl.gz", "manifest.json", ".lock", "..%2Fmanifest.json",
                                  "ocds-releases.jsonl", "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd"])
def test_only_listed_files_are_served(client, generated, name):
    stored = generated["releases"].stored_as
    assert client.get(f"/open-data/bulk/{name}").status_code == 404
    assert client.get(f"/open-data/bulk/{stored}").status_code == 404  # the stored name is not a public one
    assert client.get("/open-data/bulk/../bulk/manifest.json").status_code == 404


def test_a_listed_file_missing_on_disk_is_a_404(client, generated, bulk_dir):
    (bulk_dir / generated["records"].stored_as).unlink()
    assert client.get("/open-data/bulk/ocds-records.jsonl.gz").status_code == 404


# ---- The catalogue ---------------------------------------------------------------------------------------

DCAT, DCT = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/"


def _expanded(node, context):
    """Compact IRIs (prefix:term) of keys, @type and @id values as JSON-LD expansion makes them, by the context's
    prefixes; anything not expandable stays as it was (and then fails the assertions below)."""
    def iri(value):
        prefix, _, rest = value.partition(":")
        return context[prefix] + rest if prefix in context and not rest.startswith("//") else value

    if isinstance(node, list):
        return [_expanded(item, context) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "@context":
            continue  # expansion applies it and leaves it out
        if key in ("@type", "@id"):
            out[key] = iri(value)
        elif key.startswith("@"):
            out[key] = value
        else:
            out[iri(key)] = _expanded(value, context)
    return out


def _ids(values):
    return {v["@id"] for v in (values if isinstance(values, list) else [values])}


def test_the_catalogue_is_dcat_ap_json_ld_describing_every_dataset(client, app, generated, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "opendata@agora.example")
    response = client.get("/open-data/catalogue.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*" and response.headers["ETag"]
    assert client.get("/open-data/catalogue.jsonld",
                      headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    document = response.get_json()
    context = document["@context"]
    assert context["dcat"] == DCAT and context["dct"] == DCT
    catalogue = _expanded(document, context)
    # Every property and class expands to a full IRI of the vocabularies DCAT-AP uses.
    vocabularies = tuple(context.values())

    def check(node):
        if isinstance(node, list):
            return all(check(item) for item in node)
        if not isinstance(node, dict):
            return True
        assert all(key.startswith("@") or key.startswith(vocabularies) for key in node), node.keys()
        assert "@type" not in node or node["@type"].startswith(vocabularies)
        return all(check(value) for value in node.values())

    check(catalogue)
    assert catalogue["@type"] == DCAT + "Catalog" and catalogue["@id"] == "http://localhost/open-data/catalogue.jsonld"
    assert _ids(catalogue[DCT + "license"]) == {"https://creativecommons.org/publicdomain/zero/1.0/"}
    assert {t["@language"] for t in catalogue[DCT + "title"]} == {"en", "fr", "nl", "de"}
    datasets = {d["@id"].rsplit("#", 1)[1]: d for d in catalogue[DCAT + "dataset"]}
    assert set(datasets) == {"releases", "records", "challenges", "statistics"}
    for dataset in datasets.values():
        assert dataset["@type"] == DCAT + "Dataset"
        assert dataset[DCT + "title"] and dataset[DCT + "description"]
        assert dataset[DCT + "publisher"][f"{context['foaf']}name"] == "Agora"
        contact = dataset[DCAT + "contactPoint"]
        assert _ids(contact[context["vcard"] + "hasEmail"]) == {"mailto:opendata@agora.example"}
        for distribution in dataset[DCAT + "distribution"]:
            assert distribution["@type"] == DCAT + "Distribution" and distribution[DCAT + "accessURL"]["@id"]
            assert distribution[DCAT + "mediaType"]["@id"].startswith("http://www.iana.org/assignments/media-types/")
            assert _ids(distribution[DCT + "license"]) == {"https://creativecommons.org/publicdomain/zero/1.0/"}
    urls = {d[DCAT + "accessURL"]["@id"] for ds in datasets.values() for d in ds[DCAT + "distribution"]}
    assert urls == {f"http://localhost{path}" for path in (
        "/api/v1/ocds/releases", "/api/v1/ocds/records", BULK, "/open-data/bulk/ocds-records.jsonl.gz",
        "/challenges.csv", "/feeds/challenges.atom", "/stats.csv", "/stats.json")}
    for path in urls:
        assert client.get(path.removeprefix("http://localhost")).status_code == 200
    [bulk] = [d for d in datasets["releases"][DCAT + "distribution"] if DCAT + "downloadURL" in d]
    releases = generated["releases"]
    assert bulk[DCAT + "downloadURL"]["@id"] == "http://localhost" + BULK
    assert bulk[DCAT + "mediaType"]["@id"].endswith("/application/gzip")
    assert bulk[DCAT + "byteSize"] == {"@value": str(releases.size), "@type": context["xsd"] + "nonNegativeInteger"}
    assert bulk[DCT + "modified"]["@value"] == "2031-03-14T01:30:00Z"
    assert bulk[context["spdx"] + "checksum"][context["spdx"] + "checksumValue"]["@value"] == releases.sha256


def test_before_any_bulk_file_the_catalogue_lists_the_api_only(client, bulk_dir):
    datasets = client.get("/open-data/catalogue.jsonld").get_json()["dcat:dataset"]
    releases = next(d for d in datasets if d["@id"].endswith("#releases"))
    assert [d["dcat:accessURL"]["@id"] for d in releases["dcat:distribution"]] == [
        "http://localhost/api/v1/ocds/releases"]
