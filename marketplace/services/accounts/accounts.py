"""Accounts and organisations: registering, signing in, password reset, invitations, settings, verification.

No user enumeration: signing in with an unknown address and with a wrong
password give the same answer, and asking for a reset or registering with an
address already in use answer as if all went well (the email says what to do).

Ending a person's sessions (a password change or reset, "sign out everywhere")
also revokes their API tokens. Wrong passwords for a known address are counted
per account in a window; reaching SIGN_IN_ALERT_FAILURES in it emails the owner
once for that window (the answer to the request stays the same, known or not).
"""
import zoneinfo
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import db
from marketplace.formatting import lazy, number
from marketplace.models import Invitation, Membership, Organisation, User
from marketplace.models.organisation import COMPANY, COMPANY_SIZES, ORGANISATION_KINDS, ROLES_BY_KIND
from marketplace.models.user import NOTIFICATION_PREFERENCES
from marketplace.services import permissions
from marketplace.services.clock import utcnow
from marketplace.services.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from marketplace.services.messaging.events import record_change
from marketplace.services.messaging import links
from marketplace.services.messaging.mail import queue_email
from marketplace.services.messaging.outbox import handles
from marketplace.services.accounts import api_tokens
from marketplace.services.accounts.two_factor import REASON_MAX, REASON_TOO_LONG
from marketplace.services.accounts.passwords import hash_password, password_problems, verify_password
from marketplace.services.organisations import addresses, names
from marketplace.services.signing import timed_serializer
from marketplace.services.challenges.slugs import unique_slug

RESET_SALT = "agora.password-reset"
CONFIRM_SALT = "agora.email-confirmation"
INVITATION_SALT = "agora.invitation"
UNKNOWN_LANGUAGE = _l("Choose a language from the list.")
ROLE_LABELS = {
    "owner": _l("Owner"), "publisher": _l("Publisher"), "procurement_officer": _l("Procurement officer"),
    "evaluator": _l("Evaluator"), "member": _l("Member"),
}
OWNER = "owner"  # the first person of an organisation (models.organisation's roles per kind)


def invitation_roles(organisation):
    """The roles a person may be invited to `organisation` with, in words, the owner last: the most power is
    never the one chosen by default."""
    roles = ROLES_BY_KIND[organisation.kind]
    return [(role, ROLE_LABELS[role]) for role in roles if role != OWNER] + [(OWNER, ROLE_LABELS[OWNER])]


# Limits the forms (marketplace/forms/accounts.py) apply too: written here only.
NAME_MAX, ORGANISATION_NAME_MAX = 120, 200
EMAIL_MAX = 254  # the longest address mail can carry (RFC 5321); email-validator refuses longer ones too
# A well-formed hash to verify against when the address is unknown, so both answers take as long.
_DUMMY_HASH = None


class SignInFailed(Exception):
    """Unknown address, wrong password or suspended account: one message for all, on purpose."""


def normalise_email(raw):
    """The address as stored (lower case), or ValidationFailed with a message a person can act on."""
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationFailed({"email": _l("Enter an email address like name@example.org.")}) from None


def too_long(limit):
    """What a name longer than `limit` characters is told, by the service and by its form."""
    return _l("Use %(n)s characters or fewer.", n=lazy(number, limit))


def _check_name(name, field="name", limit=NAME_MAX):
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({field: _l("Enter a name.")})
    if len(name) > limit:
        raise ValidationFailed({field: too_long(limit)})
    return name


def _check_password(password, user, field="password"):
    problems = password_problems(password, user.email, user.organisation.name if user.organisation else None)
    if problems:
        raise ValidationFailed({field: problems})


def user_by_email(email):
    return db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


