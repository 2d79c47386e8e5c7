"""A market consultation keeps no pilot duration, and its answers' third step is `cost`.

No pilot follows a market consultation (lifecycle.ranks_pitches): its pages neither ask nor show an expected pilot
duration, and the services store none. Consultations saved before that still held one, shown nowhere: it is cleared,
and so is a duration kept on an answer to a consultation never submitted. A submitted answer keeps its value: it is
sealed into the SHA-256 digest of its receipt, which must still verify (and it is shown nowhere).

The third step of an answer to a consultation is now `cost` (its address `/pitch/cost`, pitches.CONSULTATION_STEPS):
text kept unsaved for that step under its old name `pilot` is moved to the new one.

Revision ID: 0041_consultation_no_pilot
Revises: 0040_public_catalogue_index
"""
from alembic import op

revision = "0041_consultation_no_pilot"
down_revision = "0040_public_catalogue_index"
branch_labels = None
depends_on = None

# As models/challenge.py names the kind when this was written (a migration does not change with the model).
CONSULTATIONS = "SELECT id FROM challenges WHERE kind = 'market_consultation'"


def upgrade():
    op.execute("UPDATE challenges SET pilot_duration_weeks = NULL "
               "WHERE kind = 'market_consultation' AND pilot_duration_weeks IS NOT NULL")
    op.execute(f"UPDATE pitches SET pilot_duration_weeks = NULL WHERE challenge_id IN ({CONSULTATIONS}) "
               "AND pilot_duration_weeks IS NOT NULL AND receipt_digest IS NULL")
    op.execute(f"UPDATE unsaved_pitch_steps SET step = 'cost' WHERE step = 'pilot' "
               f"AND challenge_id IN ({CONSULTATIONS})")


def downgrade():
    # A cleared duration meant nothing and is not brought back; the kept text goes back to the step's old name.
    op.execute(f"UPDATE unsaved_pitch_steps SET step = 'pilot' WHERE step = 'cost' "
               f"AND challenge_id IN ({CONSULTATIONS})")
