"""Matching a challenge to company profiles: shared CPV sectors, shared words, budget fit — and why.

The score (0-100) is the sum of three plain parts, so a company can be told
exactly why it matched and how to tune its profile:

* sectors (up to 50): sharing one of the challenge's CPV divisions gives 30,
  sharing all of them 50;
* words (up to 35): the words of the challenge (title twice, summary, problem,
  desired outcomes) that also appear in the capability statement, keywords or
  showcased solutions, each weighted TF-IDF style (a word few companies use
  counts more than "software"); covering 30 % of the challenge's weighted
  vocabulary earns the full 35;
* budget (up to 15): the indicative budget is within what a company of that
  size usually takes on (unknown size or budget: half).

A company with neither a sector nor a word in common is never matched: a
budget alone is no reason to write to anyone.

Speed: profiles are tokenised when they are saved, into the inverted index
`organisation_terms`, so scoring 200,000 companies is a few SQL statements: the
number of companies, the challenge's document frequencies (kept per term by the
index's triggers in `organisation_term_counts`, so not counted from the index),
the companies that can reach the threshold (sharing a sector, or the words a
match on words alone needs: _deciding_words), then one statement that aggregates
sector overlap and weighted word overlap per company over the indexes for those
companies alone, scores and filters — carrying what each company shares, so the
reasons need no more queries (docs/performance.md has the figures).
"""
import math
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (Float, LargeBinary, and_, case, cast, delete, func, insert, literal, null, or_, select, text,
                        tuple_, union, union_all)
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.formatting import lazy
from marketplace.models import (Challenge, ChallengeMatchWeights, Match, Membership, Organisation, Pitch, Solution, User,
                                organisation_term_counts, organisation_terms)
from marketplace.models.challenge import challenge_sectors
from marketplace.models.organisation import COMPANY, organisation_sectors
from marketplace.services import permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.pitches import lifecycle as pitch_lifecycle
from marketplace.services.pitches.wording import words_for
from marketplace.services.bulk import cycle_collector_paused, insert_new
from marketplace.services.clock import utcnow
from marketplace.services.organisations.cpv import cpv_name
from marketplace.services.errors import Conflict, InvalidTransition, NotFound
from marketplace.services.messaging.events import record_change
from marketplace.services.messaging.notice_text import lines
from marketplace.services.messaging import links
from marketplace.services.messaging.mail import recipient_locale
from marketplace.services.messaging.outbox import handles
from marketplace.services.matching.stop_words import STOP_WORDS

SECTOR_POINTS = 50.0
SECTOR_BASE = 0.6  # share of the sector points earned by sharing any one division
TEXT_POINTS = 35.0
TEXT_SATURATION = 0.3  # covering this share of the challenge's weighted words earns all text points
BUDGET_POINTS = 15.0
MAX_CHALLENGE_TERMS = 40
MAX_TERM_LENGTH = 40
REASON_TERMS = 8  # words named in a reason
_IN_CHUNK = 5000  # ids per IN (...) list, well under SQLite's parameter limit

# The contract values a company of each size usually takes on (EUR, inclusive), for budget fit.
SIZE_BUDGET_RANGES = {
    "micro": (0, 150_000),
    "small": (0, 1_000_000),
    "medium": (25_000, 10_000_000),
    "large": (100_000, None),
}
# One whole sentence per size: an adjective slotted into a sentence cannot be translated well.
BUDGET_FIT_REASONS = {"micro": _l("Budget fits a micro company"), "small": _l("Budget fits a small company"),
                      "medium": _l("Budget fits a medium-sized company"), "large": _l("Budget fits a large company")}

_WORD = re.compile(r"[a-z][a-z0-9]+")


# --- words -----------------------------------------------------------------------------------------

def _normalise_word(word):
    # A light, explainable stemmer: plurals fold into the singular ("appointments" → "appointment").
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text):
    """The meaningful words of a text: lower case, accents dropped, no stop-words or numbers."""
    if not text:
        return []
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    words = []
    for word in _WORD.findall(text):
        if len(word) < 3 or word in STOP_WORDS:
            continue
        word = _normalise_word(word)[:MAX_TERM_LENGTH]
        if word not in STOP_WORDS:
            words.append(word)
    return words


def profile_terms(capability_statement, keywords, solutions=()):
    """The set of terms a company profile is found by."""
    texts = [capability_statement or "", keywords or ""]
    texts += [f"{title or ''} {description or ''}" for title, description in solutions]
    return set(tokenize(" ".join(texts)))


def challenge_term_counts(challenge):
    """Term frequencies of a challenge; the title counts twice, it says most in fewest words."""
    counts = Counter(tokenize(challenge.title) * 2)
    for part in (challenge.summary, challenge.problem_statement, challenge.desired_outcomes):
        counts.update(tokenize(part))
    return counts


# --- keeping the inverted index up to date ---------------------------------------------------------