def register(*, kind, organisation_name, name, email, password, company_size=None, locale=None):
    """Create the organisation (unverified) and its first user, its owner.

    Returns the new user, or None when the address is already registered; the
    caller shows the same page either way and the existing owner gets an email.
    """
    errors = {}
    if kind not in ORGANISATION_KINDS:
        errors["kind"] = _l("Choose whether you register a public agency or a company.")
    try:
        organisation_name = _check_name(organisation_name, "organisation_name", ORGANISATION_NAME_MAX)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        name = _check_name(name)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        email = normalise_email(email)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        email = None
    problems = password_problems(password, email, organisation_name if "organisation_name" not in errors else None)
    if problems:
        errors["password"] = problems
    if kind == COMPANY and company_size not in (None, "", *COMPANY_SIZES):
        errors["company_size"] = _l("Choose a size from the list.")
    if errors:
        raise ValidationFailed(errors)
    existing = user_by_email(email)
    password_hash = hash_password(password)  # also for a known address: both answers take as long
    if existing is not None:
        db.session.add(_account_exists_notice(existing))
        db.session.commit()
        return None
    organisation = Organisation(kind=kind, name=organisation_name, slug=unique_slug(Organisation, organisation_name),
                                verified=False, size=company_size or None if kind == COMPANY else None)
    user = User(email=email, name=name, password_hash=password_hash,
                locale=locale if locale in current_app.config["LANGUAGES"] else None)
    db.session.add_all([organisation, user])
    db.session.add(Membership(user=user, organisation=organisation, role=OWNER))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None  # the same address registered a moment ago
    record_change(user, "organisation.registered", organisation, after={"kind": kind, "name": organisation_name})
    record_change(None, "user.email_confirmation_requested", user, payload={"user_id": user.id})
    db.session.commit()
    return user


def _account_exists_notice(user):
    """An outbox event whose handler tells the owner of an address someone tried to register again."""
    from marketplace.models import OutboxEvent

    return OutboxEvent(topic="user.registration_attempted", payload={"user_id": user.id})


def authenticate(email, password):
    """The user for these credentials, or SignInFailed (the same for every reason)."""
    global _DUMMY_HASH
    user = user_by_email(email)
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not a real password, only for timing")
        verify_password(_DUMMY_HASH, password)
        raise SignInFailed()
    if not verify_password(user.password_hash, password):
        _note_failed_sign_in(user)
        raise SignInFailed()
    if not user.is_active:
        raise SignInFailed()
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def _note_failed_sign_in(user):
    """Count a wrong password for this account in the current window (SIGN_IN_ALERT_WINDOW_MINUTES); the failure
    that reaches SIGN_IN_ALERT_FAILURES records an event whose handler emails the owner, once per window."""
    config = current_app.config
    now, since = utcnow(), user.failed_sign_ins_since
    if since is None or now - since >= timedelta(minutes=config["SIGN_IN_ALERT_WINDOW_MINUTES"]):
        user.failed_sign_ins_since, user.failed_sign_ins, since, count = now, 1, now, 1
    else:  # in SQL: concurrent failures each get their own count, so exactly one of them reaches the threshold
        count = db.session.execute(update(User).where(User.id == user.id)
                                   .values(failed_sign_ins=User.failed_sign_ins + 1)
                                   .returning(User.failed_sign_ins)
                                   .execution_options(synchronize_session=False)).scalar_one()
    if count == config["SIGN_IN_ALERT_FAILURES"]:
        record_change(None, "user.sign_in_failures", user,
                      payload={"user_id": user.id, "since": since.isoformat(), "failures": count})
    db.session.commit()


# ---- Confirming the email address -----------------------------------------------------------------------

def email_confirmation_token(user):
    # The address is in the token: a link sent to an old address cannot confirm a new one.
    return timed_serializer(CONFIRM_SALT).dumps({"user": user.id, "e": user.email})


def confirm_email(token):
    """Mark the address confirmed; the link works once, for EMAIL_CONFIRMATION_MAX_AGE seconds."""
    try:
        data = timed_serializer(CONFIRM_SALT).loads(token, max_age=current_app.config["EMAIL_CONFIRMATION_MAX_AGE"])
    except SignatureExpired:
        raise InvalidTransition(str(_l("This link has expired. Sign in and ask for a new one."))) from None
    except BadSignature:
        raise NotFound(str(_l("This link is not valid. Sign in and ask for a new one."))) from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or user.email != data.get("e"):
        raise NotFound(str(_l("This link is not valid. Sign in and ask for a new one.")))
    if user.email_confirmed_at is not None:
        raise InvalidTransition(str(_l("This link has already been used: your email address is confirmed.")))
    user.email_confirmed_at = utcnow()
    record_change(user, "user.email_confirmed", user, after={"email": user.email})
    db.session.commit()
    return user


