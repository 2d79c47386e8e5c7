"""Text searches answered from what each process keeps of the public challenges.

A search of words asked PostgreSQL, at every new query, to count its first 1,001 matches (a table row read per
match: the GIN index says which rows match, not whether they are public, nor their budget) and to walk a sort
index to its page: 4–5 ms of SQL and two statements for a word found in 3,000 challenges, 20–30 ms ranked by
relevance. Now each process keeps (`public_data.KeptPerState`):

- per state of the challenges (`public_data.CHALLENGES`), the catalogue: what the filters and orders read of
  every public challenge, as arrays, read with the filters' own SQL expressions (`challenges.catalogue_reads`),
  two statements, and its place in each order of the lists (`_positions`);
- per state of the public data and reading of a query (its tsquery on PostgreSQL, its words on SQLite), the
  public challenges it matches and their rank, read once from the search index.

A search then filters, counts and orders its matches in those arrays (tens of microseconds for 10,000 matches)
and reads only its page's rows by id. What a filter keeps is decided by the values of the search's SQL
parameters (`challenges._values`), read here as the SQL reads them (`_kept`), and the orders are the lists'
(`_positions`): a test holds both to the SQL's answers on both databases, filter by filter and order by order.
"""
import gc
from dataclasses import dataclass
from datetime import timezone

import numpy as np

from marketplace.services.challenges import lifecycle
from marketplace.services.open_data import public_data
from marketplace.services.organisations.cpv import DIVISIONS

# A challenge's sectors as bits of one integer, a bit per CPV division (45): a division's bit, by its number.
_BIT = np.zeros(100, dtype=np.uint64)
for _n, _code in enumerate(sorted(DIVISIONS)):
    _BIT[int(_code)] = np.uint64(1) << np.uint64(_n)
assert len(DIVISIONS) <= 64


def _bits(divisions):
    """The bits of CPV divisions given as numbers (3 for "03"); none for a number that is no division."""
    divisions = np.asarray(divisions, dtype=np.int64)
    return np.where((divisions >= 0) & (divisions < 100), _BIT[np.clip(divisions, 0, 99)], np.uint64(0))


# A challenge with no deadline, read as this deadline (microseconds): after every "closing soon" window, last by
# deadline, as PostgreSQL orders NULL.
NO_DEADLINE = 2**63 - 1

# One catalogue per state of the challenges (the one in use and the one before, while requests still read it): an
# answered question or a pilot's outcome changes the public data, not the challenges (public_data.CHALLENGES);
# the matches of the most recent queries, at most 128 (a word found in each of 46,000 challenges: 0.4 MB, so
# 47 MB at worst a process).
_catalogues = public_data.KeptPerState(2, token=public_data.challenges_token_in_this_transaction)
_matches = public_data.KeptPerState(128)


@dataclass
class Catalogue:
    """What the filters and orders read of every public challenge, one entry per challenge in order of id."""

    ids: np.ndarray  # int64, ascending
    statuses: dict  # status -> its code in `status`
    status: np.ndarray  # int8
    agency: np.ndarray  # int64, the agency's id
    sectors: np.ndarray  # uint64, a bit per CPV division (_BIT)
    budget_upper: np.ndarray  # float64, NaN for none: the filters' budget expressions (challenges.budget_upper)
    budget_lower: np.ndarray
    updated: np.ndarray  # int64 microseconds
    deadline: np.ndarray  # int64 microseconds, NO_DEADLINE for none
    positions: dict  # order's name -> int64, each challenge's place in that order (challenges.SORTS)

    def at(self, ids):
        """(The entries of `ids` that are in the catalogue, which of `ids` those are)."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(self.ids):
            return np.zeros(0, dtype=np.int64), np.zeros(len(ids), dtype=bool)
        entries = np.searchsorted(self.ids, ids)
        entries[entries == len(self.ids)] = 0
        present = self.ids[entries] == ids
        return entries[present], present

    def taking_pitches(self, entries):
        """Which of `entries` take pitches (the lifecycle's TAKING_PITCHES)."""
        return np.isin(self.status[entries], [self.statuses[s] for s in lifecycle.TAKING_PITCHES
                                              if s in self.statuses])


def _microseconds(moment):
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1_000_000)


def _read_catalogue(reads, execute):
    rows = execute(reads["columns"])
    columns = list(zip(*rows)) or [()] * 8
    names, status = np.unique(np.array(columns[1], dtype=str), return_inverse=True)
    catalogue = Catalogue(
        ids=np.array(columns[0], dtype=np.int64), statuses={str(name): code for code, name in enumerate(names)},
        status=status.astype(np.int8), agency=np.array(columns[2], dtype=np.int64),
        sectors=np.zeros(len(rows), dtype=np.uint64),
        # a budget of none is NaN, kept by no budget filter, as NULL compares in SQL
        budget_upper=np.array(columns[3], dtype=np.float64), budget_lower=np.array(columns[4], dtype=np.float64),
        updated=np.array(columns[5], dtype=np.int64), deadline=np.array(columns[6], dtype=np.int64), positions={})
    sectors = np.array(execute(reads["sectors"]), dtype=np.int64).reshape(-1, 2)  # (challenge, division as a number)
    at, present = catalogue.at(sectors[:, 0])  # the sectors of drafts are not kept
    np.bitwise_or.at(catalogue.sectors, at, _bits(sectors[present, 1]))
    catalogue.positions = _positions(catalogue, np.array(columns[7], dtype=np.int64))
    return catalogue