def refresh_profile_terms(connection, organisation_ids):
    """Re-tokenise these companies' profiles into organisation_terms (within the caller's transaction).

    Only the entries that change are written: a save that leaves the words as they were writes nothing, and
    the index keeps its pages all-visible (index-only scans) between vacuums. Each company's row is locked
    first (FOR NO KEY UPDATE: it does not hold back rows that refer to the company), so two saves of one
    company, a showcased solution each, tokenise one after the other, the second seeing the first's. The
    triggers keep the term counts (organisation_term_counts); the terms changed are folded afterwards.
    """
    ids = sorted({i for i in organisation_ids if i is not None})
    changed_terms = set()
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start:start + _IN_CHUNK]
        orgs = connection.execute(
            select(Organisation.id, Organisation.kind, Organisation.capability_statement, Organisation.keywords)
            .where(Organisation.id.in_(chunk)).order_by(Organisation.id).with_for_update(key_share=True)
        ).all()
        showcase = {}
        for row in connection.execute(
            select(Solution.organisation_id, Solution.title, Solution.description)
            .where(Solution.organisation_id.in_(chunk))
        ):
            showcase.setdefault(row.organisation_id, []).append((row.title, row.description))
        indexed = {(org_id, term) for org_id, term in connection.execute(
            select(organisation_terms.c.organisation_id, organisation_terms.c.term)
            .where(organisation_terms.c.organisation_id.in_(chunk)))}
        wanted = {
            (org.id, term)
            for org in orgs if permissions.is_company(org)
            for term in profile_terms(org.capability_statement, org.keywords, showcase.get(org.id, ()))
        }
        gone, new = sorted(indexed - wanted), sorted(wanted - indexed)
        for part in range(0, len(gone), _IN_CHUNK // 2):  # two parameters a pair
            connection.execute(delete(organisation_terms).where(
                tuple_(organisation_terms.c.organisation_id, organisation_terms.c.term).in_(
                    gone[part:part + _IN_CHUNK // 2])))
        if new:
            connection.execute(insert(organisation_terms),
                               [{"organisation_id": org_id, "term": term} for org_id, term in new])
        changed_terms.update(term for _, term in gone)
        changed_terms.update(term for _, term in new)
    fold_term_counts(connection, changed_terms)


# Taken by the one transaction folding term counts at a time (others leave it to the next; see fold_term_counts).
TERM_COUNTS_LOCK = 7244119  # any constant, other than the audit chain's and the OCDS releases'


def fold_term_counts(connection, terms=None):
    """Fold each of these terms' rows of organisation_term_counts into one (all terms: None), in the caller's
    transaction.

    The triggers add a row for each statement that changes a term's entries, so a word many companies use
    would gather rows; folding keeps the read of a challenge's counts at about a row a word. Folding deletes
    rows and writes back their sum, from what the delete returned: rows another transaction adds meanwhile
    are not deleted, so they are neither lost nor counted twice. On PostgreSQL one transaction folds at a
    time (an advisory lock, tried, not waited for: a save that cannot fold now leaves its rows to the next),
    so no writer ever waits for another here.
    """
    counts = organisation_term_counts
    if terms is not None and not terms:
        return
    if connection.dialect.name == "postgresql" and not connection.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": TERM_COUNTS_LOCK}):
        return
    if terms is None:
        selections = [None]
    else:
        terms = sorted(terms)
        selections = [terms[start:start + _IN_CHUNK] for start in range(0, len(terms), _IN_CHUNK)]
    for selection in selections:
        foldable = select(counts.c.term).group_by(counts.c.term).having(
            or_(func.count() > 1, func.sum(counts.c.companies) == 0))
        if selection is not None:
            foldable = foldable.where(counts.c.term.in_(selection))
        folded = Counter()
        for term, companies in connection.execute(
                delete(counts).where(counts.c.term.in_(foldable)).returning(counts.c.term, counts.c.companies)):
            folded[term] += companies
        rows = [{"term": term, "companies": companies} for term, companies in sorted(folded.items()) if companies]
        if rows:
            connection.execute(insert(counts), rows)


def reindex_all_profiles():
    """Rebuild the whole index (after an import, or for data saved before matching existed)."""
    ids = db.session.scalars(select(Organisation.id).where(Organisation.kind == COMPANY)).all()
    refresh_profile_terms(db.session.connection(), ids)
    fold_term_counts(db.session.connection())  # anything left unfolded by saves that could not fold then
    db.session.commit()
    return len(ids)


_PROFILE_FIELDS = ("capability_statement", "keywords", "kind")


def _profiles_changed_in_flush(session, flush_context):
    changed = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Organisation):
            state = sa_inspect(obj)
            if obj in session.new or any(state.attrs[name].history.has_changes() for name in _PROFILE_FIELDS):
                changed.add(obj.id)
        elif isinstance(obj, Solution):
            changed.add(obj.organisation_id)
    for obj in session.deleted:
        if isinstance(obj, Solution):
            changed.add(obj.organisation_id)
    if changed:
        refresh_profile_terms(session.connection(), changed)


def install():
    """Whoever saves a profile (profile page, API, admin, seed data), its terms follow, in the same transaction.

    Called by the app factory (`create_app`); installing twice listens once."""
    if not sa_event.contains(Session, "after_flush", _profiles_changed_in_flush):
        sa_event.listen(Session, "after_flush", _profiles_changed_in_flush)


# --- scoring ---------------------------------------------------------------------------------------

def threshold():
    return float(current_app.config.get("MATCH_THRESHOLD", 35))


def _budget_amount(challenge):
    amount = challenge.budget_max if challenge.budget_max is not None else challenge.budget_min
    return Decimal(amount) if amount is not None else None


def budget_fit(size, amount):
    """1 when the budget suits a company of that size, 0 when it does not, ½ when we cannot tell."""
    if amount is None or size not in SIZE_BUDGET_RANGES:
        return 0.5
    low, high = SIZE_BUDGET_RANGES[size]
    return 1.0 if amount >= low and (high is None or amount <= high) else 0.0


@dataclass
class ChallengeProfile:
    """What a challenge is scored by: its sectors, its weighted terms and its budget."""

    challenge_id: int
    sectors: list
    weights: dict  # term -> TF-IDF weight, the heaviest MAX_CHALLENGE_TERMS
    total_weight: float
    budget: Decimal | None
    currency: str
    # term -> how many companies used it when the weights were computed (None: not known)
    frequencies: dict | None = None

    def text_part(self, shared_weight):
        if self.total_weight <= 0:
            return 0.0
        return min(1.0, shared_weight / (TEXT_SATURATION * self.total_weight))

    def sector_part(self, shared_count):
        if not self.sectors or shared_count <= 0:
            return 0.0
        return SECTOR_BASE + (1 - SECTOR_BASE) * min(1.0, shared_count / len(self.sectors))

    def score(self, shared_sectors, shared_weight, size):
        return round(
            SECTOR_POINTS * self.sector_part(shared_sectors)
            + TEXT_POINTS * self.text_part(shared_weight)
            + BUDGET_POINTS * budget_fit(size, self.budget),
            2,
        )


def _company_filter():
    return and_(Organisation.kind == COMPANY, Organisation.suspended.is_(False))


# How many companies there are, as the weights use it, and when it was counted (see _company_count).
_counted = {}


def _company_count():
    """The number of active companies, counted at most every MATCHING_COMPANY_COUNT_SECONDS (ten minutes) in a process.

    Counting 200,000 companies costs 100 ms, and a challenge page scores its viewer's company when no match
    is stored; the weights move by a fraction of a percent when a few companies register, so a count ten
    minutes old gives the same reasons and near-identical scores.
    """
    bind = id(db.session.get_bind())
    kept = _counted.get(bind)
    now = time.monotonic()
    if kept is None or now - kept[1] >= current_app.config.get("MATCHING_COMPANY_COUNT_SECONDS", 600):
        kept = _counted[bind] = (db.session.scalar(select(func.count(Organisation.id)).where(_company_filter())) or 0,
                                 now)
    return kept[0]


def companies_using(terms):
    """{term: how many companies' profiles use it} for these terms (a term nobody uses is left out).

    The sums of the terms' rows in organisation_term_counts, kept by the database with the index: a few rows
    a word, where counting the index entries themselves read a million for a challenge at 200,000 companies.
    """
    counts, used = organisation_term_counts, {}
    terms = sorted(terms)
    for start in range(0, len(terms), _IN_CHUNK):
        used.update(db.session.execute(
            select(counts.c.term, func.sum(counts.c.companies)).where(counts.c.term.in_(terms[start:start + _IN_CHUNK]))
            .group_by(counts.c.term).having(func.sum(counts.c.companies) != 0)
        ).all())
    return used


def challenge_profile(challenge):
    """Weigh the challenge's words against today's profiles: rare words count more (TF-IDF)."""
    return challenge_profiles([challenge], {challenge.id: challenge.sectors})[0]


def challenge_profiles(challenges, sectors_of):
    """The profiles of many challenges in two statements (the number of companies, the words' document
    frequencies), whatever their number; `sectors_of` is {challenge id: [CPV division, …]}."""
    counts = {challenge.id: challenge_term_counts(challenge) for challenge in challenges}
    companies = _company_count()
    frequencies = companies_using(set().union(*counts.values()) if counts else ())
    profiles = []
    for challenge in challenges:
        weights = {
            term: (1 + math.log(tf)) * (math.log((companies + 1) / (frequencies.get(term, 0) + 1)) + 1)
            for term, tf in counts[challenge.id].items()
        }
        heaviest = dict(sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:MAX_CHALLENGE_TERMS])
        profiles.append(ChallengeProfile(
            challenge_id=challenge.id,
            sectors=list(sectors_of.get(challenge.id, ())),
            weights=heaviest,
            total_weight=sum(heaviest.values()),
            budget=_budget_amount(challenge),
            currency=challenge.currency or "EUR",
            frequencies={term: frequencies.get(term, 0) for term in heaviest},
        ))
    return profiles


@dataclass
class MatchResult:
    """One company's score for one challenge, with what it shares with it."""

    organisation_id: int
    score: float
    name: str = ""
    slug: str = ""
    size: str | None = None
    sectors: list = field(default_factory=list)  # shared CPV divisions
    terms: list = field(default_factory=list)  # shared words, heaviest first
    budget_fits: bool = False
    budget: Decimal | None = None
    currency: str = "EUR"
    invited_at: object = None

    @property
    def reason_data(self):
        """The reasons as plain data, stored with a Match and rendered in each reader's language."""
        data = [{"code": "sector", "division": code} for code in self.sectors]
        if self.terms:
            data.append({"code": "keywords", "terms": self.terms[:REASON_TERMS]})
        if self.budget_fits:
            data.append({"code": "budget", "size": self.size})
        return data

    @property
    def reasons(self):
        return reasons_from_data(self.reason_data)


def reason_text(reason):
    """One reason, as a lazy string for the reader's language."""
    code = reason.get("code")
    if code == "sector":
        division = str(reason.get("division", ""))
        return _l("Works in sector %(code)s – %(name)s", code=division, name=lazy(cpv_name, division))
    if code == "keywords":
        return _l("Keywords in common: %(terms)s", terms=", ".join(reason.get("terms") or ()))
    if code == "budget":
        return BUDGET_FIT_REASONS.get(reason.get("size"))
    return None


def reasons_from_data(data):
    return [text for text in (reason_text(r) for r in data or ()) if text is not None]


def _chunks(ids):
    ids = list(ids)
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start:start + _IN_CHUNK]


def _sql_score(profile, sector_count, text_weight):
    """The same sum as ChallengeProfile.score, as one SQL expression (SQLite and PostgreSQL)."""
    if profile.sectors:
        sector = case(
            (sector_count > 0, SECTOR_BASE + (1 - SECTOR_BASE) * (sector_count * 1.0) / len(profile.sectors)),
            else_=0.0,
        )
    else:
        sector = literal(0.0)
    denominator = TEXT_SATURATION * profile.total_weight
    if denominator > 0:
        text = case((text_weight >= denominator, 1.0), else_=text_weight / denominator)
    else:
        text = literal(0.0)
    budget = case(
        *[(Organisation.size == size, budget_fit(size, profile.budget)) for size in SIZE_BUDGET_RANGES],
        else_=0.5,
    )
    return SECTOR_POINTS * sector + TEXT_POINTS * text + BUDGET_POINTS * budget


def _keys(key, weighted_keys, name):
    """The challenge's keys as rows (key, weight, bit), bit the key's power of two in the order given."""
    rows = [select(literal(value, key.type).label("key"), literal(weight, Float).label("weight"),
                   literal(float(2 ** position), Float).label("bit"))
            for position, (value, weight) in enumerate(weighted_keys)]
    return (union_all(*rows) if len(rows) > 1 else rows[0]).subquery(f"challenge_{name}")


def _shared_rows(index, key, weighted_keys, name, candidates=None, words=False):
    """One row per (company, shared key): the key's weight and bit, as sector or as word columns.

    `weighted_keys` is [(key, weight)] in the order reasons name them. Each key
    gets a distinct power of two as its bit, so the sum of the bits of the keys
    a company shares is a mask that names them: the reasons come out of the
    same aggregate as the score (a float sum, exact below 2**53; at most
    MAX_CHALLENGE_TERMS words and the 45-odd CPV divisions). `candidates`: only
    these companies' rows, a CTE of their ids to join, or a condition on the company column (_bit_string_member).
    """
    keys = _keys(key, weighted_keys, name)
    # The index entries of the keys, read by key (an IN list the planner estimates from the column's
    # statistics), fenced by OFFSET 0 so that the join below cannot turn it into one probe per key, each
    # wrongly estimated: with the true size known, the small side of each join is the one hashed.
    postings = select(index.c.organisation_id, key.label("key")).where(key.in_([value for value, _ in weighted_keys]))
    if callable(candidates):
        postings, candidates = postings.where(candidates(index.c.organisation_id)), None
    postings = postings.offset(0).subquery(f"index_{name}")
    zero = literal(0.0, Float)
    weight_and_bit = [keys.c.weight, keys.c.bit]
    columns = [zero, zero, *weight_and_bit] if words else [*weight_and_bit, zero, zero]
    query = (select(postings.c.organisation_id, *[c.label(label) for c, label in zip(columns, _SHARED_COLUMNS)])
             .join_from(postings, keys, keys.c.key == postings.c.key))
    if candidates is not None:
        query = query.join(candidates, candidates.c.organisation_id == postings.c.organisation_id)
    return query


_SHARED_COLUMNS = ("sector_weight", "sector_mask", "term_weight", "term_mask")


# PostgreSQL settings for the matching statement alone, put back right after it (SET LOCAL … TO DEFAULT).
_STATEMENT_SETTINGS = {
    # Compiling the statement to machine code costs more than it saves here (about a second when a misestimate
    # pushed a plan of this statement over jit_above_cost).
    "jit": "off",
    # In a parallel plan each worker rebuilds the whole per-company word aggregate for itself (it is the
    # inner side of a hash join): on a small machine that triples the work of the slowest part.
    "max_parallel_workers_per_gather": "0",
    # That aggregate holds a row per company (about 13 MB for 100,000): in memory, not spilled to disk.
    "work_mem": "'64MB'",
}


def _run(query):
    """All rows of the matching statement, under _STATEMENT_SETTINGS on PostgreSQL.

    Through the session's connection: Core rows, without the ORM's per-row work (48,000 rows at 200,000
    companies)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return connection.execute(query).all()
    for name, value in _STATEMENT_SETTINGS.items():
        connection.execute(text(f"SET LOCAL {name} = {value}"))
    try:
        return connection.execute(query).all()
    finally:
        for name in _STATEMENT_SETTINGS:
            connection.execute(text(f"SET LOCAL {name} TO DEFAULT"))


def _bit_string_member(connection, candidates):
    """PostgreSQL: the candidates' ids as a bit string, and a test of a company column against it (None when
    there are no candidates).

    Each index entry of the challenge's words is then kept or dropped inside the index scan by one bit test,
    instead of a hash join probing the candidates for each of them (a million entries at 200,000 companies,
    a quarter of them kept: 370 ms of the database's CPU, against 120 ms with the bit string and its read).
    """
    candidates = candidates.subquery()
    ids = connection.scalar(select(func.array_agg(candidates.c.organisation_id)))  # one row: no row objects
    if not ids:
        return None
    bits = bytearray(max(ids) // 8 + 1)
    for organisation_id in ids:
        bits[organisation_id >> 3] |= 1 << (organisation_id & 7)  # get_bit counts from a byte's lowest bit
    size, bits = len(bits) * 8, bytes(bits)
    return lambda column: and_(column < size, func.get_bit(literal(bits, LargeBinary), column) == 1)


def _decoder(ordered):
    """A function from a bit mask to the keys it names, in the order of `ordered` (bit 0 first).

    By table lookup, a byte at a time, each mask once (many companies share the same): 48,000 matches are
    96,000 masks to read. Each caller gets its own list.
    """
    tables = [[[key for bit, key in enumerate(ordered[start:start + 8]) if value >> bit & 1] for value in range(256)]
              for start in range(0, len(ordered), 8)]
    seen = {}

    def named(mask):
        mask = int(mask or 0)
        names = seen.get(mask)
        if names is None:
            names, rest = [], mask
            for table in tables:
                if not rest:
                    break
                names += table[rest & 255]
                rest >>= 8
            seen[mask] = names
        return names.copy()

    return named


def _deciding_words(profile, minimum, words):
    """What a company sharing no sector must share to reach `minimum`: (words, weight) when it must share at
    least that weight of these words, ([word], None) when it must use that word; None when any word may do.

    Such a company scores only by words and budget, so it needs a text part of at least
    (minimum - the best budget points) / TEXT_POINTS, that is a shared weight of at least a bar, out of the
    weight of the words companies use at all (a word nobody used when the weights were counted weighs
    much and is shared by nobody). A word heavier than the difference is one every such match uses: the
    rarest of those names the candidates. Otherwise, the lightest words, whose weights sum to less than the
    bar, cannot reach it together: a company needs at least the bar minus their sum from the other words,
    the deciding ones (the rarest: their index entries are few). None when any word may make a match (a
    minimum the budget alone nearly reaches): every company sharing anything is then scored.
    """
    best_budget = max(budget_fit(size, profile.budget) for size in (*SIZE_BUDGET_RANGES, None))
    # The statement keeps scores from minimum - 0.005 (they round up to it); a hair lower still for floats.
    needed_points = minimum - 0.005 - 1e-6 - BUDGET_POINTS * best_budget
    if needed_points <= 0 or profile.total_weight <= 0:
        return None
    bar = needed_points / TEXT_POINTS * TEXT_SATURATION * profile.total_weight * (1 - 1e-9)
    frequencies = profile.frequencies or {}
    used = [word for word in words if frequencies.get(word, 1) > 0]
    slack = sum(profile.weights[word] for word in used) - bar
    if needed_points > TEXT_POINTS or slack < 0:
        return [], 0.0  # words alone never reach the minimum
    required = [word for word in used if profile.weights[word] > slack * (1 + 1e-9)]
    if required:
        return [min(required, key=lambda t: (frequencies.get(t, 0), t))], None
    light = 0.0
    lightest_first = sorted(used, key=lambda t: (profile.weights[t], t))
    for position, word in enumerate(lightest_first):
        if light + profile.weights[word] >= bar:
            return words_by_weight_desc(profile, lightest_first[position:]), (bar - light) * (1 - 1e-9)
        light += profile.weights[word]
    return [], 0.0


def words_by_weight_desc(profile, words):
    """The words heaviest first (ties alphabetically): the order reasons name them in."""
    return sorted(words, key=lambda t: (-profile.weights[t], t))


def _match_query(profile, minimum, limit, prune=True, connection=None):
    """The matching statement (None when nobody can match) and the order of the divisions and words it names.

    On PostgreSQL (`connection` given) the candidates are read first and passed to the statement as a bit string
    (_bit_string_member); elsewhere they are a CTE the word entries are joined with."""
    # The order reasons name them in: divisions by code, words heaviest first.
    divisions = sorted(profile.sectors)
    words = words_by_weight_desc(profile, profile.weights)
    deciding = _deciding_words(profile, minimum, words) if prune else None
    candidates = None
    if deciding is not None:
        deciding, deciding_weight = deciding
        # Only companies sharing a sector or the deciding words can reach the minimum: the shared words are
        # summed for them alone, instead of for every company that uses a common word of the challenge.
        parts = []
        if divisions:
            parts.append(select(organisation_sectors.c.organisation_id)
                         .where(organisation_sectors.c.cpv_division.in_(divisions)))
        if deciding and deciding_weight is None:  # the companies using the one word every such match uses
            parts.append(select(organisation_terms.c.organisation_id)
                         .where(organisation_terms.c.term == deciding[0]))
        elif deciding:
            keys = _keys(organisation_terms.c.term, [(term, profile.weights[term]) for term in deciding], "deciding")
            parts.append(select(organisation_terms.c.organisation_id)
                         .join(keys, keys.c.key == organisation_terms.c.term)
                         .group_by(organisation_terms.c.organisation_id)
                         .having(func.sum(keys.c.weight) >= deciding_weight))
        if not parts:
            return None, divisions, words
        # Each once (a company may share two divisions): UNION, or DISTINCT.
        candidates = union(*parts) if len(parts) > 1 else parts[0].distinct()
        if connection is not None and connection.dialect.name == "postgresql":
            candidates = _bit_string_member(connection, candidates)
            if candidates is None:
                return None, divisions, words
        else:
            candidates = candidates.cte("candidates")
    parts = []
    if divisions:
        parts.append(_shared_rows(organisation_sectors, organisation_sectors.c.cpv_division,
                                  [(code, 1.0) for code in divisions], "sectors"))
    if words:
        parts.append(_shared_rows(organisation_terms, organisation_terms.c.term,
                                  [(term, profile.weights[term]) for term in words], "terms", candidates, words=True))
    rows = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("shared_rows")
    # One row per company sharing anything (a budget alone is no reason to match).
    shared = (select(rows.c.organisation_id, *[func.sum(rows.c[name]).label(name) for name in _SHARED_COLUMNS])
              .group_by(rows.c.organisation_id).subquery("shared"))
    score = _sql_score(profile, shared.c.sector_weight, shared.c.term_weight).label("score")
    # Rounded the same way as ChallengeProfile.score, so a score shown is the score compared.
    query = (select(Organisation.id, Organisation.name, Organisation.slug, Organisation.size,
                    shared.c.sector_mask, shared.c.term_mask, score)
             .join_from(shared, Organisation, Organisation.id == shared.c.organisation_id)
             .where(_company_filter(), score >= minimum - 0.005))
    if limit is not None:  # the whole list is sorted in Python (match_challenge), the best ones here
        query = query.order_by(score.desc(), Organisation.id).limit(limit)
    return query, divisions, words


def match_challenge(challenge, *, minimum=None, limit=None, profile=None, prune=True):
    """Every company scoring at least `minimum` (the configured threshold), best first, with reasons.

    One SQL statement (on PostgreSQL, after the read of the candidates: see
    _match_query): the shared sectors and the shared weighted words are
    aggregated per company over the indexes (each with what is shared, which
    becomes the reasons), scored and filtered (and sorted, for a `limit`);
    Python sorts the rows that pass and turns them into results. Only companies
    that can reach the minimum are looked at (see _deciding_words);
    `prune=False` looks at every company, with the same results, slower.
    """
    profile = profile or challenge_profile(challenge)
    minimum = threshold() if minimum is None else float(minimum)
    if not profile.sectors and not profile.weights:
        return []
    # Tens of thousands of rows and results are a lot of objects, none in a cycle: the cycle collector would
    # walk the whole heap again and again while they are made.
    with cycle_collector_paused():
        query, divisions, words = _match_query(profile, minimum, limit, prune, db.session.connection())
        if query is None:
            return []
        fits = {size: budget_fit(size, profile.budget) == 1.0 for size in (*SIZE_BUDGET_RANGES, None)}
        sectors_named, words_named = _decoder(divisions), _decoder(words)
        budget, currency = profile.budget, profile.currency
        # Best first, equal scores as shown by company (the statement's order among them would follow the last
        # bits of float sums, which depend on the order the plan added them in): sorted as plain tuples, each
        # company once, before any result is made.
        passed = []
        for organisation_id, name, slug, size, sector_mask, term_mask, score in _run(query):
            score = round(float(score), 2)
            if score >= minimum:
                passed.append((-score, organisation_id, name, slug, size, sector_mask, term_mask))
        passed.sort()
        return [MatchResult(organisation_id=organisation_id, score=-score, name=name, slug=slug, size=size,
                            sectors=sectors_named(sector_mask), terms=words_named(term_mask),
                            budget_fits=fits.get(size, False), budget=budget, currency=currency)
                for score, organisation_id, name, slug, size, sector_mask, term_mask in passed]


def score_company(challenge, company, profile=None):
    """One company's score and reasons, computed from its profile as it is now (no index needed)."""
    profile = profile or challenge_profile(challenge)
    terms = profile_terms(company.capability_statement, company.keywords,
                          [(s.title, s.description) for s in company.solutions])
    return score_terms(profile, company, terms, company.sectors)


def score_terms(profile, company, terms, sectors):
    """The score and reasons of a company with these profile terms and sectors against one challenge's profile."""
    shared_terms = sorted((t for t in terms if t in profile.weights), key=lambda t: (-profile.weights[t], t))
    shared_sectors = sorted(set(sectors) & set(profile.sectors))
    shared_weight = sum(profile.weights[t] for t in shared_terms)
    score = profile.score(len(shared_sectors), shared_weight, company.size)
    if not shared_terms and not shared_sectors:
        score = 0.0  # a budget alone is no reason to match
    return MatchResult(
        organisation_id=company.id, score=score, name=company.name, slug=company.slug, size=company.size,
        sectors=shared_sectors, terms=shared_terms, budget=profile.budget, currency=profile.currency,
        budget_fits=budget_fit(company.size, profile.budget) == 1.0,
    )


# --- what people see -------------------------------------------------------------------------------

def ranked_companies(user, challenge, limit=50):
    """The publisher's list: companies that may solve the challenge, best first, with invitations sent."""
    permissions.require(user, "challenge.view_matches", challenge)
    results = match_challenge(challenge, limit=limit)
    invited = dict(db.session.execute(
        select(Match.organisation_id, Match.invited_at)
        .where(Match.challenge_id == challenge.id, Match.invited_at.is_not(None))
    ).all())
    for result in results:
        result.invited_at = invited.get(result.organisation_id)
    return results


def match_for_viewer(user, challenge):
    """For a company member on a challenge page: their company's match (stored, else scored now), or None.

    One statement reads the stored match, the word weights stored when the challenge's companies were matched,
    and the company's indexed words and sectors: no statement on a page view grows with the companies (see
    `viewer_profile` for a challenge matched before its last correction, or never).
    """
    if challenge is None or not lifecycle.state_of(challenge).matched:
        return None
    if not permissions.can(user, "challenge.see_own_match", challenge):
        return None
    company = user.organisation
    read = _viewer_reads(challenge.id, company.id)
    if read.match is not None:
        return MatchResult(organisation_id=company.id, score=read.match.number, name=company.name,
                           slug=company.slug, size=company.size, invited_at=read.match.at), \
            reasons_from_data(read.match.data)
    profile = viewer_profile(challenge, read.weights)
    result = score_terms(profile, company, read.terms, read.sectors)
    if result.score < threshold():
        return None
    return result, result.reasons


@dataclass
class _ViewerReads:
    match: object = None  # the stored match's row (number: score, data: reasons, at: invited_at), or None
    weights: object = None  # the stored weights' row (number: challenge version, data: {term: weight}), or None
    terms: set = field(default_factory=set)
    sectors: list = field(default_factory=list)


def _viewer_reads(challenge_id, organisation_id):
    """What a company's challenge page needs from matching, in one statement of key lookups: the stored match,
    the stored weights, and the company's words and sectors from its own index rows (kept in the transaction of
    every profile save, so the same as its profile's)."""
    none = null()
    query = union_all(
        select(literal("m").label("kind"), literal("").label("value"), Match.score.label("number"),
               Match.reasons.label("data"), Match.invited_at.label("at"))
        .where(Match.challenge_id == challenge_id, Match.organisation_id == organisation_id),
        select(literal("w"), literal(""), cast(ChallengeMatchWeights.challenge_version, Float),
               ChallengeMatchWeights.weights, ChallengeMatchWeights.computed_at)
        .where(ChallengeMatchWeights.challenge_id == challenge_id),
        select(literal("s"), organisation_sectors.c.cpv_division, none, none, none)
        .where(organisation_sectors.c.organisation_id == organisation_id),
        select(literal("t"), organisation_terms.c.term, none, none, none)
        .where(organisation_terms.c.organisation_id == organisation_id),
    )
    read = _ViewerReads()
    for row in db.session.execute(query):
        if row.kind == "m":
            read.match = row
        elif row.kind == "w":
            read.weights = row
        elif row.kind == "s":
            read.sectors.append(row.value)
        else:
            read.terms.add(row.value)
    read.sectors.sort()
    return read


def viewer_profile(challenge, stored=None):
    """The challenge's profile for scoring one company on its page.

    The weights stored when its companies were matched (`store_weights`), if they are for this version of the
    challenge: the same weights its matches and notifications were computed with. Else (matched before its last
    correction, or never, as the seed data) computed at most every MATCHING_COMPANY_COUNT_SECONDS per challenge
    and process: its two statements (the number of companies, the words' document frequencies) grow with the
    companies, so they are not run on every view."""
    if stored is not None and int(stored.number) == challenge.version:
        weights = {term: float(weight) for term, weight in (stored.data or {}).items()}
        return ChallengeProfile(challenge_id=challenge.id, sectors=challenge.sectors, weights=weights,
                                total_weight=sum(weights.values()), budget=_budget_amount(challenge),
                                currency=challenge.currency or "EUR")
    return kept_profile(challenge)


def store_weights(challenge, profile):
    """Keep the word weights its companies are matched by, for this version of the challenge (in the caller's
    transaction)."""
    db.session.execute(delete(ChallengeMatchWeights).where(ChallengeMatchWeights.challenge_id == challenge.id))
    db.session.execute(insert(ChallengeMatchWeights).values(
        challenge_id=challenge.id, challenge_version=challenge.version, weights=profile.weights, computed_at=utcnow()))


# Challenge profiles kept for challenge pages: {(database, challenge id, version, sectors): (profile, when)}.
_kept_profiles = {}
_KEPT_PROFILES_MAX = 2048


def kept_profile(challenge):
    """The challenge's profile, computed at most every MATCHING_COMPANY_COUNT_SECONDS per challenge and process
    (a new version of the challenge, or other sectors, compute it again)."""
    key = (id(db.session.get_bind()), challenge.id, challenge.version, tuple(challenge.sectors))
    now = time.monotonic()
    kept = _kept_profiles.get(key)
    if kept is None or now - kept[1] >= current_app.config.get("MATCHING_COMPANY_COUNT_SECONDS", 600):
        if len(_kept_profiles) >= _KEPT_PROFILES_MAX:
            _kept_profiles.clear()
        kept = _kept_profiles[key] = (challenge_profile(challenge), now)
    return kept[0]


def forget_kept_profiles():
    """Forget the kept company count and challenge profiles (tests, and after a bulk import in the process)."""
    _counted.clear()
    _kept_profiles.clear()


@dataclass
class SimilarChallenge:
    challenge: Challenge
    similarity: float
    sectors: list
    terms: list
    piloted: list  # (pitch title, company name) of the solutions selected there


def similar_challenges(challenge, limit=5, candidates_limit=2000):
    """Public challenges of other agencies that look like this one, and the solutions piloted there.

    Similarity is half shared sectors (Jaccard) and half shared words (the
    share of the smaller vocabulary), so a short draft still finds its kin.
    """
    own_terms = set(challenge_term_counts(challenge))
    own_sectors = set(challenge.sectors)
    if not own_terms and not own_sectors:
        return []
    others = db.session.scalars(
        select(Challenge)
        .where(Challenge.agency_id != challenge.agency_id, Challenge.status.in_(lifecycle.MATCHED))
        .order_by(Challenge.published_at.desc().nulls_last(), Challenge.id.desc())
        .limit(candidates_limit)
    ).all()
    if not others:
        return []
    sectors_of = {}
    for chunk in _chunks(c.id for c in others):
        for challenge_id, division in db.session.execute(
            select(challenge_sectors.c.challenge_id, challenge_sectors.c.cpv_division)
            .where(challenge_sectors.c.challenge_id.in_(chunk))
        ):
            sectors_of.setdefault(challenge_id, set()).add(division)
    scored = []
    for other in others:
        terms = set(challenge_term_counts(other))
        sectors = sectors_of.get(other.id, set())
        shared_terms = own_terms & terms
        shared_sectors = own_sectors & sectors
        sector_sim = len(shared_sectors) / len(own_sectors | sectors) if (own_sectors | sectors) else 0.0
        smaller = min(len(own_terms), len(terms))
        text_sim = len(shared_terms) / smaller if smaller else 0.0
        similarity = round(0.5 * sector_sim + 0.5 * text_sim, 3)
        if similarity >= 0.15 and shared_terms | shared_sectors:
            scored.append(SimilarChallenge(other, similarity, sorted(shared_sectors),
                                           sorted(shared_terms)[:REASON_TERMS], []))
    scored.sort(key=lambda s: (-s.similarity, -s.challenge.id))
    scored = scored[:limit]
    by_id = {s.challenge.id: s for s in scored}
    if by_id:
        for challenge_id, title, company in db.session.execute(
            select(Pitch.challenge_id, Pitch.title, Organisation.name)
            .join(Organisation, Organisation.id == Pitch.company_id)
            .where(Pitch.challenge_id.in_(list(by_id)), Pitch.status.in_(pitch_lifecycle.SELECTED))
            .order_by(Pitch.id)
        ):
            by_id[challenge_id].piloted.append((title, company))
    return scored


def similar_for_editor(user, challenge, limit=5):
    """Similar challenges for someone drafting this one; nobody else is shown them here."""
    if challenge is None or not permissions.can(user, "challenge.edit", challenge):
        return []
    return similar_challenges(challenge, limit=limit)


# --- acting on matches -----------------------------------------------------------------------------

def invite_to_pitch(actor, challenge, organisation_id):
    """The agency invites a company to pitch; the handler of the event emails the company's members."""
    permissions.require(actor, "challenge.view_matches", challenge)
    permissions.require(actor, "challenge.invite_to_pitch", challenge)
    if not lifecycle.state_of(challenge).takes_pitches:
        raise InvalidTransition(str(_l("Companies can be invited while the challenge is open for pitches.")))
    company = db.session.get(Organisation, organisation_id) if isinstance(organisation_id, int) else None
    if not permissions.is_company(company) or company.suspended:
        raise NotFound(str(_l("We could not find that company.")))
    match = db.session.scalar(
        select(Match).where(Match.challenge_id == challenge.id, Match.organisation_id == company.id)
    )
    if match is None:
        result = score_company(challenge, company)
        match = Match(challenge_id=challenge.id, organisation_id=company.id, score=result.score,
                      reasons=result.reason_data)
        db.session.add(match)
    elif match.invited_at is not None:
        raise Conflict(str(_l("%(company)s has already been invited to pitch.", company=company.name)))
    match.invited_at = utcnow()
    match.invited_by_id = actor.id
    try:
        record_change(actor, "challenge.invitation_to_pitch_sent", match, before={"invited_at": None},
                      after={"invited_at": match.invited_at}, challenge_id=challenge.id,
                      payload={"challenge_id": challenge.id, "organisation_id": company.id})
        db.session.commit()
    except IntegrityError as exc:  # two clicks at once: the other one won
        db.session.rollback()
        raise Conflict(str(_l("%(company)s has already been invited to pitch.", company=company.name))) from exc
    return match


def members_of(organisation_ids):
    """Active members of these organisations, by organisation id."""
    members = {}
    for chunk in _chunks(organisation_ids):
        for org_id, user in db.session.execute(
            select(Membership.organisation_id, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id.in_(chunk), User.is_suspended.is_(False))
            .order_by(User.id)
        ):
            members.setdefault(org_id, []).append(user)
    return members


def in_locale(locale, *texts):
    with force_locale(locale):
        return [str(t) for t in texts]


def _challenge_email_context(challenge, link):
    """What every email about a challenge shows of it."""
    return {
        "challenge_title": challenge.title,
        "challenge_summary": challenge.summary,
        "challenge_language": challenge.language,  # its title and summary marked with it (the HTML part's lang_of)
        "challenge_url": links.absolute(link),
        "agency_name": challenge.agency.name if challenge.agency else "",
        "pitch_deadline": challenge.pitch_deadline.isoformat() if challenge.pitch_deadline else None,
    }


@handles("challenge.published")
def notify_matching_companies(event):
    """Score every company, store the matches, and tell each member of a matching company why (once)."""
    challenge_id = event.payload.get("challenge_id") or event.payload.get("object_id")
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or not lifecycle.state_of(challenge).takes_pitches:
        return  # cancelled or unpublished in the meantime: nobody to tell
    with cycle_collector_paused():  # ten thousand recipients are a lot of objects, none in a cycle
        _notify_matches(challenge)


def _notify_matches(challenge):
    from marketplace.services.messaging import notifications  # H6's service; imported here so matching loads without it

    profile = challenge_profile(challenge)
    results = match_challenge(challenge, profile=profile)
    store_weights(challenge, profile)  # the challenge page scores a company not matched here by the same weights
    now = utcnow()
    # A company already told of this challenge (its Match row is there: told on a profile change) is not told again.
    told_now = set(insert_new(
        Match.__table__, [{"challenge_id": challenge.id, "organisation_id": r.organisation_id, "score": r.score,
                           "reasons": r.reason_data, "created_at": now} for r in results],
        Match.__table__.c.organisation_id))
    results = [r for r in results if r.organisation_id in told_now]
    link = links.challenge_path(challenge)
    context = _challenge_email_context(challenge, link)
    members = members_of([r.organisation_id for r in results])
    notices = []
    for result in results:
        reasons = result.reasons
        # Kept by each notice as messages, said in each reader's language (notice_text); the email's list of reasons
        # is written once per language.
        title = _l("New challenge that matches %(company)s: %(title)s", company=result.name, title=challenge.title)
        body, said = lines(*reasons), {}
        for user in members.get(result.organisation_id, ()):
            locale = recipient_locale(user)
            if locale not in said:
                said[locale] = in_locale(locale, *reasons)
            reason_texts = said[locale]
            notices.append(notifications.Notice(
                user, "challenge.matched", title, f"match:{challenge.id}:{user.id}", body=body,
                link=link, email_template="challenge_matched",
                email_context={**context, "company_name": result.name, "reasons": reason_texts,
                               "score": result.score},
            ))
    notifications.notify_all(notices)  # a few INSERTs for every member of every matching company


@handles("challenge.invitation_to_pitch_sent")
def email_invitation_to_pitch(event):
    """Tell every member of the invited company, once per challenge, company and person."""
    from marketplace.services.messaging import notifications
    challenge = db.session.get(Challenge, event.payload.get("challenge_id"))
    company = db.session.get(Organisation, event.payload.get("organisation_id"))
    if challenge is None or company is None or company.suspended:
        return
    match = db.session.scalar(
        select(Match).where(Match.challenge_id == challenge.id, Match.organisation_id == company.id)
    )
    reasons = reasons_from_data(match.reasons) if match is not None else []
    link = links.challenge_path(challenge)
    agency = challenge.agency.name if challenge.agency else ""
    words = words_for(challenge)
    title = words.say("invited", agency=agency, company=company.name, title=challenge.title)
    for user in members_of([company.id]).get(company.id, ()):
        reason_texts = in_locale(recipient_locale(user), *reasons)
        notifications.notify(
            user,
            kind="challenge.invitation_to_pitch",
            title=title,
            body=lines(*reasons),
            link=link,
            dedupe_key=f"invite:{challenge.id}:{company.id}:{user.id}",
            email_template="challenge_invitation_to_pitch",
            email_context={**_challenge_email_context(challenge, link), "company_name": company.name,
                           "reasons": reason_texts, "words": words},
        )
