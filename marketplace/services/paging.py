"""One page of a query's results, with the total: the challenge list, the API's lists."""
from dataclasses import dataclass

from sqlalchemy import func, select

from marketplace.extensions import db


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


def paginate(query, page, per_page):
    """`query` already ordered, selecting one entity; page numbers start at 1.

    Two statements: the count reads only the first selected column with no order (an index-only scan where an
    index covers the filters), and the page reads its rows in index order with LIMIT. A window count in the same
    statement was one round trip fewer but made the database build and sort every matching row, text and all
    (400 ms at 50,000 challenges instead of a few).
    """
    total = db.session.scalar(select(func.count()).select_from(
        query.with_only_columns(*query.selected_columns[:1]).order_by(None).subquery()))
    offset = (page - 1) * per_page
    items = list(db.session.scalars(query.limit(per_page).offset(offset)).unique()) if offset < total else []
    return Page(items=items, total=total, page=page, per_page=per_page)


def paginate_bounded(query, page, per_page, bound):
    """Like paginate, for queries that may match very many rows (a text search): the total is exact up to
    `bound` (`more` says there are more), and only the first `bound` rows can be paged through, so neither the
    count nor a deep page ever reads past `bound` + 1 matches."""
    counted = db.session.scalar(select(func.count()).select_from(
        query.with_only_columns(*query.selected_columns[:1]).order_by(None).limit(bound + 1).subquery()))
    total, more = min(counted, bound), counted > bound
    offset = (page - 1) * per_page
    items = []
    if offset < total:
        items = list(db.session.scalars(query.limit(min(per_page, total - offset)).offset(offset)).unique())
    return Page(items=items, total=total, page=page, per_page=per_page, more=more)
