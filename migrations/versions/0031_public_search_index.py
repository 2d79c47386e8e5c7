"""The search's GIN index over public challenges only, and statistics on the budget filters' expressions.

At 50,000 challenges a search never asked before counted its matches (up to 1,001) in 8–14 ms: PostgreSQL AND-ed
the GIN index with a whole partial budget index only to learn which rows are public (46,000 entries), because the
budget expressions had no statistics it would use (a partial index's are ignored) and the GIN index covered drafts
too. With the index partial like the searches' condition and the statistics, the count reads the GIN index and the
matching rows alone (3 ms).

Revision ID: 0031_public_search_index
Revises: 0030_questions_by_company
"""
import sqlalchemy as sa
from alembic import op

from marketplace.models.challenge import BUDGET_STATISTICS, CREATE_BUDGET_STATISTICS, PUBLIC_CONDITION

revision = "0031_public_search_index"
down_revision = "0030_questions_by_company"
branch_labels = None
depends_on = None


def upgrade():
    public = sa.text(PUBLIC_CONDITION)
    op.drop_index("ix_challenges_search_vector", table_name="challenges", postgresql_using="gin")
    op.create_index("ix_challenges_public_search", "challenges", ["search_vector"], postgresql_using="gin",
                    postgresql_where=public, sqlite_where=public)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE_BUDGET_STATISTICS)
        op.execute("ANALYZE challenges")  # the statistics are empty until the table is analysed


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, _ in BUDGET_STATISTICS:
            op.execute(f"DROP STATISTICS IF EXISTS {name}")
    op.drop_index("ix_challenges_public_search", table_name="challenges", postgresql_using="gin")
    op.create_index("ix_challenges_search_vector", "challenges", ["search_vector"], unique=False,
                    postgresql_using="gin")
