"""Values as each language writes them: dates, numbers, money, file sizes, and values formatted late."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from flask_babel import force_locale

from marketplace import formatting


@pytest.fixture
def in_language(app):
    with app.test_request_context():
        yield force_locale


@pytest.mark.parametrize("language,whole,cents,places,size,day", [
    ("en", "€25,000", "€25,000.50", "3.50", "1.5 MB", "14 March 2030"),
    ("fr", "25\u202f000\xa0€", "25\u202f000,50\xa0€", "3,50", "1,5\u202fMo", "14 mars 2030"),
    ("nl", "€\xa025.000", "€\xa025.000,50", "3,50", "1,5 MB", "14 maart 2030"),
    ("de", "25.000\xa0€", "25.000,50\xa0€", "3,50", "1,5 MB", "14. März 2030"),
])
def test_values_are_written_as_each_language_writes_them(in_language, language, whole, cents, places, size, day):
    with in_language(language):
        assert formatting.money(Decimal("25000.00")) == whole
        assert formatting.money(Decimal("25000.50")) == cents
        assert formatting.number(3.5, 2) == places
        assert formatting.file_size(1536 * 1024) == size
        assert formatting.day(date(2030, 3, 14)) == day


@pytest.mark.parametrize("language,written,zone", [
    ("en", "14 March 2030, 12:00", "Central European Time (Brussels)"),
    ("fr", "14 mars 2030, 12:00", "heure d’Europe centrale (Bruxelles)"),
    ("nl", "14 maart 2030, 12:00", "Midden-Europese tijd (Brussel)"),
    ("de", "14. März 2030, 12:00", "Mitteleuropäische Zeit (Brüssel)"),
])
def test_times_are_written_one_way_to_the_minute_in_the_readers_zone_and_language(in_language, language, written,
                                                                                   zone):
    moment = datetime(2030, 3, 14, 11, 0, 59, tzinfo=timezone.utc)  # the seconds are not shown, not rounded up
    with in_language(language):
        assert formatting.localtime(moment) == written
        assert formatting.zone_name() == zone  # said once per page, not after every value


def test_empty_values_are_empty(in_language):
    with in_language("en"):
        assert [formatting.money(None), formatting.number(None), formatting.file_size(None),
                formatting.day(None), formatting.localtime(None), formatting.utc_timestamp(None)] == [""] * 6
        assert formatting.money_range(None, Decimal(9000)) == "€9,000"
        assert formatting.file_size(13) == "13 byte"


def test_the_receipt_moment_is_the_same_in_every_language(in_language):
    moment = datetime(2030, 3, 14, 11, 0, 5, 123456, tzinfo=timezone.utc)
    for language in ("en", "fr"):
        with in_language(language):
            assert formatting.utc_timestamp(moment) == "2030-03-14 11:00:05.123456 UTC"


def test_a_lazy_value_takes_the_language_it_is_shown_in(in_language):
    later = formatting.lazy(formatting.number, 100_000_000)
    with in_language("de"):
        assert str(later) == "100.000.000"
    with in_language("en"):
        assert str(later) == "100,000,000"
