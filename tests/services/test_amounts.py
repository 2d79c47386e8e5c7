"""Amounts typed the Belgian way or the English way mean what the person meant."""
from decimal import Decimal

import pytest

from marketplace.services.pilots.amounts import NotAnAmount, parse_amount


@pytest.mark.parametrize("typed, meant", [
    ("25000", "25000"), ("25 000", "25000"), ("25\u00a0000", "25000"), ("25\u202f000", "25000"),
    ("25.000", "25000"), ("25,000", "25000"), ("1.250.000", "1250000"), ("1,250,000", "1250000"),
    ("25000,50", "25000.50"), ("25000.5", "25000.5"), ("25.000,50", "25000.50"), ("25,000.50", "25000.50"),
    ("€ 25.000", "25000"), ("25 000 EUR", "25000"), ("25000 euro", "25000"), ("0", "0"), ("0,99", "0.99"),
])
def test_a_typed_amount_means_what_the_person_meant(typed, meant):
    assert parse_amount(typed) == Decimal(meant)


@pytest.mark.parametrize("typed", ["", "   ", None, "€"])
def test_an_empty_amount_is_none(typed):
    assert parse_amount(typed) is None


@pytest.mark.parametrize("typed", [
    "twenty", "25.000.50", "25,000,50", "1.2345", "25,0000", "-5", "1e9", "NaN", "Infinity", "12.34.56,7",
    "25 000,505", "0x10", "<script>", "25000;DROP TABLE", "٣٤", "1" * 5000 + "x",
])
def test_anything_else_is_not_an_amount(typed):
    with pytest.raises(NotAnAmount):
        parse_amount(typed)


def test_numbers_from_code_pass_through_and_infinity_does_not():
    assert parse_amount(Decimal("12.5")) == Decimal("12.5")
    assert parse_amount(7) == Decimal(7)
    with pytest.raises(NotAnAmount):
        parse_amount(Decimal("Infinity"))


@pytest.mark.parametrize("sent,meant", [(123.456, "123.456"), (0.001, "0.001"), (25000.5, "25000.5"), (1e-05, "0.00001")])
def test_a_number_sent_as_a_number_is_never_read_as_typed_text(sent, meant):
    # As text, "123.456" is how a Belgian writes 123 456; a JSON number means what it says.
    assert parse_amount(sent) == Decimal(meant)