def resend_confirmation(user):
    """Send the confirmation link again (the pages limit how often); nothing to do once confirmed."""
    if user.email_confirmed_at is not None:
        return False
    record_change(None, "user.email_confirmation_requested", user, payload={"user_id": user.id})
    db.session.commit()
    return True


def password_reset_token(user):
    # The hash's tail is in the token: once the password changes, the token stops working.
    return timed_serializer(RESET_SALT).dumps({"user": user.id, "h": user.password_hash[-16:]})


def request_password_reset(email):
    """Record the request for an email with a reset link; an unknown address records nothing."""
    user = user_by_email(normalise_email(email))
    if user is None or user.is_suspended:
        return None
    record_change(None, "user.password_reset_requested", user, payload={"user_id": user.id})
    db.session.commit()
    return user


def user_for_reset_token(token):
    try:
        data = timed_serializer(RESET_SALT).loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise InvalidTransition(str(_l("This link has expired. Ask for a new one."))) from None
    except BadSignature:
        raise NotFound(str(_l("This link is not valid. Ask for a new one."))) from None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or user.password_hash[-16:] != data.get("h"):
        raise InvalidTransition(str(_l("This link has already been used. Ask for a new one.")))
    return user


def reset_password(token, password):
    user = user_for_reset_token(token)
    _check_password(password, user)
    _set_password(user, password, "password_reset")
    if user.email_confirmed_at is None:  # the emailed link reached the address: that confirms it too
        user.email_confirmed_at = utcnow()
    record_change(user, "user.password_reset", user)
    db.session.commit()
    return user


def _set_password(user, password, reason):
    user.password_hash = hash_password(password)
    _end_sessions_and_tokens(user, reason)


def _end_sessions_and_tokens(user, reason):
    """Every other session ends and every API token is revoked (whoever held the old password may have made one)."""
    user.session_version = (user.session_version or 1) + 1
    revoked = api_tokens.revoke_all(user, reason)
    if revoked:
        record_change(user, "api_token.revoked_all", user, after={"tokens": revoked, "reason": reason})
    return revoked


def end_sessions(user):
    """Signing out: every signed cookie issued before now stops working. API tokens are left alone: they are the
    person's programs' own credentials (see sign_out_everywhere)."""
    user.session_version = (user.session_version or 1) + 1
    db.session.commit()


def sign_out_everywhere(user):
    """End every session of this person, this one included, and revoke their API tokens; returns how many tokens
    were revoked. For someone who thinks another has been using their account."""
    revoked = _end_sessions_and_tokens(user, "signed_out_everywhere")
    record_change(user, "user.signed_out_everywhere", user, after={"tokens_revoked": revoked})
    db.session.commit()
    return revoked


def change_password(user, current_password, new_password):
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed({"current_password": _l("Your current password is not right.")})
    _check_password(new_password, user, "new_password")
    _set_password(user, new_password, "password_changed")
    record_change(user, "user.password_changed", user)
    db.session.commit()
    return user


def check_language(locale):
    """One of the languages Agora is written in; ValidationFailed otherwise."""
    if locale not in current_app.config["LANGUAGES"]:
        raise ValidationFailed({"locale": UNKNOWN_LANGUAGE})
    return locale


def choose_language(user, locale):
    """The language this person reads Agora and its emails in, as picked in the header's switcher."""
    check_language(locale)
    if user.locale != locale:
        before = {"locale": user.locale}
        user.locale = locale
        record_change(user, "user.settings_changed", user, before=before, after={"locale": locale})
        db.session.commit()
    return user


