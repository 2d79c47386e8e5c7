"""Saved searches of the challenge list, and the alerts of newly published challenges they find.

A saved search keeps the list page's own query arguments (`ChallengeFilters.to_args`), so opening it is opening
the list with those filters, and a new challenge matches it when the list's own query (`filtered_query`) keeps
it. When a challenge is published, each saved search with alerts is asked once (one statement each):

* immediate: a notice, and its email according to the person's email preference (now, or in their daily digest);
* daily: a notice that waits for the daily digest (`notifications.DIGEST_ONLY_KINDS`), whatever the preference;
* off: nothing is sent; the search stays one click away on the person's list.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from marketplace.extensions import db
from marketplace.models import Challenge, SavedSearch, User
from marketplace.models.saved_search import ALERT_CHOICES, ALERT_DAILY, ALERT_IMMEDIATE, ALERT_OFF
from marketplace.services import permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.challenges.challenges import ChallengeFilters, filtered_query
from marketplace.services.errors import NotFound, ValidationFailed
from marketplace.services.messaging import links
from marketplace.services.messaging.events import record_change
from marketplace.services.messaging.mail import recipient_locale
from marketplace.services.messaging.outbox import handles

NAME_MAX = 100
MAX_SAVED_SEARCHES = 20
ALERT_LABELS = {ALERT_IMMEDIATE: _l("Email me at once"), ALERT_DAILY: _l("In my daily digest"),
                ALERT_OFF: _l("No alerts")}
NAME_PROBLEM = _l("Give the search a name of at most 100 characters.")  # = NAME_MAX
ALERTS_PROBLEM = _l("Choose how you want to hear of new challenges.")
IMMEDIATE_KIND, DAILY_KIND = "search.alert", "search.daily"


def filters_of(saved):
    """The ChallengeFilters a saved search stands for."""
    pairs = [(name, v) for name, value in (saved.filters or {}).items()
             for v in (value if isinstance(value, list) else [value])]
    return ChallengeFilters.from_args(MultiDict(pairs))


def save_search(user, *, name, args, alerts):
    """Save the list's current filters (`args`, its query arguments) under a name, with how to be alerted. A filter
    that cannot be read (an unknown sector, a budget that is no amount, words past the limit) is refused, never
    dropped: the search and its alerts would find more than was asked for."""
    permissions.require(user, "search.save")
    filters = ChallengeFilters.from_args(args)
    errors = dict(filters.problems())
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        errors["name"] = NAME_PROBLEM
    if alerts not in ALERT_CHOICES:
        errors["alerts"] = ALERTS_PROBLEM
    count = db.session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user.id))
    if count >= MAX_SAVED_SEARCHES:
        errors[""] = _l("You can keep at most %(n)s saved searches. Delete one first.", n=MAX_SAVED_SEARCHES)
    if errors:
        raise ValidationFailed(errors)
    saved = SavedSearch(user_id=user.id, name=name, filters=filters.to_args(),
                        alerts=alerts)
    db.session.add(saved)
    record_change(user, "saved_search.created", saved, after={"name": name, "filters": saved.filters,
                                                               "alerts": alerts})
    db.session.commit()
    return saved


def searches_of(user):
    permissions.require(user, "search.save")
    return db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id)
                              .order_by(SavedSearch.created_at, SavedSearch.id)).all()


def delete_search(user, search_id):
    saved = db.session.get(SavedSearch, search_id)
    if saved is None or not permissions.can(user, "saved_search.manage", saved):
        raise NotFound(str(_l("We could not find that saved search.")))
    record_change(user, "saved_search.deleted", saved, before={"name": saved.name, "filters": saved.filters})
    db.session.delete(saved)
    db.session.commit()
    return saved


def results_path(saved):
    return links.saved_search_results_path(saved.filters or {})


def finds(saved, challenge):
    """True when the saved search's list holds this challenge (one statement)."""
    query, _rank = filtered_query(filters_of(saved), language=recipient_locale(saved.user))
    return bool(db.session.scalar(select(exists(query.where(Challenge.id == challenge.id)))))


@handles("challenge.published")
def alert_saved_searches(event):
    """Tell the people whose saved searches find the challenge just published, once per search."""
    from marketplace.services.messaging import notifications

    challenge = db.session.get(Challenge, event.payload.get("challenge_id") or event.payload.get("object_id"))
    if challenge is None or not lifecycle.state_of(challenge).takes_pitches:
        return
    searches = db.session.scalars(
        select(SavedSearch).join(User, User.id == SavedSearch.user_id).options(joinedload(SavedSearch.user))
        .where(SavedSearch.alerts.in_((ALERT_IMMEDIATE, ALERT_DAILY)), User.is_suspended.is_(False))
        .order_by(SavedSearch.id)
    ).all()
    link = links.challenge_path(challenge)
    notices = []
    for saved in searches:
        if not finds(saved, challenge):
            continue
        immediate = saved.alerts == ALERT_IMMEDIATE
        notices.append(notifications.Notice(
            saved.user, IMMEDIATE_KIND if immediate else DAILY_KIND,
            _l("New challenge for your search “%(name)s”: %(title)s", name=saved.name, title=challenge.title),
            f"search:{saved.id}:{challenge.id}", body=challenge.summary or "", link=link,
            email_template="saved_search_alert" if immediate else None,
            email_context={"search_name": saved.name, "challenge_title": challenge.title,
                           "challenge_summary": challenge.summary, "challenge_language": challenge.language,
                           "agency_name": challenge.agency.name if challenge.agency else "",
                           "challenge_url": links.absolute(link),
                           "search_url": links.absolute(results_path(saved))}))
    notifications.notify_all(notices)
