"""'Challenges for you': the open challenges that match a company's profile, best first, and telling it of them.

`challenges_for(company)` scores every challenge open for pitches against the company with the scores and
reasons of `matching` — in a fixed number of statements, however many companies or challenges there are.

A company hears of a challenge once: when it is published (`matching.notify_matching_companies`) or, for a
company that registers or changes its profile while challenges are open, here (`tell_of_open_matches`). Either
way the `Match` row is the record that it was told; one email lists every challenge not told before.
"""
from dataclasses import dataclass

from flask_babel import lazy_ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.formatting import lazy, localtime
from marketplace.models import Challenge, Match, Organisation, Solution, organisation_terms
from marketplace.models.organisation import organisation_sectors
from marketplace.services import permissions
from marketplace.services.bulk import insert_new
from marketplace.services.challenges import lifecycle
from marketplace.services.challenges.challenges import sectors_by_challenge
from marketplace.services.clock import utcnow
from marketplace.services.matching import matching
from marketplace.services.messaging import links
from marketplace.services.messaging.mail import recipient_locale
from marketplace.services.messaging.outbox import handles


@dataclass
class ChallengeForYou:
    challenge: Challenge
    result: matching.MatchResult

    @property
    def score(self):
        return self.result.score

    @property
    def reasons(self):
        return self.result.reasons

    @property
    def deadline(self):
        return self.challenge.pitch_deadline


def challenges_for(company, now=None, published_by=None):
    """The challenges open for pitches now that match the company (at the threshold or above), best first;
    with `published_by`, only those published by then.

    Six statements whatever the number of companies and challenges: the open challenges with their agencies,
    their sectors, the number of companies and the words' document frequencies (the TF-IDF weights, as at
    publication), the company's indexed words and its sectors.
    """
    now = now or utcnow()
    query = select(Challenge).options(joinedload(Challenge.agency)).where(lifecycle.taking_pitches_condition(now))
    if published_by is not None:
        query = query.where(Challenge.published_at <= published_by)
    challenges = db.session.scalars(query.order_by(Challenge.id)).all()
    if not challenges or not permissions.is_company(company):
        return []
    profiles = matching.challenge_profiles(challenges, sectors_by_challenge([c.id for c in challenges]))
    terms = set(db.session.scalars(
        select(organisation_terms.c.term).where(organisation_terms.c.organisation_id == company.id)))
    sectors = set(db.session.scalars(
        select(organisation_sectors.c.cpv_division).where(organisation_sectors.c.organisation_id == company.id)))
    minimum = matching.threshold()
    found = []
    for challenge, profile in zip(challenges, profiles):
        result = matching.score_terms(profile, company, terms, sectors)
        if result.score >= minimum:
            found.append(ChallengeForYou(challenge, result))
    far_future = now.replace(year=9999)
    found.sort(key=lambda c: (-c.score, c.deadline or far_future, c.challenge.id))
    return found


def challenges_for_user(user):
    """The page's list for a company member; anyone else is refused."""
    permissions.require(user, "company.challenges_for_you", user.organisation)
    return challenges_for(user.organisation)


# --- telling a company of open challenges when its profile changes -----------------------------------------

def _company_of_event(event):
    if event.payload.get("object_type") == Solution.__tablename__:
        solution = db.session.get(Solution, event.payload.get("object_id"))
        return solution.organisation if solution is not None else None
    return db.session.get(Organisation, event.payload.get("object_id"))


@handles("organisation.registered", "organisation.profile_updated", "solution.added", "solution.edited")
def tell_of_open_matches(event):
    """One email to each member listing the open challenges that now match and were never told before.

    Only challenges already published when the profile changed: one published since is told by its own
    publication event (`matching.notify_matching_companies`), whichever of the two the worker runs first."""
    company = _company_of_event(event)
    if not permissions.is_company(company) or company.suspended:
        return
    tell_company(company, dedupe=f"foryou:{event.id}", published_by=event.created_at)


def tell_company(company, *, dedupe, published_by=None):
    """Record and announce the open matches the company has not been told of; returns the challenges told."""
    from marketplace.services.messaging import notifications

    found = {c.challenge.id: c for c in challenges_for(company, published_by=published_by)}
    if not found:
        return []
    now = utcnow()
    new_ids = set(insert_new(Match.__table__, [
        {"challenge_id": c.challenge.id, "organisation_id": company.id, "score": c.score,
         "reasons": c.result.reason_data, "created_at": now} for c in found.values()], Match.__table__.c.challenge_id))
    told = [c for c in found.values() if c.challenge.id in new_ids]
    told.sort(key=lambda c: (-c.score, c.challenge.id))
    if not told:
        return []
    link = links.challenges_for_you_path()
    notices = []
    for user in matching.members_of([company.id]).get(company.id, ()):
        locale = recipient_locale(user)
        items = []
        for c in told:
            deadline, *reasons = matching.in_locale(locale, lazy(localtime, c.deadline) if c.deadline else "",
                                                    *c.reasons)
            items.append({"title": c.challenge.title, "language": c.challenge.language, "url": links.absolute(links.challenge_path(c.challenge)),
                          "agency_name": c.challenge.agency.name if c.challenge.agency else "",
                          "pitch_deadline": deadline, "reasons": reasons})
        notices.append(notifications.Notice(
            user, "challenge.matched", dedupe_key=f"{dedupe}:{user.id}",
            title=lazy_ngettext("%(num)s open challenge matches %(company)s",
                                "%(num)s open challenges match %(company)s", len(told), company=company.name),
            body="\n".join(c.challenge.title for c in told), link=link, email_template="challenges_for_you",
            email_context={"company_name": company.name, "challenges": items,
                           "for_you_url": links.absolute(link)}))
    notifications.notify_all(notices)
    return [c.challenge for c in told]

