"""A notice keeps the message it was written from (message id and parameters), so it is shown in the reader's
language of the day. Nullable: the notices already there keep their stored text and are shown as before.

Revision ID: 0035_notification_messages
Revises: 0034_email_calendar_method
"""
import sqlalchemy as sa
from alembic import op

revision = "0035_notification_messages"
down_revision = "0034_email_calendar_method"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("title_message", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("body_message", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("body_message")
        batch.drop_column("title_message")
