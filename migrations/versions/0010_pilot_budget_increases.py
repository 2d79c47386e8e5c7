"""Budget increases of a pilot, each approved by a second person before payments may use it.

Revision ID: 0010_pilot_budget_increases
Revises: 0009_audit_anchors
"""
import sqlalchemy as sa
from alembic import op


revision = "0010_pilot_budget_increases"
down_revision = "0009_audit_anchors"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pilot_budget_increases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["pilot_id"], ["pilots.id"], name=op.f("fk_pilot_budget_increases_pilot_id_pilots"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"],
                                name=op.f("fk_pilot_budget_increases_requested_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"],
                                name=op.f("fk_pilot_budget_increases_approved_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_budget_increases")),
    )
    op.create_index(op.f("ix_pilot_budget_increases_pilot_id"), "pilot_budget_increases", ["pilot_id"])


def downgrade():
    op.drop_index(op.f("ix_pilot_budget_increases_pilot_id"), table_name="pilot_budget_increases")
    op.drop_table("pilot_budget_increases")