def update_settings(user, *, name, locale, timezone, notification_preference):
    errors = {}
    try:
        name = _check_name(name)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if locale not in (None, "", *current_app.config["LANGUAGES"]):
        errors["locale"] = UNKNOWN_LANGUAGE
    if timezone:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["timezone"] = _l("Choose a time zone from the list.")
    if notification_preference not in NOTIFICATION_PREFERENCES:
        errors["notification_preference"] = _l("Choose how often we email you.")
    if errors:
        raise ValidationFailed(errors)
    before = {"name": user.name, "locale": user.locale, "timezone": user.timezone,
              "notification_preference": user.notification_preference}
    user.name, user.locale, user.timezone = name, locale or None, timezone or None
    user.notification_preference = notification_preference
    record_change(user, "user.settings_changed", user, before=before,
                  after={"name": name, "locale": user.locale, "timezone": user.timezone,
                         "notification_preference": notification_preference})
    db.session.commit()
    return user


# ---- Invitations ---------------------------------------------------------------------------------------

def invitation_token(invitation):
    return timed_serializer(INVITATION_SALT).dumps({"invitation": invitation.id})


def invite(actor, *, email, role):
    organisation = actor.organisation
    if organisation is None:
        raise NotFound(str(_l("We could not find that page.")))
    permissions.require(actor, "organisation.invite", organisation)
    email = normalise_email(email)
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise ValidationFailed({"role": _l("Choose a role from the list.")})
    if user_by_email(email) is not None:
        raise ValidationFailed({"email": _l("This person already has an Agora account. Each person belongs to "
                                            "one organisation.")})
    pending = db.session.scalar(select(Invitation).where(
        Invitation.organisation_id == organisation.id, func.lower(Invitation.email) == email,
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)))
    if pending is not None:
        raise Conflict(str(_l("This person has already been invited. Revoke that invitation to send a new one.")))
    invitation = Invitation(organisation_id=organisation.id, email=email, role=role, invited_by_id=actor.id)
    db.session.add(invitation)
    record_change(actor, "invitation.created", invitation, after={"email": email, "role": role})
    db.session.commit()
    return invitation


def revoke_invitation(actor, invitation_id):
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not permissions.can(actor, "organisation.manage", invitation.organisation):
        raise NotFound(str(_l("We could not find that invitation.")))
    if not invitation.is_open:
        raise InvalidTransition(str(_l("This invitation has already been accepted or revoked.")))
    invitation.revoked_at = utcnow()
    record_change(actor, "invitation.revoked", invitation, after={"email": invitation.email})
    db.session.commit()
    return invitation


def invitation_for_token(token):
    try:
        data = timed_serializer(INVITATION_SALT).loads(token, max_age=current_app.config["INVITATION_MAX_AGE"])
    except SignatureExpired:
        raise InvalidTransition(str(_l("This invitation has expired. Ask for a new one."))) from None
    except BadSignature:
        raise NotFound(str(_l("This invitation link is not valid."))) from None
    invitation = db.session.get(Invitation, data.get("invitation")) if isinstance(data, dict) else None
    if invitation is None:
        raise NotFound(str(_l("This invitation link is not valid.")))
    if not invitation.is_open:
        raise InvalidTransition(str(_l("This invitation has already been used or was withdrawn.")))
    return invitation


def accept_invitation(token, *, name, password, locale=None):
    """`locale`: the language the person accepted in, kept as theirs (as at registering): their notices and
    emails speak it from the first one."""
    invitation = invitation_for_token(token)
    errors = {}
    try:
        name = _check_name(name)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    problems = password_problems(password, invitation.email, invitation.organisation.name)
    if problems:
        errors["password"] = problems
    if errors:
        raise ValidationFailed(errors)
    if user_by_email(invitation.email) is not None:
        raise Conflict(str(_l("An account with this address already exists. Sign in instead.")))
    # The invitation reached this address: it is confirmed.
    user = User(email=invitation.email, name=name, password_hash=hash_password(password),
                email_confirmed_at=utcnow(), locale=locale if locale in current_app.config["LANGUAGES"] else None)
    db.session.add(user)
    db.session.add(Membership(user=user, organisation_id=invitation.organisation_id, role=invitation.role))
    invitation.accepted_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(str(_l("An account with this address already exists. Sign in instead."))) from None
    record_change(user, "invitation.accepted", invitation, after={"user_id": user.id, "role": invitation.role})
    db.session.commit()
    return user


