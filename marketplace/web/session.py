"""The session cookie and the signed-in user in it; a bumped session version logs old cookies out."""
from flask.sessions import SecureCookieSessionInterface

from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from ..models import Membership, User
from ..services.messaging.notifications import with_unread_count

# Nearly every signed-in page asks the person's role and organisation, and shows their unread notifications:
# read them with the person.
_WITH_ORGANISATION = (joinedload(User.membership).joinedload(Membership.organisation),)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, with its signing serializer made once per app rather than on every request."""

    def get_signing_serializer(self, app):
        serializer = app.extensions.get("session_serializer")
        if serializer is None:
            serializer = app.extensions["session_serializer"] = super().get_signing_serializer(app)
        return serializer


@login_manager.user_loader
def load_user(session_id):
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id), options=(*_WITH_ORGANISATION, with_unread_count()))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user
