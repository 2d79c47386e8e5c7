"""SQLite's stored search words written again with ligatures unfolded ('cœur' → 'coeur'), as PostgreSQL's unaccent
writes them: before, "coeur" found "cœur" on PostgreSQL only. No change of schema; PostgreSQL's documents are
made by unaccent and need nothing.

Revision ID: 0033_sqlite_search_ligatures
Revises: 0032_audit_events_by_object
"""
from alembic import op

from marketplace.services.challenges.search import bulk_update_documents

revision = "0033_sqlite_search_ligatures"
down_revision = "0032_audit_events_by_object"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        bulk_update_documents(op.get_bind())


def downgrade():
    pass  # the words folded further find everything they found before
