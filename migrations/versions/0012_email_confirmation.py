"""When each person confirmed their email address; everyone already registered counts as confirmed.

Revision ID: 0012_email_confirmation
Revises: 0010_pilot_budget_increases
"""
import sqlalchemy as sa
from alembic import op


revision = "0012_email_confirmation"
down_revision = "0010_pilot_budget_increases"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    # Accounts made before confirmation existed (demo and invited people included) keep working as they did.
    op.execute(sa.text("UPDATE users SET email_confirmed_at = CURRENT_TIMESTAMP"))


def downgrade():
    op.drop_column("users", "email_confirmed_at")
