"""One page of a query's results, with the total: the challenge list, the API's lists."""
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.services.open_data import public_data


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    more: bool = False  # True when there are more than `total` items (a search counts its matches up to a bound)

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))

    @property
    def past_the_end(self):
        """A page number beyond the last page (an old link, a typed number): there is nothing to show on it."""
        return self.page > self.pages


def read_rows(statement, values=None):
    """The result of a statement that selects columns, not objects, read on the session's connection: the ORM's
    result machinery, made for objects, doubled the CPU of reading a page of twenty rows (0.5 ms more a list
    read). What the session holds unsaved is flushed first, as the ORM's autoflush would (nothing to do in a
    request that changed nothing)."""
    db.session.flush()
    return db.session.connection().execute(statement, values)


def read_tuples(statement):
    """All the rows of a statement with no parameters, run as its SQL compiled once per database: for tens of
    thousands of rows of numbers (the kept catalogue of the public challenges), where compiling and processing
    each value through its column type cost more than the read. Flushed first as `read_rows`; seen by the
    engine's events like any statement (the statement counts, the SQL metrics)."""
    db.session.flush()
    connection = db.session.connection()
    result = connection.exec_driver_sql(_compiled(statement, connection.dialect))
    try:
        return result.cursor.fetchall()  # the driver's tuples: NumPy reads a tuple at once, a Row key by key
    finally:
        result.close()


@lru_cache(maxsize=64)
def _compiled(statement, dialect):
    compiled = statement.compile(dialect=dialect)
    if compiled.params:
        raise ValueError("read_tuples reads statements without parameters")
    return str(compiled)


def _count(query, public, values=None, known=None):
    """How many rows `query` selects, reading only its first column, unordered; with `public`, kept until the
    public data change. `known`: the number, found otherwise (_first_page), kept as the count would be."""
    if not public:
        return known if known is not None else read_rows(_count_statement(query), values).scalar()
    statement, key = _derived(query, "count")
    return public_data.kept_while_unchanged(key + _values_key(values), (lambda: known) if known is not None
                                            else (lambda: read_rows(statement, values).scalar()))


def _first_page(query, per_page, public, read_by_id, values):
    """(The first page's items, how many rows `query` selects). The page is read first: a page that is not full
    holds every row, so its length is the total and nothing is counted (a list filtered down to a few
    challenges, a company's few pitches: one statement, not two); a full one is counted as ever."""
    items = _page_items(query, per_page, 0, public, read_by_id, values)
    whole = len(items) < per_page
    return items, _count(query, public, values, known=len(items) if whole else None)


def _count_statement(query):
    rows = query.with_only_columns(*query.selected_columns[:1]).order_by(None)
    return select(func.count()).select_from(rows.subquery())


@lru_cache(maxsize=2048)
def _derived(query, what, *args):
    """(A statement derived from a public `query`, its key for kept answers), made once per query object: the
    searches keep theirs (services/challenges), so a page asked again derives and keys nothing anew. `what`:
    "count", "page" and "ids" (args: limit, offset)."""
    if what == "count":
        statement = _count_statement(query, *args)
    elif what == "page":
        statement = query.limit(args[0]).offset(args[1])
    else:
        statement = _ids_statement(query, *args)
    return statement, _statement_key(statement)


def kept_scalar(statement):
    """The value `statement` gives, a statement over public tables only that does not depend on the time: kept
    until the public data change (see public_data), keyed by its structure and parameters: SQLAlchemy's own cache
    key (what its cache of compiled statements is keyed by) and the values bound, not the statement compiled to
    SQL again at every request (a fifth of a list's database work in Python)."""
    return public_data.kept_while_unchanged(_statement_key(statement), lambda: db.session.scalar(statement))


def _values_key(values):
    """The part of a kept answer's key that the values of a statement's named parameters make (see
    services/challenges: a search's statement is the same for every search of its shape)."""
    if not values:
        return ()
    return (tuple(sorted((name, repr(tuple(value) if isinstance(value, list) else value))
                         for name, value in values.items())),)


def _statement_key(statement):
    cache_key = statement._generate_cache_key()
    if cache_key is None:  # a statement SQLAlchemy cannot key (none of ours): its SQL, as SQLAlchemy would run it
        compiled = statement.compile(dialect=db.session.get_bind().dialect)
        return str(compiled), tuple(sorted((name, repr(value)) for name, value in compiled.params.items()))
    return cache_key.key, tuple(repr(parameter.effective_value) for parameter in cache_key.bindparams)


