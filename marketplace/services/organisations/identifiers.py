"""Organisation identifiers for open data: a registration number under its org-id.guide scheme.

A Belgian enterprise number (Crossroads Bank for Enterprises, scheme BE-BCE_KBO) is written in many ways
("0700.000.123", "BE 0700 000 123", "700000123"); it is ten digits, starting 0 or 1, whose last two are
97 minus the first eight modulo 97. Anything else is kept as typed under the configured default scheme, if any.
"""
import re

BELGIAN_SCHEME = "BE-BCE_KBO"
_SEPARATORS = re.compile(r"[\s.\-/]")


def belgian_enterprise_number(raw):
    """The ten digits of a Belgian enterprise number, or None when `raw` is not one (checksum included)."""
    if not raw:
        return None
    text = _SEPARATORS.sub("", str(raw)).upper()
    if text.startswith("BE"):
        text = text[2:]
    if not text.isascii() or not text.isdigit():
        return None
    if len(text) == 9:  # the old nine-digit form, before the leading 0
        text = "0" + text
    if len(text) != 10 or text[0] not in "01":
        return None
    if 97 - int(text[:8]) % 97 != int(text[8:]):
        return None
    return text


def organisation_identifier(organisation, default_scheme=None):
    """{scheme, id, legalName} for an organisation's registration number, or None when there is none to give."""
    raw = (organisation.registration_number or "").strip()
    if not raw:
        return None
    number = belgian_enterprise_number(raw)
    if number is not None:
        return {"scheme": BELGIAN_SCHEME, "id": number, "legalName": organisation.name}
    if default_scheme:
        return {"scheme": default_scheme, "id": raw, "legalName": organisation.name}
    return None


def identifier_country(registration_number, default_scheme=None):
    """The country (ISO 3166-1 alpha-2) an organisation's registration number places it in, or None: Belgium for a
    Belgian enterprise number, the country of the default scheme for another number (org-id.guide schemes begin
    with their country's code, as "NL-KVK"), None without a number or when the scheme names no country ("XI-…")."""
    if belgian_enterprise_number(registration_number) is not None:
        return "BE"
    if (registration_number or "").strip() and default_scheme:
        prefix = default_scheme.split("-", 1)[0].upper()
        return prefix if len(prefix) == 2 and prefix.isalpha() and not prefix.startswith("X") else None
    return None
