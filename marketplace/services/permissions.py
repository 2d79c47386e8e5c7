"""Who may do what: the one place every view, API route and task asks.

`can(user, action, obj)` answers; `require(...)` raises NotAllowed (or
NotFound where even the existence of the object must not leak).
Each rule is a small predicate in RULES; tests walk this table as a matrix.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models.evaluation import ConflictDeclaration, Evaluation
from marketplace.models.organisation import AGENCY, COMPANY
from marketplace.services.challenges import lifecycle
from marketplace.services.clock import utcnow
from marketplace.services.errors import EmailNotConfirmed, NotAllowed, NotFound
from marketplace.services.pitches import lifecycle as pitch_lifecycle, seal

AGENCY_EDITORS = ("owner", "publisher")
AGENCY_READERS = ("owner", "publisher", "procurement_officer", "evaluator")
PILOT_MOVERS = ("owner", "procurement_officer")
# Who runs a challenge's evaluation ("evaluation.manage"): its shortlist, decisions and pitch sessions.
EVALUATION_RUNNERS = PILOT_MOVERS
# Who may own a pilot: the agency's staff but its evaluators, who score pitches and run no pilot.
PILOT_OWNERS = ("owner", "publisher", "procurement_officer")
MATCH_READERS = ("owner", "publisher", "procurement_officer")
# The evaluation panel: who declares conflicts of interest and scores.
PANEL = ("evaluator", "procurement_officer")
# Who sits on a challenge's pitch sessions for the agency (invited, sent the calendar, told who booked): those who
# run the evaluation and those who score; of those on the PANEL, only who declared no conflict of interest, which
# `pitch_sessions.panel_of` reads.
SESSION_PANEL = tuple(dict.fromkeys(EVALUATION_RUNNERS + PANEL))
AUDIT_READERS = ("owner", "procurement_officer")

# How an agency reader stands towards a challenge's received pitches (`agency_pitch_standing`).
SEALED = "sealed"  # before the pitch deadline: nobody at the agency reads them
AWAITING_EVALUATION = "awaiting_evaluation"  # a call for solutions past its deadline, evaluation not started
UNDECLARED = "undeclared"  # a panel member who has not yet declared their conflicts of interest
RECUSED = "recused"  # a panel member who declared a conflict of interest
OFF_PANEL = "off_panel"  # not on the panel: reads the pitches once the evaluation is finalised
READS = "reads"


def signed_in(user):
    """The one answer to "is this a person signed in?" (not a visitor), for services, pages and templates: a user
    (the web's current_user, the API's token holder) who is authenticated and may act (not suspended)."""
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_agency(organisation):
    """The one answer to "is this organisation an agency?" (a public buyer): it publishes challenges, with
    four-eyes publishing if it chooses, and its postal address is the buyer's in their open data. None is not."""
    return organisation is not None and organisation.kind == AGENCY


def is_company(organisation):
    """The one answer to "is this organisation a company?": it pitches, is matched and keeps a public profile."""
    return organisation is not None and organisation.kind == COMPANY


def _member_of(user, organisation_id, roles=None):
    if not signed_in(user) or user.membership is None:
        return False
    if user.membership.organisation_id != organisation_id:
        return False
    if user.organisation.suspended:
        return False
    return roles is None or user.membership.role in roles


def _org_kind(user, kind, roles=None):
    if not signed_in(user) or user.membership is None or user.organisation.suspended:
        return False
    return user.organisation.kind == kind and (roles is None or user.membership.role in roles)


def email_confirmed(user):
    """The person followed the link emailed at registration (or came by invitation): only then does Agora send
    anything on their behalf."""
    return signed_in(user) and user.email_confirmed_at is not None


def is_admin(user):
    return signed_in(user) and user.is_admin


def challenge_visible(user, challenge):
    if lifecycle.ever_published(challenge):
        return True
    return _member_of(user, challenge.agency_id, AGENCY_READERS) or is_admin(user)


def _company_on_public(user, challenge):
    return _org_kind(user, COMPANY) and lifecycle.ever_published(challenge)


def agency_pitch_standing(user, challenge, now=None):
    """Whether this agency reader reads the challenge's received pitches, and if not why; None outside the agency.

    The seal first (`seal.is_sealed`, on the database clock). After it, a call for
    solutions follows its evaluation's rules: until the evaluation is finalised only
    a panel member who has declared no conflict of interest reads the pitches; a
    recused member reads none, nor one who has not declared. Once it is finalised
    (and for a market consultation, which is not evaluated) the agency's readers do,
    except a recused member: a conflict of interest with one company does not end with
    the decision, and the pitches hold the other companies' prices and approaches; nor
    a panel member who has not declared (someone given the role late), in any state:
    they declare first (`evaluation.may_declare` keeps it open), as before finalising.
    """
    if not _member_of(user, challenge.agency_id, AGENCY_READERS):
        return None
    if seal.is_sealed(challenge, now):
        return SEALED
    if not lifecycle.ranks_pitches(challenge):  # a market consultation is not evaluated
        return READS
    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.challenge_id == challenge.id))
    finalised = evaluation is not None and evaluation.is_finalised
    if not finalised and user.membership.role not in PANEL:
        return OFF_PANEL
    if evaluation is None:
        return AWAITING_EVALUATION
    conflicted = db.session.scalar(select(ConflictDeclaration.conflicted).where(
        ConflictDeclaration.challenge_id == challenge.id, ConflictDeclaration.evaluator_id == user.id))
    if conflicted:
        return RECUSED
    if conflicted is None and user.membership.role in PANEL:  # the owner, off the panel, declares nothing
        return UNDECLARED
    return READS


