"""Company profiles, their showcase of solutions, and the challenges a company follows."""
from urllib.parse import urlparse

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import db
from marketplace.formatting import lazy, number
from marketplace.models import Follow, Membership, Organisation, Solution, User, organisation_sectors
from marketplace.models.organisation import AGENCY, COMPANY_SIZES
from marketplace.services import access, permissions
from marketplace.services.organisations import addresses
from marketplace.services.organisations.cpv import sector_problem
from marketplace.services.errors import NotFound, ValidationFailed
from marketplace.services.messaging.events import record_change, snapshot
from marketplace.services.paging import paginate

LIMITS = {"name": 200, "capability_statement": 5000, "keywords": 500, "website": 300, "registration_number": 64}
MAX_SOLUTIONS = 20
# Limits and messages the forms (marketplace/forms/companies.py) show too: written here only.
SOLUTION_TITLE_MAX, SOLUTION_DESCRIPTION_MAX = 200, 2000
SOLUTION_TITLE_PROBLEM = _l("Name the solution in 200 characters or fewer.")  # = SOLUTION_TITLE_MAX
SOLUTION_DESCRIPTION_PROBLEM = _l("Describe the solution in %(n)s characters or fewer.",
                                  n=lazy(number, SOLUTION_DESCRIPTION_MAX))
COMPANY_NAME_MISSING = _l("Enter your company’s name.")
WEB_ADDRESS_PROBLEM = _l("Enter a web address like https://example.be.")


def too_long(limit):
    """What a profile text longer than `limit` characters is told, by the service and by its form."""
    return _l("Use %(n)s characters or fewer.", n=lazy(number, limit))
PROFILE_FIELDS = ("name", "size", "website", "registration_number", "capability_statement", "keywords")


def _listed():
    """Organisations anyone may read (the open data lists them): every agency and the verified companies, none
    suspended."""
    return and_(Organisation.suspended.is_(False),
                or_(Organisation.kind == AGENCY, Organisation.verified.is_(True)))


def profile_readable(user, organisation):
    """Who reads an organisation's profile, on its page and in the API: anyone, once it is listed (an agency, a
    verified company); a company Agora has not verified yet only its own people, platform admins and agencies'
    staff (who meet it among the companies matched to their challenges); a suspended organisation nobody."""
    if organisation.suspended:
        return False
    if organisation.kind == AGENCY or organisation.verified:
        return True
    if permissions.is_admin(user) or permissions.can(user, "organisation.edit_profile", organisation):
        return True
    return permissions.signed_in(user) and permissions.is_agency(user.organisation) \
        and not user.organisation.suspended


def readable_organisation(user, slug):
    """The organisation at `slug` if `user` (anonymous too) may read its profile; not found otherwise."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None or not profile_readable(user, organisation):
        raise NotFound(str(_l("We could not find that organisation.")))
    return organisation


def listed_organisations(kind=None, page=1, per_page=20):
    query = select(Organisation).where(_listed())
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    return paginate(query.order_by(Organisation.name, Organisation.id), page, per_page)


def sectors_of(organisation):
    return sorted(db.session.scalars(select(organisation_sectors.c.cpv_division)
                                     .where(organisation_sectors.c.organisation_id == organisation.id)))


def _web_address(raw, errors):
    raw = (raw or "").strip()
    if not raw:
        return None
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlparse(raw)
    try:
        parts.port  # noqa: B018  (raises for "https://javascript:alert(1)" and friends)
        host_ok = bool(parts.hostname) and "." in parts.hostname and all(
            label.replace("-", "").isalnum() for label in parts.hostname.split("."))
    except ValueError:
        host_ok = False
    if parts.scheme not in ("http", "https") or not host_ok or " " in raw or len(raw) > LIMITS["website"]:
        errors["website"] = WEB_ADDRESS_PROBLEM
        return None
    return raw


def own_company(user):
    """The company whose profile `user` edits: their own; not found for anyone else (an agency's staff, a person
    of no organisation), as the profile pages answer."""
    organisation = user.organisation
    if organisation is None or not permissions.can(user, "organisation.edit_profile", organisation):
        raise NotFound(str(_l("We could not find that page.")))
    return organisation


def update_profile(user, data):
    organisation = own_company(user)
    errors, clean = {}, {}
    for name in ("name", "capability_statement", "keywords", "registration_number"):
        value = (data.get(name) or "").strip()
        if len(value) > LIMITS[name]:
            errors[name] = too_long(LIMITS[name])
        clean[name] = value or None
    if not clean["name"]:
        errors["name"] = COMPANY_NAME_MISSING
    clean["website"] = _web_address(data.get("website"), errors)
    size = data.get("size") or None
    if size not in (None, *COMPANY_SIZES):
        errors["size"] = _l("Choose a size from the list.")
    clean["size"] = size
    sectors = list(dict.fromkeys(data.get("sectors") or []))
    if problem := sector_problem(sectors):
        errors["sectors"] = problem
    if any(name in data for name in addresses.FIELDS):  # a caller that sends no address keeps the one kept
        clean.update(addresses.clean_address(data, errors, clean["registration_number"]))
    if errors:
        raise ValidationFailed(errors)
    before = {**snapshot(organisation, *PROFILE_FIELDS, *addresses.FIELDS), "sectors": sectors_of(organisation)}
    for name, value in clean.items():
        setattr(organisation, name, value)
    db.session.execute(organisation_sectors.delete().where(organisation_sectors.c.organisation_id == organisation.id))
    for code in sectors:
        db.session.execute(organisation_sectors.insert().values(organisation_id=organisation.id, cpv_division=code))
    record_change(user, "organisation.profile_updated", organisation, before=before,
                  after={**snapshot(organisation, *PROFILE_FIELDS, *addresses.FIELDS), "sectors": sorted(sectors)})
    db.session.commit()
    return organisation


def _solution_fields(title, description, url):
    """The showcase fields cleaned, or ValidationFailed naming each one that is not right."""
    errors = {}
    title, description = (title or "").strip(), (description or "").strip()
    if not title or len(title) > SOLUTION_TITLE_MAX:
        errors["title"] = SOLUTION_TITLE_PROBLEM
    if not description or len(description) > SOLUTION_DESCRIPTION_MAX:
        errors["description"] = SOLUTION_DESCRIPTION_PROBLEM
    url_errors = {}
    url = _web_address(url, url_errors)
    if url_errors:
        errors["url"] = url_errors["website"]
    return title, description, url, errors


def add_solution(user, *, title, description, url=""):
    organisation = own_company(user)
    title, description, url, errors = _solution_fields(title, description, url)
    count = db.session.query(Solution).filter(Solution.organisation_id == organisation.id).count()
    if count >= MAX_SOLUTIONS:
        errors[""] = _l("A profile shows at most %(n)s solutions. Remove one first.", n=MAX_SOLUTIONS)
    if errors:
        raise ValidationFailed(errors)
    solution = Solution(organisation_id=organisation.id, title=title, description=description, url=url)
    db.session.add(solution)
    record_change(user, "solution.added", solution, after={"title": title})
    db.session.commit()
    return solution


def own_solution(user, solution_id):
    """A solution on the user's company's profile that the user may change; NotFound for anyone else's."""
    solution = db.session.get(Solution, solution_id)
    if solution is None or not permissions.can(user, "organisation.edit_profile", solution.organisation):
        raise NotFound(str(_l("We could not find that solution.")))
    return solution


