"""Saved searches of the challenge list with their alerts, and each person's private calendar feed token.

Revision ID: 0019_saved_searches
Revises: 0014_two_round_evaluation
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_saved_searches"
down_revision = "0014_two_round_evaluation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("alerts", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_saved_searches_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
    )
    with op.batch_alter_table("saved_searches") as batch:
        batch.create_index(batch.f("ix_saved_searches_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_saved_searches_alerts"), ["alerts"], unique=False)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("calendar_token", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(batch.f("uq_users_calendar_token"), ["calendar_token"])


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("uq_users_calendar_token"), type_="unique")
        batch.drop_column("calendar_token")
    op.drop_table("saved_searches")
