"""Emails are claimed by their due time; matching finds a sector's companies by index.

Revision ID: 0005_email_queue
Revises: 0004_api_tokens
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_email_queue"
down_revision = "0004_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("email_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
    # Everything not yet sent is due now: the worker's next sweep takes it (queued, or failed and retried).
    op.execute("UPDATE email_deliveries SET next_attempt_at = created_at WHERE status <> 'sent'")
    with op.batch_alter_table("email_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_email_deliveries_next_attempt_at", ["next_attempt_at"], unique=False,
                              postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
                              sqlite_where=sa.text("next_attempt_at IS NOT NULL"))
    with op.batch_alter_table("organisation_sectors", schema=None) as batch_op:
        batch_op.create_index("ix_organisation_sectors_cpv_division", ["cpv_division", "organisation_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("organisation_sectors", schema=None) as batch_op:
        batch_op.drop_index("ix_organisation_sectors_cpv_division")
    with op.batch_alter_table("email_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_email_deliveries_next_attempt_at")
        batch_op.drop_column("next_attempt_at")
