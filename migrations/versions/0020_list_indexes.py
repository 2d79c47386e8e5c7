"""Indexes for the public lists: newest first, and counted by status, over published challenges only.

Revision ID: 0020_list_indexes
Revises: 0013_challenge_search
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_list_indexes"
down_revision = "0013_challenge_search"
branch_labels = None
depends_on = None

PUBLISHED = sa.text("published_at IS NOT NULL")


def upgrade():
    op.create_index("ix_challenges_public_newest", "challenges", ["published_at", "id"],
                    postgresql_where=PUBLISHED, sqlite_where=PUBLISHED)
    op.create_index("ix_challenges_public_status", "challenges", ["status", "published_at", "id"],
                    postgresql_where=PUBLISHED, sqlite_where=PUBLISHED)


def downgrade():
    op.drop_index("ix_challenges_public_status", table_name="challenges")
    op.drop_index("ix_challenges_public_newest", table_name="challenges")
