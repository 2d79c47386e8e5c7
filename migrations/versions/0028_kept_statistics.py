"""The figures of /stats kept in the database per public data token: computed once for the whole platform, not
once per web process and restart.

Revision ID: 0028_kept_statistics
Revises: 0027_term_counts
"""
import sqlalchemy as sa
from alembic import op

revision = "0028_kept_statistics"
down_revision = "0027_term_counts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kept_statistics",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_kept_statistics")),
    )


def downgrade():
    op.drop_table("kept_statistics")
