"""Belgian enterprise numbers however they are typed, and the org-id.guide identifier an organisation gets."""
from types import SimpleNamespace

import pytest

from marketplace.services.organisations.identifiers import belgian_enterprise_number, organisation_identifier


@pytest.mark.parametrize("raw", ["0403.170.701", "BE0403170701", "be 0403 170 701", "0403-170-701", "403170701",
                                 " 0403170701 "])
def test_every_way_of_writing_an_enterprise_number_gives_its_ten_digits(raw):
    assert belgian_enterprise_number(raw) == "0403170701"


@pytest.mark.parametrize("raw", [None, "", "0403.170.702", "2000000042", "04031707011", "HRB 12345", "0403١70701",
                                 "BE04O3170701"])
def test_anything_else_is_not_an_enterprise_number(raw):
    # A wrong check number, a first digit other than 0 or 1, a digit too many, another register, non-ASCII digits.
    assert belgian_enterprise_number(raw) is None


def _org(number):
    return SimpleNamespace(name="Alpha Analytics", registration_number=number)


def test_a_belgian_number_is_always_be_bce_kbo_and_another_only_under_a_configured_scheme():
    assert organisation_identifier(_org("BE 0403.170.701"), "NL-KVK") == {
        "scheme": "BE-BCE_KBO", "id": "0403170701", "legalName": "Alpha Analytics"}
    assert organisation_identifier(_org("HRB 12345")) is None
    assert organisation_identifier(_org("HRB 12345"), "DE-CR") == {"scheme": "DE-CR", "id": "HRB 12345",
                                                                   "legalName": "Alpha Analytics"}
    assert organisation_identifier(_org(None), "DE-CR") is None
