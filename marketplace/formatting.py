"""Dates, numbers, money and sizes in the reader's language: the one place values become text.

Pages use these as Jinja filters (web/template_helpers.py); services that write
a value into a message use `lazy(...)`, so the value is formatted in the
language the message is finally shown in (the recipient's, for a notice).
"""
from contextlib import contextmanager
from datetime import date, datetime, time, timezone
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date, format_time as babel_format_time
from babel.dates import get_timezone_location, get_timezone_name
from babel.lists import format_list
from babel.numbers import format_currency as babel_format_currency
from babel.units import format_unit
from flask.globals import _cv_app  # the app context itself: flask_babel's namespace without the `g` proxy
from flask_babel import LazyString, format_decimal, get_locale, get_timezone
from pytz import UTC


# ---- The reader's language and zone, read from flask_babel's per-context namespace -----------------------------
# flask_babel.get_locale() and get_timezone() read the context through `g` twice per call; a list page asks
# them hundreds of times. These read what flask_babel stored there (the same objects, replaced by force_locale,
# refresh and force_timezone below) and ask flask_babel only the first time in a context.

def babel_namespace():
    """flask_babel's namespace of this app context (`g._flask_babel`), or None before its first use or outside one."""
    context = _cv_app.get(None)
    return None if context is None else context.g.__dict__.get("_flask_babel")


def reader_locale():
    """flask_babel.get_locale(), from the namespace once it holds the locale."""
    namespace = babel_namespace()
    locale = None if namespace is None else namespace.__dict__.get("babel_locale")
    return locale if locale is not None else get_locale()


def reader_zone():
    """flask_babel.get_timezone(), from the namespace once it holds the zone."""
    namespace = babel_namespace()
    zone = None if namespace is None else namespace.__dict__.get("babel_tzinfo")
    return zone if zone is not None else get_timezone()


def in_reader_zone(value):
    """A datetime in the reader's zone, as flask_babel's to_user_timezone gives it (naive values are UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    zone = reader_zone()
    return zone.normalize(value.astimezone(zone))


# One way to write a day in each language: the month in words, so "12/11" is never read as 11 December.
DAY_PATTERNS = {"de": "d. MMMM y"}
DAY_PATTERN = "d MMMM y"
# The first of the month where a language writes it as an ordinal: "1er novembre 2026".
FIRST_DAY_PATTERNS = {"fr": "d'er' MMMM y"}


@lru_cache(maxsize=4096)
def _day_text(day, locale):
    """A calendar day in a language: Babel's formatting, once per day and language in this process (a list page
    writes twenty dates, each some 40 µs through flask_babel)."""
    language = locale.language if locale else "en"
    pattern = (day.day == 1 and FIRST_DAY_PATTERNS.get(language)) or DAY_PATTERNS.get(language, DAY_PATTERN)
    return babel_format_date(day, pattern, locale=locale)


@lru_cache(maxsize=8192)
def _clock_text(hour, minute, locale):
    """A time of day on the 24-hour clock in a language, once per minute of the day and language."""
    return babel_format_time(time(hour, minute), "HH:mm", locale=locale)


# Each language by its own name, whatever the page's language: a reader finds their own.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "nl": "Nederlands", "de": "Deutsch"}


def localtime(value):
    """A stored UTC datetime in the reader's zone and language, to the minute: "12 November 2026, 22:51".

    The zone is said once per page (the footer, `zone_name`), not after every value; seconds say nothing a
    reader needs (deadlines are set to the minute; a receipt gives the exact instant with `utc_timestamp`).
    """
    if not isinstance(value, datetime):
        return ""
    local, locale = in_reader_zone(value), reader_locale()
    return f"{_day_text(local.date(), locale)}, {_clock_text(local.hour, local.minute, locale)}"


def time_of_day(value):
    """Only the time of a stored UTC datetime, in the reader's zone, on the 24-hour clock ("17:23")."""
    local = in_reader_zone(value)
    return _clock_text(local.hour, local.minute, reader_locale())


def time_span(start, end, zone=False):
    """A span of time (a pitch-session slot) in the reader's zone and language, its day said once when it starts
    and ends on the same day: "7 December 2026, 10:00–10:30"; across midnight both ends in full. With `zone`, the
    zone follows as `zone_name` says it, for a text read away from the page's footer (an email, a calendar)."""
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return ""
    same_day = in_reader_zone(start).date() == in_reader_zone(end).date()
    text = f"{localtime(start)}–{time_of_day(end)}" if same_day else f"{localtime(start)} – {localtime(end)}"
    return f"{text}, {zone_name()}" if zone else text


