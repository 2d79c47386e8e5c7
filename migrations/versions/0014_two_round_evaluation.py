"""Evaluation in two rounds: the shortlist is sent before the final decisions; feedback is confirmed before sending.

Revision ID: 0014_two_round_evaluation
Revises: 0018_pitch_receipts
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_two_round_evaluation"
down_revision = "0018_pitch_receipts"
branch_labels = None
depends_on = None

FK = "fk_pitch_assessments_feedback_confirmed_by_id_users"


def upgrade():
    op.add_column("evaluations", sa.Column("shortlist_sent_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("pitch_assessments") as batch:
        batch.add_column(sa.Column("feedback_confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("feedback_confirmed_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f(FK), "users", ["feedback_confirmed_by_id"], ["id"], ondelete="SET NULL")
    # Decisions sent before this change went out with their feedback as it stood: that counts as confirmed.
    op.execute("UPDATE pitch_assessments SET feedback_confirmed_at = published_at, "
               "feedback_confirmed_by_id = decided_by_id WHERE published_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table("pitch_assessments") as batch:
        batch.drop_constraint(op.f(FK), type_="foreignkey")
        batch.drop_column("feedback_confirmed_by_id")
        batch.drop_column("feedback_confirmed_at")
    op.drop_column("evaluations", "shortlist_sent_at")
