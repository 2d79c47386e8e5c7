"""Tell PostgreSQL that reading a page out of order costs little more than reading it in order.

Agora's tables fit in memory (the 50,000-challenge data set is a few hundred megabytes), on SSD otherwise; the
default `random_page_cost` of 4 assumes spinning disks. With it, a search word found in a fifth of the challenges
("leaks": 9,500 of 50,000) was answered by reading and testing every row (170 ms) rather than from the GIN index
(65 ms). 1.1 is PostgreSQL's usual advice for SSD and cached data. Set for this database, so new connections take
it; a role that may not alter the database gets a warning and the default (operations.md says how to set it).

Revision ID: 0025_planner_costs
Revises: 0024_search_statistics
"""
from alembic import op

revision = "0025_planner_costs"
down_revision = "0024_search_statistics"
branch_labels = None
depends_on = None

_SET = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET random_page_cost = {value}', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'random_page_cost not set for this database (%): see docs/operations.md', SQLERRM;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_SET.format(value="1.1"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_SET.format(value="DEFAULT"))