def day(value):
    """A calendar date (a pilot's start, a payment's due day): "14 March 2030", "14. März 2030"."""
    if not isinstance(value, date):
        return ""
    if isinstance(value, datetime):  # a moment: its day where the reader is
        value = in_reader_zone(value).date()
    return _day_text(value, reader_locale())


def zone_name():
    """The reader's time zone as their language names it, with its place: "Central European Time (Brussels)"."""
    return _zone_name(reader_zone(), reader_locale() or Locale("en"))


@lru_cache(maxsize=256)
def _zone_name(zone, locale):  # once per zone and language in this process: Babel's lookups cost 0.2 ms a page
    return f"{get_timezone_name(zone, width='long', locale=locale)} ({get_timezone_location(zone, locale=locale, return_city=True)})"


@contextmanager
def force_timezone(zone):
    """Dates written inside it are in `zone` (a name such as "Europe/Paris"; None: as they were), as
    `flask_babel.force_locale` does for the language: an email is written in its recipient's zone."""
    from flask_babel import _get_current_context
    from pytz import UnknownTimeZoneError, timezone as named_zone

    ctx = _get_current_context()
    try:
        tzinfo = named_zone(zone) if zone else None
    except UnknownTimeZoneError:
        tzinfo = None
    if ctx is None or tzinfo is None:
        yield
        return
    before = getattr(ctx, "babel_tzinfo", None)
    ctx.babel_tzinfo = tzinfo
    try:
        yield
    finally:
        ctx.babel_tzinfo = before


def rfc3339(value):
    """A moment as feeds, open data (OCDS, CSV) and the API write it: UTC, to the second ("2030-03-14T11:00:05Z").

    The one timestamp format of everything machines read; None stays None (an empty cell, a left-out field).
    """
    if value is None:
        return None
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def date_bounds(value, zone):
    """A calendar date's first and last second in a named zone, with that day's offset (OCDS date guidance):
    (2027-03-31T00:00:00+02:00, 2027-03-31T23:59:59+02:00) in Europe/Brussels. A start date is its first
    second, an end date its last."""
    tzinfo = ZoneInfo(zone)
    return (datetime.combine(value, time(0, 0, 0), tzinfo=tzinfo),
            datetime.combine(value, time(23, 59, 59), tzinfo=tzinfo))


def utc_timestamp(value):
    """The exact UTC moment, to the microsecond, for receipts: the same in every language."""
    if not isinstance(value, datetime):
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"


def number(value, places=None):
    """A number with the reader's separators; `places` fixes the decimals (a score to two places)."""
    if value is None:
        return ""
    if places is None:
        return format_decimal(value)
    return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0")


def money(value, currency="EUR"):
    """An amount in the reader's currency pattern: whole amounts without cents, others with them."""
    if value is None:
        return ""
    return _money(Decimal(str(value)), currency, reader_locale())


@lru_cache(maxsize=4096)
def _money(amount, currency, locale):
    # A list page shows forty amounts, mostly the same round budgets: Babel's formatting is the costly part.
    if amount == amount.to_integral_value():
        pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
        return babel_format_currency(amount, currency, format=pattern, currency_digits=False, locale=locale)
    return babel_format_currency(amount, currency, locale=locale)


def money_range(low, high, currency="EUR"):
    if low is None and high is None:
        return ""
    if low is None:
        return money(high, currency)
    if high is None or low == high:
        return money(low, currency)
    return f"{money(low, currency)} – {money(high, currency)}"


def file_size(size):
    """Bytes as bytes, kB or MB, with the reader's unit names ("ko" in French)."""
    if size is None:
        return ""
    for unit, unit_bytes in (("digital-megabyte", 1024 * 1024), ("digital-kilobyte", 1024)):
        if size >= unit_bytes:
            return format_unit(round(size / unit_bytes, 1), unit, length="short", locale=reader_locale())
    return format_unit(size, "digital-byte", length="short", locale=reader_locale())


def listed(items):
    """Items written as a list in the reader's language: "a, b and c", "a, b et c", "a, b en c", "a, b und c"
    (CLDR's, through Babel: French typography included, where "a; b" was written for every language)."""
    locale = reader_locale()
    return format_list([str(item) for item in items], locale=LIST_LOCALES.get(str(locale), locale))


LIST_LOCALES = {"en": "en_GB"}  # British English, as the GOV.UK style guide writes it: no comma before "and"


def lazy(formatter, *args, **kwargs):
    """The value formatted when the message holding it is shown, in that moment's language. The formatter and
    its arguments stay visible (`_func`, `_args`, `_kwargs`), so a notice can keep the value rather than its text
    and format it again for each reader (`services/messaging/notice_text.py`)."""
    return LazyString(formatter, *args, **kwargs)
