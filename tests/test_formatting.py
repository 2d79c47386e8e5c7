"""Values as each language writes them: dates, numbers, money, file sizes, and values formatted late."""
from datetime import date, datetime, timedelta, timezone
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


@pytest.mark.parametrize("language,first,moment", [
    ("en", "1 November 2026", "1 November 2026, 09:00"),
    ("fr", "1er novembre 2026", "1er novembre 2026, 09:00"),
    ("nl", "1 november 2026", "1 november 2026, 09:00"),
    ("de", "1. November 2026", "1. November 2026, 09:00"),
])
def test_the_first_of_the_month_is_written_as_each_language_writes_it(in_language, language, first, moment):
    with in_language(language):
        assert formatting.day(date(2026, 11, 1)) == first
        assert formatting.localtime(datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)) == moment
        assert formatting.day(date(2026, 11, 2)).startswith("2")  # only the first is an ordinal


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


def test_a_moment_is_written_in_the_zone_of_the_moment_it_is_written(in_language):
    # Days and times are kept per language once formatted; the zone is read at each call (force_timezone).
    moment = datetime(2030, 3, 14, 23, 30, tzinfo=timezone.utc)
    with in_language("en"):
        assert (formatting.localtime(moment), formatting.day(moment)) == ("15 March 2030, 00:30", "15 March 2030")
        with formatting.force_timezone("America/New_York"):
            assert (formatting.localtime(moment), formatting.day(moment), formatting.time_of_day(moment)) == (
                "14 March 2030, 19:30", "14 March 2030", "19:30")
            with in_language("de"):
                assert formatting.localtime(moment) == "14. März 2030, 19:30"
        assert formatting.localtime(moment.replace(tzinfo=None)) == "15 March 2030, 00:30"  # naive: UTC
        assert formatting.time_of_day(moment) == "00:30"


@pytest.mark.parametrize("language,same_day,over_midnight", [
    ("en", "7 December 2026, 10:00–10:30", "7 December 2026, 23:30 – 8 December 2026, 00:15"),
    ("fr", "7 décembre 2026, 10:00–10:30", "7 décembre 2026, 23:30 – 8 décembre 2026, 00:15"),
])
def test_a_span_of_time_says_its_day_once_when_it_starts_and_ends_on_it(in_language, language, same_day,
                                                                         over_midnight):
    start = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)  # 10:00 in Brussels
    with in_language(language):
        assert formatting.time_span(start, start + timedelta(minutes=30)) == same_day
        assert formatting.time_span(start + timedelta(hours=13, minutes=30),
                                    start + timedelta(hours=14, minutes=15)) == over_midnight
        assert formatting.time_span(start, start + timedelta(minutes=30), zone=True) == \
            f"{same_day}, {formatting.zone_name()}"


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


@pytest.mark.parametrize("language,written", [
    ("en", "the report, the measures and the budget"), ("fr", "the report, the measures et the budget"),
    ("nl", "the report, the measures en the budget"), ("de", "the report, the measures und the budget"),
])
def test_a_list_is_written_as_each_language_writes_one(in_language, language, written):
    with in_language(language):
        assert formatting.listed(["the report", "the measures", "the budget"]) == written
        assert formatting.listed(["one"]) == "one"


def test_a_lazy_value_takes_the_language_it_is_shown_in(in_language):
    later = formatting.lazy(formatting.number, 100_000_000)
    with in_language("de"):
        assert str(later) == "100.000.000"
    with in_language("en"):
        assert str(later) == "100,000,000"


@pytest.mark.parametrize("day,first,last", [
    # Brussels moves to summer time on 28 March 2027: the day before ends at +01:00, the day itself at +02:00.
    (date(2027, 3, 27), "2027-03-27T00:00:00+01:00", "2027-03-27T23:59:59+01:00"),
    (date(2027, 3, 28), "2027-03-28T00:00:00+01:00", "2027-03-28T23:59:59+02:00"),
    (date(2027, 10, 31), "2027-10-31T00:00:00+02:00", "2027-10-31T23:59:59+01:00"),
])
def test_a_date_is_bounded_by_its_local_first_and_last_second_across_a_clock_change(day, first, last):
    start, end = formatting.date_bounds(day, "Europe/Brussels")
    assert (start.isoformat(), end.isoformat()) == (first, last)


def test_one_timestamp_format_utc_to_the_second():
    moment = datetime(2030, 3, 14, 12, 0, 5, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert formatting.rfc3339(moment) == "2030-03-14T11:00:05Z"
    assert formatting.rfc3339(None) is None
