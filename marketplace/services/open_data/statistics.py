"""Public statistics: what was asked, who answered, how fast, and what the pilots came to.

Every figure is an SQL aggregate (counts per group, a median read with ORDER BY
… LIMIT 2 OFFSET), the same on SQLite and PostgreSQL; only date arithmetic
differs between the two. Pitches are counted only once their challenge's
pitch deadline has passed, as the seal demands.
"""
import json
import logging
import threading
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Float, Integer, and_, case, cast, delete, extract, func, select
from sqlalchemy.exc import DBAPIError

from marketplace.extensions import db
from marketplace.models import Challenge, KeptStatistics, Organisation, Pilot, Pitch, Question
from marketplace.models.challenge import PUBLIC_STATUSES
from marketplace.models.organisation import COMPANY_SIZES, SME_SIZES
from marketplace.models.pilot import ADOPTED, STOPPED
from marketplace.services.bulk import insert_into
from marketplace.services.challenges.challenges import is_public
from marketplace.services.clock import utcnow
from marketplace.services.open_data import public_data
from marketplace.services.pitches import lifecycle as pitch_lifecycle, seal

log = logging.getLogger(__name__)

MAX_MONTHS = 24  # the status chart shows at most the last two years that have challenges


@dataclass
class Bucket:
    """One bar of a histogram: its label, the values it holds (low ≤ value < high; None: open end), a count."""

    key: str
    label: object
    low: float | None
    high: float | None
    count: int = 0


@dataclass
class Distribution:
    buckets: list
    median: float | None = None

    @property
    def total(self):
        return sum(b.count for b in self.buckets)


@dataclass
class Statistics:
    months: list = field(default_factory=list)          # [("2025-03", {status: count})], oldest first
    pitches_per_challenge: Distribution = None
    pitches_by_size: list = field(default_factory=list)  # [(size or "unknown", count)]
    days_to_pilot: Distribution = None
    adopted: int = 0
    stopped: int = 0
    answer_hours: Distribution = None

    @property
    def challenges_total(self):
        return sum(sum(counts.values()) for _, counts in self.months)

    @property
    def pitches_total(self):
        return sum(count for _, count in self.pitches_by_size)

    @property
    def sme_pitches(self):
        return sum(count for size, count in self.pitches_by_size if size in SME_SIZES)

    @property
    def sme_share(self):
        return self.sme_pitches / self.pitches_total if self.pitches_total else None

    @property
    def adoption_rate(self):
        decided = self.adopted + self.stopped
        return self.adopted / decided if decided else None


# Each histogram's bars, new for each computation (a bucket holds its count).
def _pitch_count_buckets():
    return [Bucket("0", "0", None, 1), Bucket("1", "1", 1, 2), Bucket("2", "2", 2, 3), Bucket("3", "3", 3, 4),
            Bucket("4", "4", 4, 5), Bucket("5-9", "5–9", 5, 10), Bucket("10+", "10+", 10, None)]


def _day_buckets():
    return [Bucket("0-30", _l("up to 30"), None, 31), Bucket("31-60", "31–60", 31, 61),
            Bucket("61-90", "61–90", 61, 91), Bucket("91-180", "91–180", 91, 181),
            Bucket("181+", _l("over 180"), 181, None)]


def _hour_buckets():
    return [Bucket("0-24", _l("under a day"), None, 24), Bucket("24-48", _l("1–2 days"), 24, 48),
            Bucket("48-96", _l("2–4 days"), 48, 96), Bucket("96-168", _l("4–7 days"), 96, 168),
            Bucket("168+", _l("over a week"), 168, None)]


def _postgres():
    return db.session.get_bind().dialect.name == "postgresql"


def _month(column):
    """'YYYY-MM' of a stored UTC time."""
    if _postgres():
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _days_from(start_time, end_date):
    """Whole days from a stored UTC time's date to a date."""
    if _postgres():
        return end_date - cast(func.timezone("UTC", start_time), Date)
    return cast(func.julianday(end_date) - func.julianday(func.date(start_time)), Integer)


def _hours_between(start_time, end_time):
    if _postgres():
        return extract("epoch", end_time - start_time) / 3600.0
    return (func.julianday(end_time) - func.julianday(start_time)) * 24.0


