"""The data catalogue: Agora's open data described in DCAT-AP, as JSON-LD, so national portals can harvest it.

One `dcat:Catalog` with four `dcat:Dataset`s: the OCDS releases and the OCDS records (each through the API and
as a daily bulk file, with its size, date and sha256 once generated), the challenges (CSV and Atom feed) and
the statistics (CSV and JSON). Titles and descriptions in every language of the site; the licence from
`licence.py` on every distribution; the publisher and contact point from the configuration. URLs are built
on `BASE_URL` (never the host a request came through) from the paths the caller names.
"""
from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l

from marketplace.services.open_data import bulk_files, ocds
from marketplace.services.open_data.licence import open_data_licence

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
IANA = "http://www.iana.org/assignments/media-types/"
EU = "http://publications.europa.eu/resource/authority/"
OCDS_SCHEMA = "https://standard.open-contracting.org/schema/1__1__5/"
# Where each distribution is, as paths the caller gives (its routes): the keys below.
PATHS = ("catalogue", "policy", "contact", "releases_api", "records_api", "challenges_csv", "challenges_feed",
         "challenge_columns", "stats_csv", "stats_json", "stats")

DATASETS = {
    bulk_files.RELEASES: (_l("OCDS releases"), _l(
        "Every change of every published challenge as an Open Contracting Data Standard 1.1 release, written once "
        "when it happens: publication, answered questions, corrections, closing, award, each pilot stage, "
        "completion or cancellation.")),
    bulk_files.RECORDS: (_l("OCDS records"), _l(
        "One Open Contracting Data Standard 1.1 record per published challenge: its releases and the compiled "
        "release that shows the latest value of each field.")),
    "challenges": (_l("Challenges"), _l(
        "The published challenges with their status, agency, sectors, budget and deadlines, as a spreadsheet and "
        "as a feed.")),
    "statistics": (_l("Statistics"), _l(
        "How many challenges were published and how they ended, pitches per challenge and by company size, days "
        "to a pilot, adoption, time to answer questions.")),
}


def _text(value):
    """A lazy string in every language of the site, as JSON-LD language-tagged values."""
    texts = []
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            texts.append({"@value": str(value), "@language": language})
    return texts


def _iri(url):
    return {"@id": url}


def _media_type(name):
    return {"@id": IANA + name, "@type": "dct:MediaType"}


def _distribution(url, title, media_type, licence, *, download=False, conforms_to=None):
    distribution = {"@type": "dcat:Distribution", "dct:title": _text(title), "dcat:accessURL": _iri(url),
                    "dcat:mediaType": _media_type(media_type), "dct:license": _iri(licence.url)}
    if download:
        distribution["dcat:downloadURL"] = _iri(url)
    if conforms_to:
        distribution["dct:conformsTo"] = _iri(conforms_to)
    return distribution


def _bulk_distribution(bulk_file, settings, licence):
    distribution = _distribution(bulk_files.download_url(settings, bulk_file.name),
                                 _l("Daily bulk file (gzip-compressed JSON Lines, one package per line)"),
                                 bulk_files.MEDIA_TYPE, licence, download=True,
                                 conforms_to=OCDS_SCHEMA + ("release" if bulk_file.kind == bulk_files.RELEASES
                                                            else "record") + "-package-schema.json")
    distribution.update({
        "dct:modified": {"@value": bulk_file.generated, "@type": "xsd:dateTime"},
        "dcat:byteSize": {"@value": str(bulk_file.size), "@type": "xsd:nonNegativeInteger"},
        "spdx:checksum": {"@type": "spdx:Checksum", "spdx:algorithm": _iri("spdx:checksumAlgorithm_sha256"),
                          "spdx:checksumValue": {"@value": bulk_file.sha256, "@type": "xsd:hexBinary"}},
    })
    return distribution


def catalogue(paths):
    """The catalogue as a JSON-LD document; `paths` maps each name of PATHS to its path on the site."""
    settings, licence, config = ocds.publication_settings(), open_data_licence(), current_app.config
    url = {name: settings["base_url"] + paths[name] for name in PATHS}
    publisher = {"@id": settings["base_url"] + "/", "@type": "foaf:Agent", "foaf:name": settings["publisher"]}
    contact = {"@type": "vcard:Organization", "vcard:fn": config.get("OPERATOR_NAME") or settings["publisher"],
               "vcard:hasURL": _iri(url["contact"])}
    if config.get("CONTACT_EMAIL"):
        contact["vcard:hasEmail"] = _iri("mailto:" + config["CONTACT_EMAIL"])
    bulk = {f.kind: f for f in bulk_files.files()}
    distributions = {
        bulk_files.RELEASES: [_distribution(url["releases_api"], _l("API: release packages, paged"),
                                            "application/json", licence,
                                            conforms_to=OCDS_SCHEMA + "release-package-schema.json")],
        bulk_files.RECORDS: [_distribution(url["records_api"], _l("API: record packages, paged"),
                                           "application/json", licence,
                                           conforms_to=OCDS_SCHEMA + "record-package-schema.json")],
        "challenges": [_distribution(url["challenges_csv"], _l("Challenges as CSV"), "text/csv", licence,
                                     download=True, conforms_to=url["challenge_columns"]),
                       _distribution(url["challenges_feed"], _l("Atom feed of challenges"), "application/atom+xml",
                                     licence)],
        "statistics": [_distribution(url["stats_csv"], _l("Statistics as CSV"), "text/csv", licence, download=True),
                       _distribution(url["stats_json"], _l("Statistics as JSON"), "application/json", licence,
                                     download=True)],
    }
    datasets = []
    for key, (title, description) in DATASETS.items():
        dataset = {
            "@id": f"{url['catalogue']}#{key}", "@type": "dcat:Dataset", "dct:identifier": f"{url['catalogue']}#{key}",
            "dct:title": _text(title), "dct:description": _text(description), "dct:publisher": publisher,
            "dcat:contactPoint": contact, "dcat:landingPage": _iri(url["stats"] if key == "statistics" else url["policy"]),
            "dct:accrualPeriodicity": _iri(EU + "frequency/UPDATE_CONT"), "dcat:theme": _iri(EU + "data-theme/GOVE"),
            "dcat:distribution": list(distributions[key]),
        }
        if key in bulk:
            dataset["dcat:distribution"].append(_bulk_distribution(bulk[key], settings, licence))
            dataset["dct:modified"] = {"@value": bulk[key].generated, "@type": "xsd:dateTime"}
        datasets.append(dataset)
    return {
        "@context": CONTEXT,
        "@id": url["catalogue"],
        "@type": "dcat:Catalog",
        "dct:title": _text(_l("%(publisher)s open data", publisher=settings["publisher"])),
        "dct:description": _text(_l("Open data of the challenge marketplace: OCDS releases and records, challenges "
                                    "and statistics.")),
        "dct:publisher": publisher,
        "foaf:homepage": _iri(url["policy"]),
        "dct:license": _iri(licence.url),
        "dct:language": [_iri(EU + "language/" + code) for code in _languages(config["LANGUAGES"])],
        "dcat:dataset": datasets,
    }


_EU_LANGUAGES = {"en": "ENG", "fr": "FRA", "nl": "NLD", "de": "DEU"}


def _languages(codes):
    return [_EU_LANGUAGES[code] for code in codes if code in _EU_LANGUAGES]
