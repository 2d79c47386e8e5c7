"""An email's calendar file keeps its iTIP method (REQUEST or CANCEL), said by the code that built it, instead of
the sender reading it back out of the file's text.

Revision ID: 0034_email_calendar_method
Revises: 0033_sqlite_search_ligatures
"""
import sqlalchemy as sa
from alembic import op

revision = "0034_email_calendar_method"
down_revision = "0033_sqlite_search_ligatures"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("email_deliveries") as batch:
        batch.add_column(sa.Column("calendar_method", sa.String(16), nullable=True))
    # The calendars already queued: each says its method on a line of its own (RFC 5545 content lines).
    op.execute("UPDATE email_deliveries SET calendar_method = CASE WHEN calendar LIKE '%METHOD:CANCEL%' "
               "THEN 'CANCEL' ELSE 'REQUEST' END WHERE calendar IS NOT NULL")


def downgrade():
    with op.batch_alter_table("email_deliveries") as batch:
        batch.drop_column("calendar_method")
