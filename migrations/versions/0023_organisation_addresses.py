"""Organisations' postal addresses (street, postal code, locality, ISO 3166-1 alpha-2 country), all optional.

Revision ID: 0023_organisation_addresses
Revises: 0022_lean_signed_in_pages
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_organisation_addresses"
down_revision = "0022_lean_signed_in_pages"
branch_labels = None
depends_on = None

COLUMNS = (("street_address", 200), ("postal_code", 16), ("locality", 100), ("country", 2))


def upgrade():
    with op.batch_alter_table("organisations") as batch:
        for name, length in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=True))


def downgrade():
    with op.batch_alter_table("organisations") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
