"""In-app notifications: the inbox and its unread count."""
from sqlalchemy import func, select

from ..extensions import db
from ..models import Notification


def unread_count(user):
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
