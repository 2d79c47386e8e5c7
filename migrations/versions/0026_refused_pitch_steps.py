"""A pitch step refused with reasons keeps what was typed too, marked `refused`, so that loading the page again
(the language switcher does) shows the text and the reasons instead of the saved draft.

Revision ID: 0026_refused_pitch_steps
Revises: 0025_planner_costs
"""
import sqlalchemy as sa
from alembic import op

revision = "0026_refused_pitch_steps"
down_revision = "0025_planner_costs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("unsaved_pitch_steps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refused", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("unsaved_pitch_steps", schema=None) as batch_op:
        batch_op.drop_column("refused")
