"""The public sort indexes carry the columns the public condition and their expressions read (PostgreSQL INCLUDE).

A page deep in a list (page 2,000 of the challenges by deadline) read every row before it from the table, 100–170 ms
at 50,000 challenges: the indexes gave the order but not `status` (the public condition's `status <> 'draft'`) nor,
for the budget and deadline orders, the columns their expressions are made of, so PostgreSQL could not read the
page's ids from the index alone. With those columns included it can (an index-only scan, 5–10 ms), and the page's
rows are then read by id (services/paging.py). SQLite has no INCLUDE: nothing changes there.

Revision ID: 0039_sort_indexes_carry_filters
Revises: 0038_deadline_taking_pitches
"""
from alembic import op

revision = "0039_sort_indexes_carry_filters"
down_revision = "0038_deadline_taking_pitches"
branch_labels = None
depends_on = None

# As models/challenge.py's indexes were when this was written (a migration does not change with the model).
INDEXES = (
    ("ix_challenges_public_newest", "published_at, id", "status"),
    ("ix_challenges_public_deadline", "(CASE WHEN status = 'published' THEN 0 ELSE 1 END), pitch_deadline, id",
     "status"),
    ("ix_challenges_public_budget_high", "coalesce(budget_max, budget_min, 0) DESC, id",
     "budget_max, budget_min, status"),
    ("ix_challenges_public_budget_low", "coalesce(budget_min, budget_max, 0), id", "budget_max, budget_min, status"),
)


def _rebuild(included):
    """Each index built anew beside the old one, then put in its place, without holding writes (challenges are
    published and moved meanwhile): CONCURRENTLY, outside a transaction. A rebuild interrupted before is started
    again: the half-built new index is dropped first, and an old one already dropped is not asked for."""
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        for name, keys, columns in INDEXES:
            include = f" INCLUDE ({columns})" if included else ""
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}_new")
            op.execute(f"CREATE INDEX CONCURRENTLY {name}_new ON challenges ({keys}){include} "
                       "WHERE published_at IS NOT NULL")
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            op.execute(f"ALTER INDEX {name}_new RENAME TO {name}")


def upgrade():
    _rebuild(included=True)


def downgrade():
    _rebuild(included=False)
