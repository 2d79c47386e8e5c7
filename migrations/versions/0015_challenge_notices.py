"""Dated public notices of the corrections and extensions made to a published challenge.

Revision ID: 0015_challenge_notices
Revises: 0020_list_indexes
"""
import sqlalchemy as sa
from alembic import op


revision = "0015_challenge_notices"
down_revision = "0020_list_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "challenge_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"],
                                name=op.f("fk_challenge_notices_challenge_id_challenges"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_challenge_notices_author_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_notices")),
    )
    op.create_index(op.f("ix_challenge_notices_challenge_id"), "challenge_notices", ["challenge_id"])


def downgrade():
    op.drop_index(op.f("ix_challenge_notices_challenge_id"), table_name="challenge_notices")
    op.drop_table("challenge_notices")
