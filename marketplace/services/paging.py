"""One page of a query's results, with the total: the challenge list, the API's lists."""
from dataclasses import dataclass

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.services.open_data import public_data


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    more: bool = False  # True when there are more than `total` items (a bounded count)

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))


def _count(statement, public):
    return kept_scalar(statement) if public else db.session.scalar(statement)


def kept_scalar(statement):
    """The value `statement` gives, a statement over public tables only that does not depend on the time: kept
    until the public data change (see public_data), keyed by its SQL and parameters."""
    compiled = statement.compile(dialect=db.session.get_bind().dialect)
    key = (str(compiled), tuple(sorted((name, repr(value)) for name, value in compiled.params.items())))
    return public_data.kept_while_unchanged(key, lambda: db.session.scalar(statement))


def paginate(query, page, per_page, public=False):
    """`query` already ordered, selecting one entity; page numbers start at 1.

    `public`: the query reads public tables only and does not depend on the time, so its total is counted once
    per state of the public data (counting 46,000 public challenges costs 50–100 ms at every request).

    Two statements: the count reads only the first selected column with no order (an index-only scan where an
    index covers the filters), and the page reads its rows in index order with LIMIT. A window count in the same
    statement was one round trip fewer but made the database build and sort every matching row, text and all
    (400 ms at 50,000 challenges instead of a few).
    """
    total = _count(select(func.count()).select_from(
        query.with_only_columns(*query.selected_columns[:1]).order_by(None).subquery()), public)
    offset = (page - 1) * per_page
    items = list(db.session.scalars(query.limit(per_page).offset(offset)).unique()) if offset < total else []
    return Page(items=items, total=total, page=page, per_page=per_page)


def paginate_bounded(query, page, per_page, bound, public=False):
    """Like paginate, for queries that may match very many rows (a text search): the total is exact up to
    `bound` (`more` says there are more), and only the first `bound` rows can be paged through, so neither the
    count nor a deep page ever reads past `bound` + 1 matches."""
    counted = _count(select(func.count()).select_from(
        query.with_only_columns(*query.selected_columns[:1]).order_by(None).limit(bound + 1).subquery()), public)
    total, more = min(counted, bound), counted > bound
    offset = (page - 1) * per_page
    items = []
    if offset < total:
        items = list(db.session.scalars(query.limit(min(per_page, total - offset)).offset(offset)).unique())
    return Page(items=items, total=total, page=page, per_page=per_page, more=more)
