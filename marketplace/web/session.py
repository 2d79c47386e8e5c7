"""Loading the signed-in user from the session; a bumped session version logs old cookies out."""
from ..extensions import db, login_manager
from ..models import User


@login_manager.user_loader
def load_user(session_id):
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or user.is_suspended:
        return None
    return user
