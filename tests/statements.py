"""Counting the SQL statements the app sends, for tests that hold a page or a service to a fixed number."""
from sqlalchemy import event

from marketplace.extensions import db


class Statements:
    """Counts the SQL statements the app sends while it is open."""

    def __enter__(self):
        self.count = 0
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, *args):
        self.count += 1

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)
