"""Checking OCDS output against the 1.1.5 schemas and codelists kept in tests/data (no network, no /work/shared).

The schemas and codelists are copied unchanged from the Open Contracting Data
Standard 1.1.5 (Apache-2.0, see tests/data/ocds-1.1.5/LICENSE).
"""
import csv
import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource

DATA = Path(__file__).parent / "data" / "ocds-1.1.5"
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
# Closed codelists the schema names; every one must be checked, not only the ones present in the data.
CLOSED_CODELISTS = {"releaseTag.csv", "initiationType.csv", "tenderStatus.csv", "awardStatus.csv",
                    "contractStatus.csv", "milestoneStatus.csv", "method.csv", "procurementCategory.csv",
                    "currency.csv"}
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T(?P<time>\d{2}:\d{2}:\d{2})(?P<zone>Z|[+-]\d{2}:\d{2})")
PARTY_SCALES = {"micro", "sme", "large"}  # the partyDetails scale extension's codes


def _load(name):
    return json.loads((DATA / name).read_text("utf-8"))


@cache
def release_schema():
    return _load("release-schema.json")


@cache
def codelist(name):
    with (DATA / "codelists" / name).open(encoding="utf-8") as handle:
        return {row["Code"] for row in csv.DictReader(handle)}


def _format_checker():
    checker = FormatChecker(())

    @checker.checks("date-time", raises=ValueError)
    def date_time(value):
        if not isinstance(value, str):
            return True
        # One format: RFC 3339 to the second; a recorded moment in UTC ("Z"), a date-only value at the first or last
        # second of the local day with that day's offset (OCDS date guidance).
        match = DATE_TIME.fullmatch(value)
        if match is None:
            return False
        datetime.fromisoformat(value)
        return match["zone"] == "Z" or match["time"] in ("00:00:00", "23:59:59")

    @checker.checks("uri")
    def uri(value):
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value

    return checker


@cache
def package_validator():
    registry = Registry().with_resource(RELEASE_SCHEMA_URL, Resource.from_contents(release_schema()))
    return Draft4Validator(_load("release-package-schema.json"), registry=registry, format_checker=_format_checker())


@cache
def record_package_validator():
    registry = Registry().with_resource(RELEASE_SCHEMA_URL, Resource.from_contents(release_schema()))
    return Draft4Validator(_load("record-package-schema.json"), registry=registry, format_checker=_format_checker())


def schema_errors(package):
    validator = record_package_validator() if "records" in package else package_validator()
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(package))


def _resolve(node):
    while "$ref" in node:
        node = release_schema()["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def codelist_errors(release, checked=None):
    """Every value at a codelist field of the schema that is not a code of that list (open lists too)."""
    errors = []
    checked = checked if checked is not None else set()

    def walk(value, node, path):
        node = _resolve(node)
        name = node.get("codelist")
        if name and (DATA / "codelists" / name).exists():
            checked.add(name)
            values = value if isinstance(value, list) else [value]
            errors.extend(f"{path}: {v!r} not in {name}" for v in values if v is not None and v not in codelist(name))
        if isinstance(value, dict):
            properties = node.get("properties", {})
            for key, child in value.items():
                if key in properties:
                    walk(child, properties[key], f"{path}/{key}")
        elif isinstance(value, list) and "items" in node:
            for index, child in enumerate(value):
                walk(child, node["items"], f"{path}/{index}")

    walk(release, release_schema(), "")
    for party in release.get("parties", []):
        scale = party.get("details", {}).get("scale")
        if scale is not None and scale not in PARTY_SCALES:
            errors.append(f"parties/{party['id']}/details/scale: {scale!r}")
    return errors
