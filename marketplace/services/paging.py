"""One page of a query's results, with the total: the challenge list, the API's lists."""
from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db


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
    """`query` already ordered; page numbers start at 1."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)
