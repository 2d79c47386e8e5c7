""""Deadline soonest" lists the challenges still taking pitches first, then the others: an index in that order.

The list and the API sorted by deadline read ix_challenges_pitch_deadline, oldest deadline first: with no status
filter every challenge completed or cancelled years ago came before the open ones, which were on the last pages. The
order is now (taking pitches first, the deadline, the id), read from this index over the public challenges, so a
page still reads its rows in order and stops (LIMIT), never sorting every challenge.

Revision ID: 0038_deadline_taking_pitches
Revises: 0037_question_languages
"""
from contextlib import nullcontext

from alembic import op
from sqlalchemy import text

revision = "0038_deadline_taking_pitches"
down_revision = "0037_question_languages"
branch_labels = None
depends_on = None

# As models/challenge.py's DEADLINE_SORT_INDEX was when this was written (a migration does not change with the model).
NAME, EXPRESSION = "ix_challenges_public_deadline", "(\nCASE\n    WHEN status = 'published' THEN 0\n    ELSE 1\nEND)"


def upgrade():
    # Built without holding writes on PostgreSQL (challenges are published and moved while it builds):
    # CONCURRENTLY cannot run in a transaction, hence the autocommit block.
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.get_context().autocommit_block() if postgresql else nullcontext():
        if postgresql:  # a build interrupted before (CONCURRENTLY leaves an invalid index behind) is started again
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
        op.create_index(NAME, "challenges", [text(EXPRESSION), "pitch_deadline", "id"],
                        postgresql_where=text("published_at IS NOT NULL"),
                        sqlite_where=text("published_at IS NOT NULL"), postgresql_concurrently=postgresql)


def downgrade():
    op.drop_index(NAME, table_name="challenges")

