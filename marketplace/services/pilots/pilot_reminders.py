"""What the worker does for pilots: announce stage moves, end running pilots, remind and escalate.

Every notice has a dedupe key made of the pilot, the stage visit and the
recipient, so beat running twice, or late, tells each person once.
"""
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.formatting import day, lazy
from marketplace.models import Membership, Pilot, User
from marketplace.models.pilot import EVALUATION, EXTENDED, RUNNING
from marketplace.services.clock import utcnow
from marketplace.services.errors import DomainError
from marketplace.services.messaging import links
from marketplace.services.messaging.notifications import notify
from marketplace.services.messaging.outbox import handles
from marketplace.services.permissions import AGENCY_EDITORS, PILOT_MOVERS
from marketplace.services.pilots.pilot_workflow import STAGE_LABELS, move_pilot, overdue_since, with_outcome

DUE_SOON = timedelta(days=2)


def _agency_staff(pilot, roles):
    return db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == pilot.agency_id, Membership.role.in_(roles), User.is_suspended.is_(False))
    ).all()


def _company_members(pilot):
    return db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == pilot.company_id, User.is_suspended.is_(False))
    ).all()


def _stage_visit(pilot):
    """Identifies one stay in a stage, so a pilot that comes back to a stage is reminded again."""
    return f"{pilot.stage}:{pilot.stage_entered_at:%Y%m%d%H%M%S}"


def _link(pilot):
    return links.pilot_path(pilot)


def people_of_pilot(pilot):
    """The company's members, the agency's owner and procurement officers, and the pilot's owner."""
    people = {u.id: u for u in _company_members(pilot)}
    people.update({u.id: u for u in _agency_staff(pilot, PILOT_MOVERS)})
    if pilot.owner is not None:
        people[pilot.owner.id] = pilot.owner
    return list(people.values())


@handles("pilot.started", "pilot.stage_changed")
def announce_stage(event):
    pilot = db.session.get(Pilot, event.payload["object_id"])
    if pilot is None:
        return
    stage = event.payload.get("to_stage") or event.payload.get("stage")
    due = _due_on_entering(event, pilot)
    # An outcome stage is due by nothing: its notice names the challenge alone, not "Due by –".
    body = _l("Challenge: %(challenge)s. Due by %(due)s.", challenge=pilot.challenge.title, due=lazy(day, due)) \
        if due else _l("Challenge: %(challenge)s.", challenge=pilot.challenge.title)
    for user in people_of_pilot(pilot):
        notify(user, kind="pilot.stage_changed",
               title=_l("Pilot “%(title)s” is now in stage: %(stage)s", title=pilot.pitch.title,
                        stage=STAGE_LABELS.get(stage, stage)),
               body=body, link=_link(pilot), dedupe_key=f"pilot-stage:{event.id}:{user.id}",
               email_template="notification",
               email_context={"pilot_id": pilot.id, "stage": stage, "challenge_title": pilot.challenge.title,
                              "pitch_title": pilot.pitch.title, "due": due})


def _due_on_entering(event, pilot):
    """The stage's due date as it was when the pilot entered it, from the event: a worker that runs late (broker
    down, outbox catching up) must not announce a stage with the due date of a later one. Events recorded before
    the date was in them: the pilot's."""
    if "stage_due_on" not in event.payload:
        return pilot.stage_due_on
    value = event.payload["stage_due_on"]
    return date.fromisoformat(value) if value else None


def advance_ended_pilots(today=None):
    """A running (or extended) pilot whose end date has passed moves to evaluation by itself."""
    today = today or utcnow().date()
    moved = 0
    ids = db.session.scalars(select(Pilot.id).where(Pilot.stage.in_((RUNNING, EXTENDED)), Pilot.ends_on < today))
    for pilot_id in list(ids):
        try:
            move_pilot(None, pilot_id, EVALUATION, note=str(_l("The pilot’s end date has passed.")))
            moved += 1
        except DomainError:
            db.session.rollback()  # moved by someone else meanwhile: nothing to do
    return moved


def remind_due_stages(today=None):
    """Remind the owner before a stage is due and when it is overdue; escalate when it stays overdue."""
    today = today or utcnow().date()
    escalate_after = timedelta(days=current_app.config["PILOT_ESCALATION_DAYS"])
    sent = 0
    pilots = db.session.scalars(
        select(Pilot).where(~with_outcome(), Pilot.stage_due_on.is_not(None),
                            Pilot.stage_due_on <= today + DUE_SOON)
    ).all()
    for pilot in pilots:
        visit = _stage_visit(pilot)
        stage = STAGE_LABELS.get(pilot.stage, pilot.stage)
        owner = pilot.owner
        if owner is not None and not owner.is_suspended:
            if overdue_since(pilot, today) is None:
                key, title = "due-soon", _l("Pilot stage “%(stage)s” is due on %(due)s", stage=stage,
                                             due=lazy(day, pilot.stage_due_on))
            else:
                key, title = "overdue", _l("Pilot stage “%(stage)s” is overdue since %(due)s", stage=stage,
                                            due=lazy(day, pilot.stage_due_on))
            if notify(owner, kind=f"pilot.{key}", title=title, body=pilot.challenge.title, link=_link(pilot),
                      dedupe_key=f"pilot-{key}:{pilot.id}:{visit}:{owner.id}",
                      email_template="notification",
                      email_context={"pilot_id": pilot.id, "stage": pilot.stage, "due": pilot.stage_due_on,
                                     "overdue": key == "overdue", "challenge_title": pilot.challenge.title}):
                sent += 1
        if today - pilot.stage_due_on >= escalate_after:
            for publisher in _agency_staff(pilot, AGENCY_EDITORS):
                if notify(publisher, kind="pilot.escalated",
                          title=lazy_ngettext("Escalation: pilot stage “%(stage)s” is %(num)s day overdue",
                                             "Escalation: pilot stage “%(stage)s” is %(num)s days overdue",
                                             (today - pilot.stage_due_on).days, stage=stage),
                          body=pilot.challenge.title, link=_link(pilot),
                          dedupe_key=f"pilot-escalated:{pilot.id}:{visit}:{publisher.id}",
                          email_template="notification",
                          email_context={"pilot_id": pilot.id, "stage": pilot.stage, "due": pilot.stage_due_on,
                                         "overdue": True, "escalated": True,
                                         "challenge_title": pilot.challenge.title}):
                    sent += 1
    db.session.commit()
    return sent
