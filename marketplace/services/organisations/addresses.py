"""Organisations' postal addresses: optional, checked, and published in OCDS for buyers.

An address is a street (and number), a postal code, a locality and a country (ISO 3166-1 alpha-2). It is given
whole or not at all: without a street, postal code or locality, nothing is kept (a country alone says nothing).
When no country is chosen, the organisation's own is taken as its identifier says it (`identifiers.py`: a Belgian
enterprise number is Belgium; another number is the country of the configured default scheme), else
`DEFAULT_COUNTRY`. Postal codes of the countries Agora mostly sees are checked against their format.
"""
import re
import unicodedata
from functools import cache

from babel import Locale
from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.formatting import lazy, number
from marketplace.services.organisations.identifiers import identifier_country

FIELDS = ("street_address", "postal_code", "locality", "country")
LINES = FIELDS[:3]
LIMITS = {"street_address": 200, "postal_code": 16, "locality": 100}
# Territories Babel names that ISO 3166-1 does not assign (or reserves for other uses).
_NOT_ISO = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
# Postal code formats checked: (pattern on the code in upper case, its groups joined by a space when it has some;
# what is said when it does not match).
POSTAL_CODES = {
    "BE": (re.compile(r"[1-9][0-9]{3}"), _l("Enter a Belgian postal code: 4 digits, for example 1000.")),
    "LU": (re.compile(r"(?:L-?)?([0-9]{4})"), _l("Enter a Luxembourg postal code: 4 digits, for example 1009.")),
    "NL": (re.compile(r"([1-9][0-9]{3}) ?([A-Z]{2})"),
           _l("Enter a Dutch postal code: 4 digits and 2 letters, for example 1011 AB.")),
    "FR": (re.compile(r"[0-9]{5}"), _l("Enter a French postal code: 5 digits, for example 75001.")),
    "DE": (re.compile(r"[0-9]{5}"), _l("Enter a German postal code: 5 digits, for example 10115.")),
}
COUNTRY_PROBLEM = _l("Choose a country from the list.")
LOCALITY_MISSING = _l("Enter the town or city, or leave the whole address empty.")


@cache
def country_codes():
    return frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha()
                     and code not in _NOT_ISO)


def country_name(code, locale="en"):
    """The country's name in a language (English in open data), or the code when Babel has none."""
    return Locale.parse(str(locale)).territories.get(code, code)


def country_choices(locale):
    """(code, name) of every country, by name in that language (a Babel locale or its name)."""
    locale = Locale.parse(str(locale))
    return sorted(((code, locale.territories.get(code, code)) for code in country_codes()),
                  key=lambda choice: unicodedata.normalize("NFKD", choice[1]).casefold())  # Å among the A


def default_country(registration_number):
    """The country of an organisation with this registration number (or none) when no country is chosen, or None
    when nothing tells."""
    country = identifier_country(registration_number, current_app.config.get("OCDS_DEFAULT_ORG_SCHEME"))
    if country is not None:
        return country if country in country_codes() else None
    if (registration_number or "").strip():
        return None  # a number of some other register: its country is unknown
    configured = current_app.config.get("DEFAULT_COUNTRY") or None
    return configured if configured in country_codes() else None


def _postal_code(raw, country, errors):
    if not raw or country not in POSTAL_CODES:
        return raw
    pattern, problem = POSTAL_CODES[country]
    match = pattern.fullmatch(raw.upper())
    if match is None:
        errors["postal_code"] = problem
        return raw
    return " ".join(match.groups()) if match.groups() else match.group(0)


def clean_address(data, errors, registration_number=None):
    """The address fields to store from what was typed (`data`, by field name): every field None when no street,
    postal code or locality was typed. Problems go into `errors` by field name. The registration number is the
    organisation's (as it will be saved), for the default country."""
    typed = {name: " ".join(str(data.get(name) or "").split()) for name in FIELDS}
    if not any(typed[name] for name in LINES):
        return dict.fromkeys(FIELDS)
    for name, limit in LIMITS.items():
        if len(typed[name]) > limit:
            errors[name] = _l("Use %(n)s characters or fewer.", n=lazy(number, limit))  # as companies.too_long
    country = typed["country"].upper() or default_country(registration_number)
    if country not in country_codes():
        errors["country"] = COUNTRY_PROBLEM
    if not typed["locality"]:
        errors["locality"] = LOCALITY_MISSING
    postal_code = _postal_code(typed["postal_code"], country, errors)
    return {"street_address": typed["street_address"] or None, "postal_code": postal_code or None,
            "locality": typed["locality"] or None, "country": country}


def snapshot(organisation):
    return {name: getattr(organisation, name) for name in FIELDS}


def ocds_address(organisation):
    """The OCDS 1.1.5 Address of an organisation (English country name), or None when it has none."""
    if not any(getattr(organisation, name) for name in LINES):
        return None
    address = {"streetAddress": organisation.street_address, "locality": organisation.locality,
               "postalCode": organisation.postal_code,
               "countryName": country_name(organisation.country) if organisation.country else None}
    return {key: value for key, value in address.items() if value} or None