def pitch_readable(user, pitch, now=None):
    """The company always; the agency once received and unsealed, under the evaluation's rules; nobody else."""
    if _member_of(user, pitch.company_id):
        return True
    return pitch_lifecycle.state_of(pitch).received and agency_pitch_standing(user, pitch.challenge, now) == READS


RULES = {
    # Challenges
    "challenge.create": lambda u, org: org is not None and _member_of(u, org.id, AGENCY_EDITORS)
    and is_agency(org),
    "challenge.view": challenge_visible,
    "challenge.edit": lambda u, c: _member_of(u, c.agency_id, AGENCY_EDITORS),
    "challenge.publish": lambda u, c: _member_of(u, c.agency_id, AGENCY_EDITORS),
    "challenge.approve": lambda u, c: _member_of(u, c.agency_id, AGENCY_EDITORS)
    and c.approval_requested_by_id != u.id,
    "challenge.cancel": lambda u, c: _member_of(u, c.agency_id, AGENCY_EDITORS),
    # Correcting the published text and extending its deadlines, each with a public notice.
    "challenge.correct": lambda u, c: _member_of(u, c.agency_id, AGENCY_EDITORS),
    "challenge.read_pitches": lambda u, c: _member_of(u, c.agency_id, AGENCY_READERS),
    "challenge.follow": _company_on_public,
    "challenge.pitch": _company_on_public,
    # Matching: the agency's publishers and officers see the ranked companies and invite them.
    "challenge.view_matches": lambda u, c: _member_of(u, c.agency_id, MATCH_READERS),
    "challenge.invite_to_pitch": lambda u, c: _member_of(u, c.agency_id, MATCH_READERS),
    "challenge.see_own_match": _company_on_public,
    "company.challenges_for_you": lambda u, _=None: _org_kind(u, COMPANY),
    # Saved searches and the calendar feed are each person's own.
    "search.save": lambda u, _=None: signed_in(u),
    "saved_search.manage": lambda u, s: signed_in(u) and s.user_id == u.id,
    "calendar.manage": lambda u, _=None: signed_in(u),
    # Pitches
    "pitch.list_own": lambda u, _=None: _org_kind(u, COMPANY),
    "pitch.read": pitch_readable,
    "pitch.write": lambda u, p: _member_of(u, p.company_id),
    "pitch.submit": lambda u, p: _member_of(u, p.company_id),
    # Organisations
    "organisation.manage": lambda u, org: _member_of(u, org.id, ("owner",)),
    "organisation.invite": lambda u, org: _member_of(u, org.id, ("owner",)),
    "organisation.edit_profile": lambda u, org: _member_of(u, org.id) and is_company(org),
    "organisation.verify": lambda u, org: is_admin(u),
    "admin.view": lambda u, _=None: is_admin(u),
    # A platform admin removes another person's two-factor (lost phone and recovery codes); never their own.
    "user.reset_two_factor": lambda u, person: is_admin(u) and person.id != u.id,
    # Personal API tokens act as their user; only that user sees and revokes them.
    "api_token.create": lambda u, _=None: signed_in(u),
    "api_token.revoke": lambda u, t: signed_in(u) and t.user_id == u.id,
    "api_token.use": lambda u, t: signed_in(u) and t.user_id == u.id and t.revoked_at is None
    and t.expires_at > utcnow(),
    # Pilots: the agency's staff and the company of that pilot see it; officers move it.
    "pilot.view": lambda u, p: _member_of(u, p.agency_id, AGENCY_READERS) or _member_of(u, p.company_id)
    or is_admin(u),
    # The audit trail: the agency's owner and procurement officers, and platform admins (services/audit.py leaves
    # out the events on pitches each may not read yet, and hides the companies in the blind round).
    "audit.read_challenge": lambda u, c: _member_of(u, c.agency_id, AUDIT_READERS) or is_admin(u),
    # The platform's whole trail, every organisation's (services/audit.platform_trail): platform admins only.
    "audit.read_platform": lambda u, _=None: is_admin(u),
    # Questions: companies ask; the agency's owner, publishers and procurement officers answer.
    "question.ask": _company_on_public,
    "question.read_own": _company_on_public,  # a company sees the questions it asked, waiting or answered
    "question.answer": lambda u, c: _member_of(u, c.agency_id, ("owner", "publisher", "procurement_officer")),
    # Evaluation: the agency's staff take part; evaluators and officers score; officers run it.
    "evaluation.take_part": lambda u, c: _member_of(u, c.agency_id, AGENCY_READERS),
    "evaluation.score": lambda u, c: _member_of(u, c.agency_id, PANEL),
    "evaluation.manage": lambda u, c: _member_of(u, c.agency_id, EVALUATION_RUNNERS),
    "pilot.start": lambda u, c: _member_of(u, c.agency_id, PILOT_MOVERS),
    "pilot.approve_budget": lambda u, p: _member_of(u, p.agency_id, PILOT_MOVERS),
    "pilot.move": lambda u, p: _member_of(u, p.agency_id, PILOT_MOVERS) or (
        _member_of(u, p.agency_id, AGENCY_READERS) and p.owner_id == u.id),
}

