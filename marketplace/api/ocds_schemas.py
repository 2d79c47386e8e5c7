"""The OCDS 1.1.5 schemas as OpenAPI components, so the document (and schemathesis) check the real packages.

The release, release package and record package schemas of the Open Contracting Data Standard 1.1.5 are kept
unchanged in `ocds-1.1.5/` (Apache-2.0, see its LICENSE): nothing is fetched over the network. They are JSON
Schema draft 4; OpenAPI 3.1 speaks 2020-12, so each is adapted as it is read:

* every definition of the release schema becomes a component `OCDS<Name>` (`#/definitions/Award` is
  `#/components/schemas/OCDSAward`), the release itself `OCDSRelease`, the packages `OCDSReleasePackage` and
  `OCDSRecordPackage`, their references to each other made local;
* `id` and `$schema` are dropped (a component is not a document of its own), and OCDS's `deprecated` object
  becomes the boolean 2020-12 knows, its explanation kept in `x-deprecated`;
* the record package's `versionedRelease` points at the versioned release validation schema, which Agora does
  not publish (its records carry no versioned release): it is declared an object, its schema named in the
  description.

The full schema, not a summary: it is 90 KB against the 900 KB of the dereferenced one, because the
definitions are shared components rather than copies.
"""
import json
import re
from functools import cache
from pathlib import Path

SCHEMAS = Path(__file__).with_name("ocds-1.1.5")
BASE = "https://standard.open-contracting.org/schema/1__1__5/"
REF = "#/components/schemas/OCDS{name}"
LOCAL = {BASE + "release-schema.json": REF.format(name="Release"),
         BASE + "release-package-schema.json": REF.format(name="ReleasePackage")}
VERSIONED = BASE + "versioned-release-validation-schema.json"

# Which operation answers with which package (by endpoint), and the real formats of the OCDS query parameters.
RESPONSES = {"ocds_releases": REF.format(name="ReleasePackage"), "ocds_records": REF.format(name="RecordPackage")}


def query_parameters(endpoint, ocid_prefix):
    """Parameter schemas more exact than the query model's text (which the service checks): {name: schema}."""
    if endpoint not in RESPONSES:
        return {}
    return {"ocid": {"type": "string", "pattern": f"^{re.escape(ocid_prefix)}-[1-9][0-9]{{0,11}}$"},
            # The service also takes a date alone, and a date-time without a zone (read as UTC).
            "since": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]}}


def _adapted(node, definitions_ref):
    if isinstance(node, list):
        return [_adapted(item, definitions_ref) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("id", "$schema") and isinstance(value, str):
            continue
        if key == "$ref":
            if value.startswith("#/definitions/"):
                value = definitions_ref(value.rsplit("/", 1)[1])
            elif value == VERSIONED:
                out.update({"type": "object", "description": f"A versioned release, as {VERSIONED} defines it."})
                continue
            else:
                value = LOCAL[value]
        elif key == "deprecated" and isinstance(value, dict):
            out["x-deprecated"] = value
            value = True
        elif key in ("properties", "patternProperties", "definitions"):
            out[key] = {name: _adapted(sub, definitions_ref) for name, sub in value.items()}
            continue
        out[key] = _adapted(value, definitions_ref)
    return out


def _read(name):
    return json.loads((SCHEMAS / name).read_text("utf-8"))


@cache
def components():
    """{component name: schema} of the OCDS release, its definitions, and the two packages."""
    release = _read("release-schema.json")
    shared = lambda name: REF.format(name=name)  # noqa: E731
    found = {f"OCDS{name}": _adapted(schema, shared) for name, schema in release.pop("definitions").items()}
    found["OCDSRelease"] = _adapted(release, shared)
    found["OCDSReleasePackage"] = _adapted(_read("release-package-schema.json"), shared)
    records = _read("record-package-schema.json")
    record_ref = lambda name: REF.format(name=name.capitalize())  # noqa: E731  (its one definition: record)
    found["OCDSRecord"] = _adapted(records.pop("definitions")["record"], record_ref)
    found["OCDSRecordPackage"] = _adapted(records, record_ref)
    return found
