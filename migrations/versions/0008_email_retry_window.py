"""Email deliveries: `failing_since`, the start of the retry window; a delivery waiting for a retry is queued.

Revision ID: 0008_email_retry_window
Revises: 0007_token_expiry_and_totp
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_email_retry_window"
down_revision = "0007_token_expiry_and_totp"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("email_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True))
    # A failed delivery with a next attempt was waiting for a retry: it is queued now, failing since it was
    # queued. One without a next attempt was given up after ten attempts: it stays failed (re-queue it with
    # `flask mail requeue --failed` or from /admin/emails).
    op.execute("UPDATE email_deliveries SET status = 'queued', failing_since = created_at "
               "WHERE status = 'failed' AND next_attempt_at IS NOT NULL")


def downgrade():
    op.execute("UPDATE email_deliveries SET status = 'failed' WHERE status = 'queued' AND failing_since IS NOT NULL")
    with op.batch_alter_table("email_deliveries", schema=None) as batch_op:
        batch_op.drop_column("failing_since")