def team_of(actor):
    organisation = actor.organisation
    members = db.session.scalars(select(Membership).where(Membership.organisation_id == organisation.id)
                                 .order_by(Membership.created_at)).all()
    invitations = db.session.scalars(select(Invitation).where(
        Invitation.organisation_id == organisation.id, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)).order_by(Invitation.created_at)).all()
    return members, invitations


def set_four_eyes(actor, enabled):
    organisation = actor.organisation
    if not permissions.is_agency(organisation):
        raise NotFound(str(_l("We could not find that page.")))
    permissions.require(actor, "organisation.manage", organisation)
    before = organisation.four_eyes_publishing
    organisation.four_eyes_publishing = bool(enabled)
    record_change(actor, "organisation.four_eyes_changed", organisation, before={"four_eyes_publishing": before},
                  after={"four_eyes_publishing": bool(enabled)})
    db.session.commit()


def update_organisation(actor, *, name, four_eyes_publishing=None, address=None):
    """The owner renames the organisation (its slug, and so its web address, stays) and, for an agency, turns
    four-eyes publishing on or off and gives its postal address (`address`: the fields of
    `organisations.addresses`, by name; None leaves it as it is)."""
    organisation = actor.organisation
    if organisation is None:
        raise NotFound(str(_l("We could not find that page.")))
    permissions.require(actor, "organisation.manage", organisation)
    name = _check_name(name, "name", ORGANISATION_NAME_MAX)
    new_address = {}
    if permissions.is_agency(organisation) and address is not None:
        errors = {}
        new_address = addresses.clean_address(address, errors, organisation.registration_number)
        if errors:
            raise ValidationFailed(errors)
    fields = ("name", "four_eyes_publishing", *new_address)
    before = {field: getattr(organisation, field) for field in fields}
    organisation.name = name
    if permissions.is_agency(organisation) and four_eyes_publishing is not None:
        organisation.four_eyes_publishing = bool(four_eyes_publishing)
    for field, value in new_address.items():
        setattr(organisation, field, value)
    after = {field: getattr(organisation, field) for field in fields}
    if after != before:
        record_change(actor, "organisation.updated", organisation, before=before, after=after)
    db.session.commit()
    return organisation


# ---- Platform administration ---------------------------------------------------------------------------

# The admin's organisations list shows at most this many (those waiting for verification first, newest first); a
# name search finds the others. Unbounded, it was every organisation on one page (200,000 companies at scale).
ADMIN_LIST_LIMIT = 50


def organisations_for_admin(admin, only_unverified=False, search="", limit=ADMIN_LIST_LIMIT):
    permissions.require(admin, "admin.view")
    query = select(Organisation).order_by(Organisation.verified, Organisation.created_at.desc(), Organisation.id.desc())
    if only_unverified:
        query = query.where(Organisation.verified.is_(False))
    return names.first_named(query, search, limit)


def organisation_for_admin(admin, organisation_id):
    permissions.require(admin, "admin.view")
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(str(_l("We could not find that organisation.")))
    return organisation


def _admin_change(admin, organisation_id, action, reason=None, **changes):
    organisation = organisation_for_admin(admin, organisation_id)
    before = {name: getattr(organisation, name) for name in changes}
    for name, value in changes.items():
        setattr(organisation, name, value)
    said = {"reason": reason} if reason else {}
    record_change(admin, action, organisation, before=before, after={**changes, **said}, payload=said)
    db.session.commit()
    return organisation


def verify_organisation(admin, organisation_id):
    return _admin_change(admin, organisation_id, "organisation.verified", verified=True, verified_at=utcnow())


SUSPENSION_REASON_NEEDED = _l("Say why, for the audit trail and the email to its people: what it did.")


