"""The audit events' action index compares bytes on PostgreSQL (varchar_pattern_ops), for a family of actions.

The platform's audit trail (/admin/audit) filtered by a family of actions ("pitch": pitch.submitted, pitch.decided,
…) read `action LIKE 'pitch.%'`, which a B-tree in a database's locale other than C cannot serve: the whole trail
was read. It now reads the range of bytes from "pitch." up to "pitch/" with the pattern operators (~>=~, ~<~),
which this index serves; it still serves equality (action = 'pitch.submitted', the open data's reads). SQLite
compares the column's bytes already: its index is unchanged.

Revision ID: 0036_audit_action_families
Revises: 0035_notification_messages
"""
from alembic import op

revision = "0036_audit_action_families"
down_revision = "0035_notification_messages"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_audit_events_action", table_name="audit_events")
    op.create_index("ix_audit_events_action", "audit_events", ["action"],
                    postgresql_ops={"action": "varchar_pattern_ops"})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_audit_events_action", table_name="audit_events")
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
