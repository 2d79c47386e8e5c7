"""Challenges: writing, publishing, cancelling, finding."""
from sqlalchemy import select

from ..extensions import db
from ..models import Challenge
from ..models.challenge import PUBLISHED


def latest_open_challenges(limit=6):
    return list(
        db.session.scalars(
            select(Challenge).where(Challenge.status == PUBLISHED).order_by(Challenge.published_at.desc()).limit(limit)
        )
    )