def suspend_organisation(admin, organisation_id, suspended=True, reason=None):
    """Suspend an organisation (its people are signed out and emailed the reason), or lift its suspension. A
    suspension stops everyone in it at once, so it needs a reason; lifting it does not."""
    organisation_for_admin(admin, organisation_id)  # who may, and whether it exists, before what they typed
    reason = (reason or "").strip()
    if suspended:
        if not reason:
            raise ValidationFailed({"reason": SUSPENSION_REASON_NEEDED})
        if len(reason) > REASON_MAX:
            raise ValidationFailed({"reason": REASON_TOO_LONG})
    return _admin_change(admin, organisation_id, "organisation.suspended" if suspended else "organisation.unsuspended",
                         reason=reason or None, suspended=suspended)


# ---- Emails these events cause -------------------------------------------------------------------------

# What the organisation's people are told when an admin changes its standing; before this they learnt of it only by
# noticing the banner gone (verified) or a page refusing them (suspended).
STANDING_CHANGES = {"organisation.verified": "verified", "organisation.suspended": "suspended",
                    "organisation.unsuspended": "unsuspended"}


@handles(*STANDING_CHANGES)
def email_organisation_standing(event):
    organisation = db.session.get(Organisation, event.payload["object_id"])
    if organisation is None:
        return
    standing = STANDING_CHANGES[event.topic]
    people = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                .where(Membership.organisation_id == organisation.id,
                                       User.is_suspended.is_(False))).all()
    for person in people:
        queue_email("organisation_standing", dedupe_key=f"organisation-standing:{event.id}:{person.id}", user=person,
                    context={"standing": standing, "organisation": organisation.name,
                             "reason": event.payload.get("reason"), "login_url": links.login_url()})


@handles("user.password_reset_requested")
def email_password_reset(event):
    user = db.session.get(User, event.payload["user_id"])
    if user is None:
        return
    queue_email("password_reset", dedupe_key=f"password-reset:{event.id}", user=user,
                context={"reset_url": links.reset_password_url(password_reset_token(user)),
                         "hours": current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600})


@handles("user.email_confirmation_requested")
def email_confirmation(event):
    user = db.session.get(User, event.payload["user_id"])
    if user is None or user.email_confirmed_at is not None:
        return
    queue_email("confirm_email", dedupe_key=f"confirm-email:{event.id}", user=user,
                context={"confirm_url": links.confirm_email_url(email_confirmation_token(user)),
                         "hours": current_app.config["EMAIL_CONFIRMATION_MAX_AGE"] // 3600})


@handles("user.sign_in_failures")
def email_sign_in_failures(event):
    """Tell the owner of an account that someone keeps trying wrong passwords on it, once per window."""
    user = db.session.get(User, event.payload["user_id"])
    if user is None:
        return
    queue_email("sign_in_failures", dedupe_key=f"sign-in-failures:{user.id}:{event.payload['since']}", user=user,
                context={"failures": event.payload["failures"],
                         "minutes": current_app.config["SIGN_IN_ALERT_WINDOW_MINUTES"],
                         "account_url": links.account_settings_url(), "reset_url": links.forgot_password_url()})


@handles("user.registration_attempted")
def email_account_exists(event):
    user = db.session.get(User, event.payload["user_id"])
    if user is None:
        return
    queue_email("account_exists", dedupe_key=f"account-exists:{event.id}", user=user,
                context={"login_url": links.login_url(), "reset_url": links.forgot_password_url()})


@handles("invitation.created")
def email_invitation(event):
    invitation = db.session.get(Invitation, event.payload["object_id"])
    if invitation is None or not invitation.is_open:
        return
    queue_email("invitation", dedupe_key=f"invitation:{invitation.id}", address=invitation.email,
                locale=invitation.invited_by.locale if invitation.invited_by else None,
                context={"accept_url": links.accept_invitation_url(invitation_token(invitation)),
                         "organisation": invitation.organisation.name,
                         # The role's key: the email names it in its own language (the handler runs in none).
                         "role": invitation.role,
                         "inviter": invitation.invited_by.name if invitation.invited_by else "",
                         "days": current_app.config["INVITATION_MAX_AGE"] // 86400})