def _page_items(query, limit, offset, public, read_by_id, values=None):
    """The items of `query` from `offset`, at most `limit`: objects of its one entity, or rows. With `public` and
    `read_by_id(ids)` ({id: item}), the page's ids are kept per state of the public data and the items of a kept
    page read by id. `values`: of the statement's named parameters."""
    if read_by_id is not None and offset >= IDS_FIRST_DEEP:
        return _deep_page_items(query, limit, offset, public, read_by_id, values)
    statement, key = _derived(query, "page", limit, offset) if public else (query.limit(limit).offset(offset), None)
    if key is not None:
        key = key + _values_key(values)

    def read():
        described = statement.column_descriptions
        if any(isinstance(column["expr"], type) for column in described):  # objects of an entity: the ORM's
            found = db.session.execute(statement, values).unique()
        else:
            found = read_rows(statement, values)
        return list(found.scalars() if len(described) == 1 else found.all())

    if read_by_id is None:
        return read()
    ids, items = _kept_ids(key, public, read)
    if items is None:
        by_id = read_by_id(ids)
        items = [by_id[i] for i in ids if i in by_id]
    return items


# How deep a page read by id (`read_by_id`) may lie and still be read whole, its rows with their text: deeper, its
# ids are read first, then its rows by primary key (_deep_page_items).
IDS_FIRST_DEEP = 200


def _deep_page_items(query, limit, offset, public, read_by_id, values):
    """The items of a page deep in a list: the ids from `offset` first, then the items by id. Reading the page's
    rows with the offset read every row before it, text, agency and all (page 2,000 of the list: 100–170 ms at
    50,000 challenges); its ids alone come from the sort index without the table (an index-only scan: the sort
    indexes carry what the public condition reads, models/challenge.py), 5–10 ms. With `public`, the ids are
    kept per state of the public data like a page's."""
    statement, key = _derived(query, "ids", limit, offset) if public else (_ids_statement(query, limit, offset), None)

    def read_ids():
        return tuple(read_rows(statement, values).scalars())

    ids = public_data.kept_while_unchanged(("ids",) + key + _values_key(values), read_ids) if public else read_ids()
    by_id = read_by_id(list(ids)) if ids else {}
    return [by_id[i] for i in ids if i in by_id]


def _ids_statement(query, limit, offset):
    """`query`'s page of ids: its first selected column (the id, as for the count), in its order."""
    return query.with_only_columns(*query.selected_columns[:1]).limit(limit).offset(offset)


def _kept_ids(key, public, read):
    """read() gives the items of a page (each with an `id`). With `public`, the ids of the items are kept per
    state of the public data under `key` (its statement's); (ids, the items read now, or None when the ids were
    kept)."""
    if not public:
        items = read()
        return [item.id for item in items], items
    fresh = []

    def read_ids():
        fresh.extend(read())
        return tuple(item.id for item in fresh)

    ids = public_data.kept_while_unchanged(("ids",) + key, read_ids)
    return list(ids), (fresh if fresh or not ids else None)


def ids_alone(ids):
    """A `read_by_id` for who keeps what it shows of each item itself: the items of a page whose ids are kept
    are those ids, and nothing is read (the items of a page read now are still its rows or objects)."""
    return {item_id: item_id for item_id in ids}


def ids_and_read(items):
    """(The ids of a page's items, {id: item} of those read now) for a page paged with `ids_alone`, whose items
    are its ids (they were kept) or its rows or objects (read now)."""
    read = {item.id: item for item in items if not isinstance(item, int)}
    return [item if isinstance(item, int) else item.id for item in items], read


def paginate(query, page, per_page, public=False, clamp=False, read_by_id=None, values=None):
    """`query` already ordered, selecting one entity (the page's items are its objects) or an entity and more
    columns (the items are rows: a page with figures of its own in one statement); page numbers start at 1.

    `public`: the query reads public tables only and does not depend on the time, so its total is counted once
    per state of the public data (counting 46,000 public challenges costs 50–100 ms at every request).
    `clamp`: a page past the last is the last one (a link kept after items went away), not an empty page.
    `read_by_id(ids)` ({id: item}): with `public`, the page's ids are kept too and its items read again by id: a
    page sorted by deadline or budget, or deep in the list, reads twenty rows by primary key instead of walking an
    index (or sorting) past every row before it.
    `values`: of the query's named parameters (a search's statement is the same for every search of its shape,
    services/challenges); they are part of what a kept answer is keyed by.

    Two statements: the count reads only the first selected column with no order (an index-only scan where an
    index covers the filters), and the page reads its rows in index order with LIMIT; a first page that is not
    full is not counted (_first_page). A window count in the same
    statement was one round trip fewer but made the database build and sort every matching row, text and all
    (400 ms at 50,000 challenges instead of a few).
    """
    if page <= 1:
        items, total = _first_page(query, per_page, public, read_by_id, values)
        return Page(items=items, total=total, page=1, per_page=per_page)
    total = _count(query, public, values=values)
    if clamp:
        page = max(1, min(page, Page([], total, page, per_page).pages))
    offset = (page - 1) * per_page
    items = []
    if offset < total:
        items = _page_items(query, per_page, offset, public, read_by_id, values)
    return Page(items=items, total=total, page=page, per_page=per_page)
