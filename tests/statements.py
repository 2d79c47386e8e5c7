"""Counting the SQL statements the app sends, for tests that hold a page or a service to a fixed number."""
from sqlalchemy import event

from marketplace.extensions import db


class Statements:
    """Counts the SQL statements the app sends while it is open (`count`), and keeps their SQL (`sql`)."""

    def __enter__(self):
        self.count = 0
        self.sql = []
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, conn, cursor, statement, *args):
        self.count += 1
        self.sql.append(statement)

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)
