"""Organisations' postal addresses: the default country from the registration number, postal code formats."""
import pytest

from marketplace.services.organisations import addresses


@pytest.mark.parametrize("number,scheme,country", [
    ("BE 0403.170.701", None, "BE"),  # a Belgian enterprise number, whatever the default scheme
    ("0403170701", "NL-KVK", "BE"),
    ("12345678", "NL-KVK", "NL"),  # another number: the country of the configured scheme
    ("HRB 12345", None, None),  # another number and no scheme: unknown, the person chooses
    ("12345", "XI-PB", None),  # a scheme of no country
    (None, None, "BE"),  # no number: DEFAULT_COUNTRY
])
def test_the_default_country_follows_the_registration_number_as_identifiers_do(app, monkeypatch, number, scheme,
                                                                                country):
    monkeypatch.setitem(app.config, "OCDS_DEFAULT_ORG_SCHEME", scheme)
    assert addresses.default_country(number) == country


def _clean(**data):
    errors = {}
    return addresses.clean_address(data, errors, data.pop("number", None)), {k: str(v) for k, v in errors.items()}


@pytest.mark.parametrize("data,kept,errors", [
    ({"street_address": " Rue  Haute 12 ", "postal_code": " 1000", "locality": "Bruxelles"},
     {"street_address": "Rue Haute 12", "postal_code": "1000", "locality": "Bruxelles", "country": "BE"}, {}),
    ({"postal_code": "1011ab", "locality": "Amsterdam", "country": "nl"},
     {"street_address": None, "postal_code": "1011 AB", "locality": "Amsterdam", "country": "NL"}, {}),
    ({"postal_code": "L-1009", "locality": "Luxembourg", "country": "LU"}, {"postal_code": "1009"}, {}),
    ({"postal_code": "SW1A 1AA", "locality": "London", "country": "GB"}, {"postal_code": "SW1A 1AA"}, {}),
    ({"postal_code": "", "locality": "", "street_address": "", "country": "BE"}, dict.fromkeys(addresses.FIELDS), {}),
    ({"postal_code": "10000", "locality": "Bruxelles"}, {"postal_code": "10000"},
     {"postal_code": "Enter a Belgian postal code: 4 digits, for example 1000."}),
    ({"postal_code": "0999", "locality": "Bruxelles"}, {}, {"postal_code": "Enter a Belgian postal code: 4 digits, for example 1000."}),
    ({"street_address": "Hauptstraße 1", "number": "HRB 12345"}, {},
     {"country": "Choose a country from the list.",
      "locality": "Enter the town or city, or leave the whole address empty."}),
    ({"locality": "Nowhere", "country": "EU"}, {}, {"country": "Choose a country from the list."}),
    ({"locality": "x" * 101}, {}, {"locality": "Use 100 characters or fewer."}),
])
def test_an_address_is_checked_and_what_was_typed_is_kept(app, data, kept, errors):
    clean, found = _clean(**data)
    assert found == errors
    assert {name: clean[name] for name in kept} == kept
