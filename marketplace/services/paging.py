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

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))


def paginate(query, page, per_page):
    """`query` already ordered, selecting one entity; page numbers start at 1.

    The total rides along with the page's rows as a window count, so a page costs one round trip to the
    database instead of two; only a page past the end, which has no row to carry it, counts on its own.
    """
    rows = db.session.execute(
        query.add_columns(func.count().over().label("total")).limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        return Page(items=[row[0] for row in rows], total=rows[0].total, page=page, per_page=per_page)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) if page > 1 else 0
    return Page(items=[], total=total, page=page, per_page=per_page)
