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
    _rebuild(pattern_ops=True)


def downgrade():
    _rebuild(pattern_ops=False)


def _rebuild(pattern_ops):
    """The new index is built beside the old one and takes its name, without holding writes: the audit trail is
    the platform's largest table and every audited action writes to it, which a plain CREATE INDEX (a lock for
    the whole build) would stop. CONCURRENTLY cannot run in a transaction, hence the autocommit block."""
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        # A build interrupted before (CONCURRENTLY leaves an invalid index behind) is started again.
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_audit_events_action_rebuilt")
        op.create_index("ix_audit_events_action_rebuilt", "audit_events", ["action"], postgresql_concurrently=True,
                        postgresql_ops={"action": "varchar_pattern_ops"} if pattern_ops else {})
        op.drop_index("ix_audit_events_action", table_name="audit_events", postgresql_concurrently=True)
        op.execute("ALTER INDEX ix_audit_events_action_rebuilt RENAME TO ix_audit_events_action")
