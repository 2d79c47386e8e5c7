"""An index for the audit events on one object (the platform trail filtered by organisation).

The platform's audit trail (/admin/audit) filtered by an organisation reads the events on the organisation itself
and on its people (object_type, object_id); with no index on them, that part of the filter read the whole trail,
millions of rows at national scale.

Revision ID: 0032_audit_events_by_object
Revises: 0031_public_search_index
"""
from alembic import op

revision = "0032_audit_events_by_object"
down_revision = "0031_public_search_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_events_object_type_object_id", "audit_events", ["object_type", "object_id"])


def downgrade():
    op.drop_index("ix_audit_events_object_type_object_id", table_name="audit_events")