def _median(values, count):
    """The median of a one-column subquery holding `count` values (not NULL): the middle one or two rows, read by
    the database."""
    column = values.c[0]
    if not count:
        return None
    middle = db.session.scalars(select(cast(column, Float)).where(column.is_not(None)).order_by(column)
                                .limit(2 - count % 2).offset((count - 1) // 2)).all()
    return sum(middle) / len(middle)


def _grouped_counts(*columns, where=()):
    """{group: count} of the rows, grouped by the given expressions (one GROUP BY in the database).

    The expressions are labelled in a subquery first: PostgreSQL binds each parameter of an expression
    separately, and would not see `to_char(x, $1)` and `to_char(x, $2)` as the same group.
    """
    inner = select(*[c.label(f"g{i}") for i, c in enumerate(columns)]).where(*where).subquery()
    groups = list(inner.c)
    rows = db.session.execute(select(*groups, func.count()).group_by(*groups)).all()
    return {tuple(row[:-1]) if len(groups) > 1 else row[0]: row[-1] for row in rows}


def _distribution(values, buckets):
    """Count a one-column subquery's values into buckets with one GROUP BY, and add its median.

    The buckets follow one another with no gap, the first open below and the last above, so every value is in
    one: their counts add up to how many values there are (not counted again by the database)."""
    assert buckets[0].low is None and buckets[-1].high is None \
        and all(b.high == after.low for b, after in zip(buckets, buckets[1:])), "buckets must cover every value"
    column = values.c[0]
    bucket = case(*[((column >= b.low if b.low is not None else column.is_not(None))
                     & (column < b.high if b.high is not None else column.is_not(None)), b.key) for b in buckets],
                  else_=None)
    counts = _grouped_counts(bucket, where=(column.is_not(None),))
    for b in buckets:
        b.count = counts.get(b.key, 0)
    distribution = Distribution(buckets=buckets)
    distribution.median = _median(values, distribution.total)
    return distribution


def challenges_by_month():
    """[(month, {status: count})] of public challenges by the month they were published, with no gaps."""
    counts = {}
    for (key, status), count in _grouped_counts(_month(Challenge.published_at), Challenge.status,
                                                where=(is_public(),)).items():
        counts.setdefault(key, {})[status] = count
    if not counts:
        return []
    first, last = min(counts), max(counts)
    months, (year, number) = [], map(int, first.split("-"))
    while True:
        key = f"{year:04d}-{number:02d}"
        months.append((key, {s: counts.get(key, {}).get(s, 0) for s in PUBLIC_STATUSES}))
        if key >= last:
            break
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return months[-MAX_MONTHS:]


def _unsealed(now):
    return and_(is_public(), seal.unsealed_clause(now))


def pitches_per_challenge(now):
    received = (select(func.count(Pitch.id).label("pitches")).select_from(Challenge)
                .outerjoin(Pitch, and_(Pitch.challenge_id == Challenge.id, Pitch.status.in_(pitch_lifecycle.RECEIVED)))
                .where(_unsealed(now)).group_by(Challenge.id).subquery())
    return _distribution(received, _pitch_count_buckets())


def pitches_by_size(now):
    pitches = (select(func.coalesce(Organisation.size, "unknown").label("size")).select_from(Pitch)
               .join(Challenge, Challenge.id == Pitch.challenge_id).join(Organisation, Organisation.id == Pitch.company_id)
               .where(_unsealed(now), Pitch.status.in_(pitch_lifecycle.RECEIVED)).subquery())
    rows = _grouped_counts(pitches.c.size)
    return [(key, rows.get(key, 0)) for key in COMPANY_SIZES + ("unknown",) if rows.get(key, 0) or key != "unknown"]


def days_to_pilot():
    days = (select(_days_from(Challenge.published_at, Pilot.starts_on).label("days")).select_from(Pilot)
            .join(Challenge, Challenge.id == Pilot.challenge_id).where(is_public()).subquery())
    return _distribution(days, _day_buckets())


def adoption():
    decided = (select(Pilot.stage).join(Challenge, Challenge.id == Pilot.challenge_id)
               .where(is_public(), Pilot.stage.in_((ADOPTED, STOPPED))).subquery())
    rows = _grouped_counts(decided.c.stage)
    return rows.get(ADOPTED, 0), rows.get(STOPPED, 0)


def answer_hours():
    hours = (select(_hours_between(Question.asked_at, Question.answered_at).label("hours")).select_from(Question)
             .join(Challenge, Challenge.id == Question.challenge_id)
             .where(is_public(), Question.answer.is_not(None), Question.answered_at.is_not(None)).subquery())
    return _distribution(hours, _hour_buckets())


# The figures this process read or computed last, with what they hold for (see below).
_kept = {}
_computing = threading.Lock()  # one reading or computation at a time per process: the others wait for its figures
STATISTICS_LOCK = 7244119  # any constant, other than the audit chain's and the OCDS releases'


def public_statistics(now=None):
    """The figures of /stats, computed once for the whole platform each time what they show can have changed.

    They are made of public tables (whose changes renew the public data token) and of the pitches of
    challenges past their deadline, which change only as a deadline passes: received pitches are frozen by
    then, and their later statuses do not count here. So a computation stays true while the token is the
    same and the next deadline has not come. The first process to need them computes them (a dozen aggregates
    over whole tables: a second at 50,000 challenges) and stores them with that token (KeptStatistics); every
    other process reads them there once, then keeps them in memory. Checking them costs the token's read only.
    """
    now = now or utcnow()
    token = public_data.token_in_this_transaction()  # read once per transaction, with the page cache
    figures = _still_true(token, now)
    if figures is not None:
        return figures
    with _computing:  # every thread of a process asking at once would each read or compute them
        figures = _still_true(token, now)
        if figures is None:
            if token is None:  # a database never changed through the application: nothing to key them by
                return _computed(now)[0]
            figures, valid_until, computed_at = _stored(token, now) or _stored_once(token, now)
            _kept["figures"] = (token, valid_until, computed_at, figures)
    return figures


def keep_stored(now=None):
    """Beat, every minute: store the figures of the current public data when the stored ones no longer hold (a
    change renewed the token, a pitch deadline passed) or none are stored, so that pages read them: a page
    served by a database that cannot be written (a replica) then never computes them more than once per
    process, and the first visit after a change on the primary finds them. True if they were computed here."""
    now = now or utcnow()
    token = public_data.current_token()
    if token is None or _stored(token, now) is not None:
        db.session.rollback()  # end the reading transaction
        return False
    _stored_once(token, now)
    return True


def _still_true(token, now):
    """The kept figures if they hold for this token at `now`: computed under it, before `now`, and no deadline
    passed since."""
    kept = _kept.get("figures")
    if kept is not None and token is not None and kept[0] == token and _holds_at(now, kept[1], kept[2]):
        return kept[3]
    return None


def _holds_at(now, valid_until, computed_at):
    return computed_at <= now and (valid_until is None or now < valid_until)


def _stored(token, now):
    """(figures, valid until, computed at) stored under this token and true at `now`, or None (one indexed read)."""
    row = db.session.execute(select(KeptStatistics.figures, KeptStatistics.valid_until, KeptStatistics.computed_at)
                             .where(KeptStatistics.token == token)).first()
    if row is None or not _holds_at(now, row.valid_until, row.computed_at):
        return None
    figures = _from_json(row.figures)
    return None if figures is None else (figures, row.valid_until, row.computed_at)


def _stored_once(token, now):
    """Compute the figures and store them, one process at a time: the others wait, then read what it stored.

    On PostgreSQL a transaction-scoped advisory lock orders the processes, and the session is committed to
    release it (nothing else is written by a page that reads the statistics); under the lock the stored row is
    read again. (SQLite serves one process: its threads wait on `_computing`.) The figures are stored only if
    the token is still the current one once they are computed: every aggregate then read the data of that
    token, so a row never holds figures of another state. Writing them deletes the rows of every other token:
    the table holds one row.

    Storing is a favour to the other processes, not part of the answer: a database that refuses the write (a
    read-only replica, a transaction set read-only, a write that fails for any reason) leaves the figures
    unstored and the page shows them all the same (this process keeps them, `_kept`); the next process that can
    write stores them. Two processes storing at once cannot fail either: the lock orders them and the row is
    written as an upsert (tests/web/test_kept_open_data.py, on PostgreSQL).
    """
    try:
        stored = None
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(select(func.pg_advisory_xact_lock(STATISTICS_LOCK)))
            stored = _stored(token, now)
        if stored is None:
            figures, valid_until = _computed(now)
            stored = figures, valid_until, now
            if public_data.current_token() == token:
                _store_or_leave(token, stored)
                return stored
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return stored


def _store_or_leave(token, stored):
    """Store the figures and commit; a database that refuses is rolled back, the figures left unstored."""
    try:
        _store(token, stored)
        db.session.commit()
    except DBAPIError as refused:
        db.session.rollback()
        log.warning("The statistics were computed but not stored (%s): served all the same.",
                    refused.orig.__class__.__name__ if refused.orig is not None else refused)


def _store(token, stored):
    figures, valid_until, computed_at = stored
    table = KeptStatistics.__table__
    values = {"computed_at": computed_at, "valid_until": valid_until, "figures": _to_json(figures)}
    db.session.execute(insert_into(table).values(token=token, **values)
                       .on_conflict_do_update(index_elements=[table.c.token], set_=values))
    db.session.execute(delete(KeptStatistics).where(KeptStatistics.token != token))


def _computed(now):
    """(the figures at `now`, the time until which they hold: the next pitch deadline, None if none is to come)."""
    adopted, stopped = adoption()
    figures = Statistics(
        months=challenges_by_month(), pitches_per_challenge=pitches_per_challenge(now),
        pitches_by_size=pitches_by_size(now), days_to_pilot=days_to_pilot(), adopted=adopted, stopped=stopped,
        answer_hours=answer_hours(),
    )
    next_deadline = db.session.scalar(select(func.min(Challenge.pitch_deadline)).where(
        is_public(), Challenge.pitch_deadline > now))
    return figures, next_deadline


# ---- The figures as stored: every number exactly (JSON keeps a float's every digit), the labels left out ------

STORED_FORMAT = 1  # a change of what is stored changes it: a row of another format is computed again, not read
_DISTRIBUTIONS = {"pitches_per_challenge": _pitch_count_buckets, "days_to_pilot": _day_buckets,
                  "answer_hours": _hour_buckets}


def _to_json(stats):
    figures = {name: {"counts": [b.count for b in getattr(stats, name).buckets], "median": getattr(stats, name).median}
               for name in _DISTRIBUTIONS}
    figures.update(format=STORED_FORMAT, months=stats.months, pitches_by_size=stats.pitches_by_size,
                   adopted=stats.adopted, stopped=stats.stopped)
    return json.dumps(figures, separators=(",", ":"))


def _from_json(text):
    figures = json.loads(text)
    if figures.get("format") != STORED_FORMAT:
        return None
    distributions = {}
    for name, buckets_of in _DISTRIBUTIONS.items():
        buckets = buckets_of()
        for bucket, count in zip(buckets, figures[name]["counts"], strict=True):
            bucket.count = count
        distributions[name] = Distribution(buckets=buckets, median=figures[name]["median"])
    return Statistics(months=[(month, counts) for month, counts in figures["months"]],
                      pitches_by_size=[(size, count) for size, count in figures["pitches_by_size"]],
                      adopted=figures["adopted"], stopped=figures["stopped"], **distributions)


# ---- The figures as data: JSON and CSV -------------------------------------------------------------------

STATISTICS_CSV_COLUMNS = ("figure", "key", "low", "high", "value")


def _number(value):
    """A figure as data: whole numbers as integers, others to two decimals (SQL date arithmetic adds noise)."""
    if value is None:
        return None
    value = round(value, 2)
    return int(value) if value == int(value) else value


def _distribution_data(distribution):
    return {"median": _number(distribution.median), "total": distribution.total,
            "buckets": [{"key": b.key, "low": b.low, "high": b.high, "count": b.count} for b in distribution.buckets]}


def statistics_data(stats):
    """The figures of /stats as plain JSON values (keys, codes and numbers; no words in any language)."""
    return {
        "challenges_by_month": [{"month": month, "by_status": dict(counts)} for month, counts in stats.months],
        "challenges_total": stats.challenges_total,
        "pitches_per_challenge": _distribution_data(stats.pitches_per_challenge),
        "pitches_by_size": dict(stats.pitches_by_size),
        "sme_share": _number(stats.sme_share),
        "days_to_pilot": _distribution_data(stats.days_to_pilot),
        "pilot_outcomes": {"adopted": stats.adopted, "stopped": stats.stopped,
                           "adoption_rate": _number(stats.adoption_rate)},
        "answer_hours": _distribution_data(stats.answer_hours),
    }


def statistics_rows(stats):
    """The same figures as long-format rows (figure, key, low, high, value) for a spreadsheet."""
    data = statistics_data(stats)
    for entry in data["challenges_by_month"]:
        for status, count in entry["by_status"].items():
            yield "challenges_by_month", f"{entry['month']} {status}", None, None, count
    for size, count in data["pitches_by_size"].items():
        yield "pitches_by_size", size, None, None, count
    for name in ("pitches_per_challenge", "days_to_pilot", "answer_hours"):
        for bucket in data[name]["buckets"]:
            yield name, bucket["key"], bucket["low"], bucket["high"], bucket["count"]
        yield name, "median", None, None, data[name]["median"]
    yield "sme_share", "", None, None, data["sme_share"]
    for key, value in data["pilot_outcomes"].items():
        yield "pilot_outcomes", key, None, None, value