def _positions(catalogue, published):
    """{order's name: each entry's place in it}: the orders of challenges.SORTS, written for the arrays (a test
    holds each to the SQL's on both databases). NumPy's lexsort sorts by its last key first."""
    ids, upper, lower = catalogue.ids, catalogue.budget_upper, catalogue.budget_lower
    everything = np.arange(len(ids))
    orders = {
        # published_at DESC, id DESC
        "newest": np.lexsort((-ids, -published)),
        # the challenges taking pitches first, then by deadline (none last), then id
        "deadline": np.lexsort((ids, catalogue.deadline, ~catalogue.taking_pitches(everything))),
        # coalesce(budget_max, budget_min, 0) DESC, id; coalesce(budget_min, budget_max, 0), id
        "budget_high": np.lexsort((ids, -np.nan_to_num(upper, nan=0.0))),
        "budget_low": np.lexsort((ids, np.nan_to_num(lower, nan=0.0))),
    }
    positions = {}
    for name, order in orders.items():
        positions[name] = np.empty(len(ids), dtype=np.int64)
        positions[name][order] = everything
    return positions


def catalogue(reads, execute):
    """The catalogue of the public challenges as this transaction sees them. `reads`: the statements
    (`challenges.catalogue_reads`); `execute(statement)`: their rows as tuples."""
    def read():
        # Half a million numbers are made, then dropped: Python's collector of cycles, started again and again by
        # so many new objects, went through the whole process's objects each time (3–10 times the read's cost).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return _read_catalogue(reads, execute)
        finally:
            if collecting:
                gc.enable()

    return _catalogues.get("catalogue", read)


def matches(found_catalogue, key, read):
    """(Entries of `found_catalogue`, their ranks or None) of the public challenges a query matches, kept per
    query (`key`: its reading) and state of the public data. `read()`: rows (id[, rank]) of those challenges."""
    def compute():
        rows = read()
        entries, present = found_catalogue.at([row[0] for row in rows])
        ranks = None
        if rows and len(rows[0]) > 1:  # PostgreSQL's ts_rank is a float4: kept exactly in 4 bytes
            ranks = np.fromiter((row[1] for row in rows), dtype=np.float32, count=len(rows))[present]
        return found_catalogue, entries.astype(np.int32), ranks

    # Entries of another catalogue (one read again meanwhile, in a transaction that began before a change) would
    # point at other challenges: those matches are read again.
    _, entries, ranks = _matches.get(("matches",) + key, compute, holds=lambda kept: kept[0] is found_catalogue)
    return entries, ranks


def find(found_catalogue, matched, values, sort, offset, limit, bound):
    """(The ids of the page from `offset`, at most `limit`, of the matches the filters keep in `sort`'s order;
    how many they keep, counted up to `bound` + 1). `values`: the search's SQL parameters (`challenges._values`):
    they say which filters are asked for and with what. `matched`: `matches`'s. Only the first `bound` matches
    in that order are paged through, as the page says ("more than …")."""
    entries, ranks = matched
    kept = _kept(found_catalogue, entries, values)
    chosen = entries[kept]
    found = len(chosen)
    stop = min(offset + limit, found, bound)
    if offset >= stop:
        return [], min(found, bound + 1)
    if sort == "relevance" and ranks is not None:
        order = _best_first(ranks[kept], found_catalogue.positions["newest"][chosen], stop)
    else:
        order = _first(found_catalogue.positions[sort if sort in found_catalogue.positions else "newest"][chosen],
                       stop)
    return [int(i) for i in found_catalogue.ids[chosen[order[offset:stop]]]], min(found, bound + 1)


def _kept(found, entries, values):
    """Which of `entries` the filters asked for keep: each as `challenges._filtered` writes it in SQL."""
    kept = np.ones(len(entries), dtype=bool)
    if "statuses" in values:
        asked = [found.statuses[status] for status in values["statuses"] if status in found.statuses]
        kept &= np.isin(found.status[entries], asked)
    if "sectors" in values:
        wanted = np.bitwise_or.reduce(_bits([int(code) for code in values["sectors"] if code in DIVISIONS]),
                                      initial=np.uint64(0))
        kept &= (found.sectors[entries] & wanted) != 0
    if "agency_id" in values:  # the agency asked for by its slug (challenges._text_search finds its id)
        kept &= found.agency[entries] == (values["agency_id"] if values["agency_id"] is not None else -1)
    # A challenge with no budget (NaN) is kept by no budget filter, as NULL compares in SQL.
    if "budget_min" in values:
        kept &= found.budget_upper[entries] >= float(values["budget_min"])
    if "budget_max" in values:
        kept &= found.budget_lower[entries] <= float(values["budget_max"])
    if "updated_since" in values:
        kept &= found.updated[entries] >= _microseconds(values["updated_since"])
    if "soon_from" in values:
        deadline = found.deadline[entries]
        kept &= (found.taking_pitches(entries) & (deadline > _microseconds(values["soon_from"]))
                 & (deadline <= _microseconds(values["soon_until"])))
    return kept


def _first(positions, stop):
    """The indexes of the `stop` smallest `positions` (each distinct), smallest first."""
    if stop < len(positions):
        first = np.argpartition(positions, stop - 1)[:stop]
        return first[np.argsort(positions[first])]
    return np.argsort(positions)


def _best_first(ranks, newest, stop):
    """The indexes of the first `stop` matches by rank (highest first), then newest first: the order of
    `rank DESC, published_at DESC, id DESC` (challenges.SORTS)."""
    candidates = np.arange(len(ranks))
    if stop < len(ranks):  # only those ranked at least as high as the stop-th (ties at the edge included)
        edge = np.partition(-ranks, stop - 1)[stop - 1]
        candidates = np.nonzero(-ranks <= edge)[0]
    return candidates[np.lexsort((newest[candidates], -ranks[candidates]))][:stop]
