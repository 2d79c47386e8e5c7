"""An index that holds what each process keeps of the public challenges to answer text searches.

Text searches are answered from arrays each process keeps per state of the public data
(services/challenges/catalogue.py): every public challenge's id, status, agency, budgets, times of change,
deadline and publication. Read from the table, those are 46,000 rows of text (100 MB) for a few columns; read
from this index (PostgreSQL's INCLUDE, an index-only scan), its entries alone. Built concurrently: challenges are
published meanwhile. On SQLite, which has no INCLUDE, a plain index of the public ids.

Revision ID: 0040_public_catalogue_index
Revises: 0039_sort_indexes_carry_filters
"""
from alembic import op

revision = "0040_public_catalogue_index"
down_revision = "0039_sort_indexes_carry_filters"
branch_labels = None
depends_on = None

NAME = "ix_challenges_public_catalogue"
# As models/challenge.py's CATALOGUE_INCLUDES was when this was written.
INCLUDES = "status, agency_id, budget_min, budget_max, updated_at, pitch_deadline, published_at"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        op.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON challenges (id) WHERE published_at IS NOT NULL")
        return
    with op.get_context().autocommit_block():
        # An interrupted build leaves an invalid index: dropped, then built again.
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
        op.execute(f"CREATE INDEX CONCURRENTLY {NAME} ON challenges (id) INCLUDE ({INCLUDES}) "
                   "WHERE published_at IS NOT NULL")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {NAME}")
        return
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