def update_solution(user, solution_id, *, title, description, url=""):
    solution = own_solution(user, solution_id)
    title, description, url, errors = _solution_fields(title, description, url)
    if errors:
        raise ValidationFailed(errors)
    before = {"title": solution.title, "description": solution.description, "url": solution.url}
    solution.title, solution.description, solution.url = title, description, url
    record_change(user, "solution.edited", solution, before=before,
                  after={"title": title, "description": description, "url": url})
    db.session.commit()
    return solution


def remove_solution(user, solution_id):
    solution = own_solution(user, solution_id)
    record_change(user, "solution.removed", solution, before={"title": solution.title})
    db.session.delete(solution)
    db.session.commit()


def public_profiles(organisation_ids):
    """{organisation id: (sectors, solutions)} for a page of organisations, in two statements (not two each)."""
    sectors, solutions = {i: [] for i in organisation_ids}, {i: [] for i in organisation_ids}
    if organisation_ids:
        for organisation_id, division in db.session.execute(
                select(organisation_sectors.c.organisation_id, organisation_sectors.c.cpv_division)
                .where(organisation_sectors.c.organisation_id.in_(organisation_ids))
                .order_by(organisation_sectors.c.cpv_division)):
            sectors[organisation_id].append(division)
        for solution in db.session.scalars(select(Solution).where(Solution.organisation_id.in_(organisation_ids))
                                           .order_by(Solution.created_at, Solution.id)):
            solutions[solution.organisation_id].append(solution)
    return {i: (sectors[i], solutions[i]) for i in organisation_ids}


def solutions_of(organisation):
    return db.session.scalars(select(Solution).where(Solution.organisation_id == organisation.id)
                              .order_by(Solution.created_at)).all()


def _followable(user, slug):
    return access.challenge_for(user, "challenge.follow", slug)


def follow(user, slug):
    """Follow a challenge for the user's company; following twice is one follow."""
    challenge = _followable(user, slug)
    if is_following(user, challenge):
        return challenge
    db.session.add(Follow(organisation_id=user.membership.organisation_id, challenge_id=challenge.id,
                          followed_by_id=user.id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return challenge
    record_change(user, "challenge.followed", challenge, challenge_id=challenge.id,
                  payload={"organisation_id": user.membership.organisation_id})
    db.session.commit()
    return challenge


def unfollow(user, slug):
    challenge = _followable(user, slug)
    row = db.session.scalar(select(Follow).where(Follow.challenge_id == challenge.id,
                                                 Follow.organisation_id == user.membership.organisation_id))
    if row is not None:
        db.session.delete(row)
        record_change(user, "challenge.unfollowed", challenge, challenge_id=challenge.id,
                      payload={"organisation_id": user.membership.organisation_id})
        db.session.commit()
    return challenge


def is_following(user, challenge):
    if not permissions.signed_in(user) or user.membership is None:
        return False
    return db.session.scalar(select(Follow.id).where(Follow.challenge_id == challenge.id,
                                                     Follow.organisation_id == user.membership.organisation_id)) \
        is not None


def followers_of(challenge):
    """Every member of every company that follows the challenge (for answers and reminders)."""
    return db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .join(Follow, Follow.organisation_id == Membership.organisation_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Follow.challenge_id == challenge.id, Organisation.suspended.is_(False), User.is_suspended.is_(False))
    ).unique().all()