# The rules above that read nothing of their challenge (or pilot) but its agency, `agency_id`: asked of many of one
# agency's (the dashboard's work list), one answer serves them all (`allowed`). tests/services/test_permissions_sets.py
# checks that each answers the same for challenges of one agency that differ in everything else.
AGENCY_WIDE = frozenset({"challenge.edit", "challenge.publish", "challenge.cancel", "challenge.correct",
                         "challenge.read_pitches", "challenge.view_matches", "challenge.invite_to_pitch",
                         "question.answer", "evaluation.take_part", "evaluation.score", "evaluation.manage",
                         "pilot.start"})

MESSAGES = {
    "challenge.create": _l("Only an agency’s owner or publishers can write challenges."),
    "challenge.edit": _l("Only your agency’s owner or publishers can change this challenge."),
    "challenge.publish": _l("Only your agency’s owner or publishers can publish this challenge."),
    "challenge.approve": _l("A draft must be approved by a publisher or owner other than the one who asked."),
    "challenge.cancel": _l("Only your agency’s owner or publishers can cancel this challenge."),
    "challenge.correct": _l("Only your agency’s owner or publishers can correct or extend this challenge."),
    "challenge.follow": _l("Only companies can follow challenges."),
    "challenge.pitch": _l("Only companies can pitch for challenges."),
    "challenge.invite_to_pitch": _l(
        "Only your agency’s owner, publishers or procurement officers can invite companies."),
    "organisation.manage": _l("Only the organisation’s owner can do that."),
    "organisation.invite": _l("Only the organisation’s owner can do that."),
    "question.ask": _l("Only companies can ask questions about a challenge."),
    "pilot.move": _l("Only the agency’s procurement officers, its owner or the pilot’s owner can move this pilot."),
    "organisation.edit_profile": _l("Only members of this company can change its profile."),
    "pitch.list_own": _l("Only members of a company have pitches."),
    "company.challenges_for_you": _l("Only members of a company see the challenges that match it."),
    "api_token.create": _l("Sign in to create an API token."),
}

# Where refusing would reveal that something exists, we answer "not found".
HIDDEN = {"challenge.view", "pitch.read", "pitch.write", "challenge.read_pitches", "admin.view",
          "organisation.verify", "pilot.view", "audit.read_challenge", "audit.read_platform",
          "user.reset_two_factor",
          "question.answer", "api_token.revoke", "saved_search.manage"}
HIDDEN |= {"challenge.view_matches"}  # which companies may be invited is the agency's business


# What sends email or speaks for the person to others waits until their address is confirmed: asking the agency,
# submitting a pitch, publishing (which alerts companies), inviting companies or a teammate, following with alerts.
NEEDS_CONFIRMED_EMAIL = {"question.ask", "pitch.submit", "challenge.publish", "challenge.approve",
                         "challenge.correct", "challenge.invite_to_pitch", "organisation.invite", "challenge.follow"}
UNCONFIRMED_MESSAGE = _l("Confirm your email address first: follow the link we emailed you.")


def waits_for_email_confirmation(user, action, obj=None):
    """True when only the unconfirmed address stands between this person and the action."""
    return action in NEEDS_CONFIRMED_EMAIL and not email_confirmed(user) and bool(RULES[action](user, obj))


def can(user, action, obj=None):
    if not RULES[action](user, obj):
        return False
    return action not in NEEDS_CONFIRMED_EMAIL or email_confirmed(user)


def allowed(user, action, objects):
    """Those of `objects` on which `can(user, action, …)`, in their order: for an AGENCY_WIDE rule asked once per
    agency instead of once per object (a work list asks several rules of each of a hundred challenges)."""
    if action not in AGENCY_WIDE:
        return [obj for obj in objects if can(user, action, obj)]
    answers = {}
    kept = []
    for obj in objects:
        answer = answers.get(obj.agency_id)
        if answer is None:
            answer = answers[obj.agency_id] = can(user, action, obj)
        if answer:
            kept.append(obj)
    return kept


def require(user, action, obj=None):
    if can(user, action, obj):
        return
    if waits_for_email_confirmation(user, action, obj):
        raise EmailNotConfirmed(str(UNCONFIRMED_MESSAGE))
    if action in HIDDEN:
        raise NotFound(str(_l("We could not find that page.")))
    raise NotAllowed(str(MESSAGES.get(action, _l("You are not allowed to do that."))))
