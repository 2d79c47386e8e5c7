"""Pitch sessions: the officer offers slots, each shortlisted company picks one, both sides get a calendar file.

Light touch: a session asks for no new documents. The emails with the .ics
file and the reminder the day before are sent by handlers of
`pitch_session.booked` and by beat (`sessions_due_tomorrow`), to the company's
people and to the panel: the agency's officers and owner and its evaluators,
less anyone who declared a conflict of interest or has not declared yet (`panel_of`); one who declares no
conflict after a booking is sent the sessions still to come then (`invite_who_declared`), and the others who were
sent them get each again listing them. Each of them can also download
the booked session as .ics from their page (`session_calendar`). The calendar
file's cancellation (CANCEL) goes to both sides when the challenge is cancelled,
and to a panel member alone when they step aside after being sent the session
(`uninvite_who_stepped_aside`): one cancellation per person and session. The others who were sent that session then
get it again without them. Either way the update is the same event at its next version (the same UID, the next
SEQUENCE: `_sequence`; `_send_update`).
"""
from datetime import timedelta
from urllib.parse import urlparse

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import db
from marketplace.formatting import day, lazy, time_span
from marketplace.models import AuditEvent, Challenge, Membership, Pitch, User
from marketplace.models.evaluation import ConflictDeclaration, Evaluation
from marketplace.models.notification import EmailDelivery
from marketplace.models.pitch_session import IN_PERSON, ONLINE, SESSION_MODES, PitchSessionSlot
from marketplace.services import access, permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.pitches import lifecycle as pitch_lifecycle
from marketplace.services.clock import utcnow
from marketplace.services.evaluation.evaluation import (declaration_of, evaluation_of, is_recused, refuse_ranking,
                                                         sending_for, undeclared)
from marketplace.services.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from marketplace.services.messaging import links
from marketplace.services.messaging.events import record_change
from marketplace.services.messaging.mail import CALENDAR_CANCEL, CALENDAR_REQUEST, CalendarPart, queue_email, recipient_locale
from marketplace.services.messaging.notice_text import lines
from marketplace.services.messaging.notifications import Notice, notify, notify_all
from marketplace.services.messaging.outbox import handles

MAX_SESSION = timedelta(hours=4)
CALLED_OFF = _l("This challenge was cancelled: its pitch sessions no longer take place.")
DECIDED_FIRST = _l("The final decisions were sent before this session: it no longer takes place.")


def runs_sessions(user, challenge, declaration):
    """Who offers slots and sees each one with the company that booked it: those who run the evaluation, unless
    they declared a conflict (`declaration`: theirs for this challenge) or, on the panel, have not declared yet
    (`undeclared`) — which companies were shortlisted is pitch information like any other."""
    return permissions.can(user, "evaluation.manage", challenge) and not is_recused(declaration) and \
        not undeclared(user, challenge, None if declaration is None else declaration.conflicted)


def why_no_sessions(challenge):
    """Why no pitch session can be offered now, or None: they are offered while the challenge is evaluated, until
    the final decisions are sent (after them no company is shortlisted any more, so nobody could book one)."""
    if not lifecycle.state_of(challenge).pitch_sessions:
        return _l("Pitch sessions are offered while the challenge is being evaluated.")
    if decisions_sent(challenge):
        return _l("The final decisions are sent: no company is waiting for a pitch session any more.")
    return None


def decisions_sent(challenge):
    """Whether the challenge's final decisions are sent: after them a pitch session can decide nothing."""
    evaluation = evaluation_of(challenge)
    return evaluation is not None and evaluation.decisions_published_at is not None


_UNREAD = object()


def why_called_off(slot, evaluation=_UNREAD, challenge=None):
    """Why this session does not take place, or None: the challenge was cancelled, or its final decisions were
    sent before the session's time (one held before them was held). Pages, calendar files, reminders, the work
    list and the emails ask this. `evaluation`: the challenge's, when the caller has read it (None: none);
    `challenge`: the slot's challenge (or a row of its columns), when the caller has read it."""
    challenge = challenge if challenge is not None else slot.challenge
    if lifecycle.state_of(challenge).called_off:
        return CALLED_OFF
    if evaluation is _UNREAD:
        evaluation = evaluation_of(challenge)
    if evaluation is not None and evaluation.decisions_published_at is not None and \
            _after_the_decisions(slot, evaluation.decisions_published_at):
        return DECIDED_FIRST
    return None


def _after_the_decisions(slot, sent_at):
    """Whether the session comes after final decisions sent at `sent_at`: then it can decide nothing, and it no
    longer takes place (`why_called_off`); one that began before them was held."""
    return slot.starts_at > sent_at


def sessions_called_off_by_sending(challenge, plan=None):
    """The sessions booked that sending the final decisions now would call off (`why_called_off` once they are
    sent; `call_off_sessions_after_the_decisions` then tells the companies and the panel), soonest first: the
    page where they are sent lists them before the officer sends. None for the shortlist, which calls nothing off.
    `plan`: the challenge's `sending_for`, when the caller has it."""
    plan = plan if plan is not None else sending_for(challenge)
    if plan.round is None or plan.shortlist:
        return []
    now = utcnow()
    return sorted((slot for slot in _sessions_still_on(challenge) if _after_the_decisions(slot, now)),
                  key=lambda slot: (slot.starts_at, slot.id))


def offer_slot(officer, challenge_id, *, starts_at, ends_at, mode, address="", link=""):
    challenge = access.evaluation_challenge(officer, id=challenge_id)
    permissions.require(officer, "evaluation.manage", challenge)
    refuse_ranking(officer, challenge, evaluation_of(challenge))  # recused, or on the panel and not declared
    closed = why_no_sessions(challenge)
    if closed is not None:
        raise InvalidTransition(str(closed))
    errors = {}
    address, link = (address or "").strip(), (link or "").strip()
    if starts_at is None or starts_at.tzinfo is None:
        errors["starts_at"] = _l("Enter the date and time the session starts.")
    elif starts_at <= utcnow():
        errors["starts_at"] = _l("The session must start in the future.")
    if ends_at is None or ends_at.tzinfo is None:
        errors["ends_at"] = _l("Enter the time the session ends.")
    elif starts_at is not None and starts_at.tzinfo is not None and not (
            starts_at < ends_at <= starts_at + MAX_SESSION):
        errors["ends_at"] = _l("The session must end after it starts, and last at most 4 hours.")
    if mode not in SESSION_MODES:
        errors["mode"] = _l("Choose in person or online.")
    elif mode == IN_PERSON and not address:
        errors["address"] = _l("Enter the address where the session takes place.")
    elif mode == ONLINE and (urlparse(link).scheme != "https" or not urlparse(link).netloc):
        errors["link"] = _l("Enter the meeting link, starting with https://.")
    if len(address) > 500:
        errors["address"] = _l("The address must be 500 characters or fewer.")
    if len(link) > 500:
        errors["link"] = _l("The link must be 500 characters or fewer.")
    if errors:
        raise ValidationFailed(errors)
    starts_at, ends_at = (t.replace(second=0, microsecond=0) for t in (starts_at, ends_at))  # minutes, like a diary
    slot = PitchSessionSlot(challenge_id=challenge.id, starts_at=starts_at, ends_at=ends_at, mode=mode,
                            address=address if mode == IN_PERSON else None, link=link if mode == ONLINE else None,
                            offered_by_id=officer.id)
    db.session.add(slot)
    record_change(officer, "pitch_session.offered", slot, after={"starts_at": starts_at, "mode": mode},
                  challenge_id=challenge.id)
    db.session.commit()
    return slot


def awaiting_a_session(*conditions):
    """The statement of the shortlisted pitches (of the challenge, or company, `conditions` name) whose company has
    not booked a session: they are the ones invited to pick a time."""
    booked = select(PitchSessionSlot.id).where(PitchSessionSlot.pitch_id == Pitch.id).exists()
    return select(Pitch).where(Pitch.status.in_(pitch_lifecycle.SHORTLISTED), ~booked, *conditions)


def pitches_to_book(company_id):
    """The ids of the company's pitches that can book a pitch session now: shortlisted, none booked yet, and a
    free slot to come, of a challenge not cancelled (what the pitch's session page offers, for its dashboard)."""
    free = select(PitchSessionSlot.id).where(
        PitchSessionSlot.challenge_id == Pitch.challenge_id, PitchSessionSlot.pitch_id.is_(None),
        PitchSessionSlot.starts_at > utcnow()).exists()
    return set(db.session.scalars(
        awaiting_a_session(Pitch.company_id == company_id, free, Challenge.status.not_in(lifecycle.CALLED_OFF))
        .join(Challenge, Challenge.id == Pitch.challenge_id).with_only_columns(Pitch.id)))


@handles("pitch_session.offered")
def tell_of_offered_slots(event):
    """Slots offered: the people of each shortlisted company that has not booked yet are told they can pick a time
    (a notice, and its email as they chose to have them). An officer offers slots one by one, several in a sitting:
    a company is told once per day slots are offered (the day the offer was recorded, so a retry of the same event
    says nothing twice), not once per slot. Slots offered before the shortlist is sent tell nobody: the shortlist's
    own notice invites the companies to pick a time (evaluation.shortlist notices)."""
    slot = db.session.get(PitchSessionSlot, event.payload["object_id"])
    if slot is None or why_no_sessions(slot.challenge) is not None or not open_slots(slot.challenge):
        return
    shortlist_sent = getattr(evaluation_of(slot.challenge), "shortlist_sent_at", None)
    if shortlist_sent is not None and event.created_at < shortlist_sent:
        return  # offered before the shortlist, handled after it (the broker was down): its notice invites them
    challenge = slot.challenge
    batch = event.created_at.date().isoformat()
    title = _l("Times offered for your pitch session: “%(title)s”", title=challenge.title)
    body = _l("%(agency)s offers times for a short pitch session. Pick the one that suits you; no new documents "
              "are needed.", agency=challenge.agency.name)
    notify_all([Notice(user, "pitch_session.offered", title, f"slots-offered:{challenge.id}:{batch}:{user.id}",
                       body=body, link=links.pitch_session_path(pitch), email_template="notification")
                for pitch in db.session.scalars(awaiting_a_session(Pitch.challenge_id == challenge.id))
                for user in _people(pitch.company_id)])


def open_slots(challenge):
    if lifecycle.state_of(challenge).called_off:
        return []
    return db.session.scalars(
        select(PitchSessionSlot).where(PitchSessionSlot.challenge_id == challenge.id,
                                       PitchSessionSlot.pitch_id.is_(None),
                                       PitchSessionSlot.starts_at > utcnow())
        .order_by(PitchSessionSlot.starts_at)
    ).all()


def held_online(slot):
    """Online, at a link, rather than in person at an address: pages, emails and calendar files ask this."""
    return slot.mode == ONLINE


def place_of(slot):
    """Where the session takes place: its link online, its address in person."""
    return slot.link if held_online(slot) else slot.address


def slots_of(challenge):
    return db.session.scalars(
        select(PitchSessionSlot).where(PitchSessionSlot.challenge_id == challenge.id)
        .order_by(PitchSessionSlot.starts_at)
    ).all()


def booked_slot(pitch):
    return db.session.scalar(select(PitchSessionSlot).where(PitchSessionSlot.pitch_id == pitch.id))


def book_slot(member, pitch_id, slot_id):
    """A shortlisted company picks a slot; the first to pick it gets it."""
    pitch = access.own_pitch(member, pitch_id)
    if not pitch_lifecycle.state_of(pitch).shortlisted:
        raise InvalidTransition(str(_l("Only shortlisted pitches are invited to a pitch session.")))
    if lifecycle.state_of(pitch.challenge).called_off:
        raise InvalidTransition(str(CALLED_OFF))
    if slot_id is None:  # the form sent without a time chosen
        raise ValidationFailed({"slot_id": _l("Choose one of the free time slots.")})
    slot = db.session.get(PitchSessionSlot, slot_id)
    if slot is None or slot.challenge_id != pitch.challenge_id:
        raise NotFound(str(_l("We could not find that time slot.")))
    if booked_slot(pitch) is not None:
        raise Conflict(str(_l("You have already picked a time slot.")))
    if slot.pitch_id is not None or slot.starts_at <= utcnow():
        raise Conflict(str(_l("That time slot has just been taken. Please pick another.")))
    # Conditional update: of two companies picking the same slot at once, one matches the row.
    taken = db.session.execute(
        PitchSessionSlot.__table__.update()
        .where(PitchSessionSlot.id == slot.id, PitchSessionSlot.pitch_id.is_(None))
        .values(pitch_id=pitch.id, booked_at=utcnow())
    ).rowcount
    if taken != 1:
        db.session.rollback()
        raise Conflict(str(_l("That time slot has just been taken. Please pick another.")))
    record_change(member, "pitch_session.booked", slot, after={"pitch_id": pitch.id},
                  challenge_id=pitch.challenge_id, payload={"slot_id": slot.id, "pitch_id": pitch.id})
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(str(_l("You have already picked a time slot."))) from None
    db.session.refresh(slot)
    return slot


def calendar_invitation(slot, *, organiser_email, attendee_emails, called_off=False, uninvited=False,
                        for_panel=False, sequence=0):
    """The session as an iCalendar (.ics) file, for the email to both sides. `called_off`: its cancellation (RFC
    5546's CANCEL: the same event, a later sequence), which takes it out of the calendars it was added to.
    `uninvited`: the same CANCEL for the attendees listed only (a panel member who stepped aside), without
    STATUS:CANCELLED, which would say the session itself is off (RFC 5546, 3.2.5: uninviting attendees).
    The method goes along with the file, so the email says it without reading the file again. `for_panel`: the
    panel's copy, which names the company (each of its sessions its own entry in their calendar); the company's
    names the challenge and the agency. Both give the session's page. `sequence`: the event's version, as it stands
    (`_sequence`); a cancellation is the one after it."""
    challenge = slot.challenge
    cancel = called_off or uninvited
    method = CALENDAR_CANCEL if cancel else CALENDAR_REQUEST
    calendar = Calendar()
    calendar.add("prodid", "-//Agora//Pitch sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"pitch-session-{slot.id}@agora")
    event.add("sequence", sequence + 1 if cancel else sequence)
    if called_off:
        event.add("status", "CANCELLED")
    event.add("dtstamp", utcnow())
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.ends_at)
    # Names, not words, tell a calendar's entries apart: the panel's by the company, the company's by the agency.
    if for_panel:
        company = slot.pitch.company.name
        summary = _l("Pitch session: %(title)s", title=f"{company} – {challenge.title}")
        description = _l("A short conversation with %(company)s about its pitch.", company=company)
        page = links.evaluation_sessions_path(challenge)
    else:
        summary = _l("Pitch session: %(title)s", title=f"{challenge.title} – {challenge.agency.name}")
        description = _l("A short conversation about your pitch. No new documents are needed.")
        page = links.pitch_session_path(slot.pitch)
    event.add("summary", str(summary))
    event.add("location", vText(place_of(slot)))
    if held_online(slot):
        event.add("url", slot.link)
    event.add("description", f"{description}\n{links.absolute(page)}")
    event.add("organizer", vCalAddress(f"mailto:{organiser_email}"))
    for address in attendee_emails:
        event.add("attendee", vCalAddress(f"mailto:{address}"), encode=0)
    calendar.add_component(event)
    return CalendarPart(calendar.to_ical().decode("utf-8"), method)


def sessions_starting_between(start, end):
    """Booked sessions starting in [start, end), of challenges not cancelled nor decided (`why_called_off`): no
    reminder of a session called off."""
    decided = select(Evaluation.id).where(Evaluation.challenge_id == Challenge.id,
                                          Evaluation.decisions_published_at.is_not(None)).exists()
    return db.session.scalars(
        select(PitchSessionSlot).join(Challenge, Challenge.id == PitchSessionSlot.challenge_id)
        .where(PitchSessionSlot.pitch_id.is_not(None), Challenge.status.not_in(lifecycle.CALLED_OFF), ~decided,
               PitchSessionSlot.starts_at >= start, PitchSessionSlot.starts_at < end)
    ).all()


def _people(organisation_id, roles=None):
    query = select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == organisation_id, User.is_suspended.is_(False))
    if roles:
        query = query.where(Membership.role.in_(roles))
    return db.session.scalars(query).all()


def panel_of(challenge):
    """The agency's people invited to its pitch sessions: those who run the evaluation off the panel (the owner,
    who declares nothing) and the panel members who declared no conflict of interest — not the recused, nor
    whoever has not declared yet (`evaluation.undeclared`: given the role late, say), who reads no pitch."""
    declared = dict(db.session.execute(select(ConflictDeclaration.evaluator_id, ConflictDeclaration.conflicted)
                                       .where(ConflictDeclaration.challenge_id == challenge.id)).all())
    return [u for u in _people(challenge.agency_id, permissions.SESSION_PANEL)
            if declared.get(u.id) is False or (u.id not in declared and u.membership.role not in permissions.PANEL)]


def _sequence(slot):
    """The session's version in the calendars it was sent to (iCalendar's SEQUENCE): one more for each declaration
    made on the panel since it was booked — a conflict took its member off the attendees
    (`uninvite_who_stepped_aside`), a latecomer's "no conflict" added them (`invite_who_declared`), and each time the
    others were sent the event again (`_send_update`). Read from the audit trail, where each declaration is a row of
    its own (a latecomer who later steps aside changes one declaration twice), so the invitation, the reminder, the
    download and a cancellation agree however often they are built."""
    if slot.booked_at is None:
        return 0
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.challenge_id == slot.challenge_id, AuditEvent.action == DECLARED,
        AuditEvent.occurred_at > slot.booked_at))


def _calendar(slot, company_people, agency_people, uninvited=(), for_panel=False):
    """The session's .ics for the company's people and the panel (`agency_people`, whose first is the organiser
    when the slot's officer is gone); `uninvited`: those taken off it, the file then its cancellation for them;
    `for_panel`: the panel's copy (calendar_invitation)."""
    offered_by = db.session.get(User, slot.offered_by_id) if slot.offered_by_id else None
    organiser = (offered_by.email if offered_by is not None else
                 agency_people[0].email if agency_people else current_app.config["MAIL_DEFAULT_SENDER"])
    return calendar_invitation(slot, organiser_email=organiser,
                               attendee_emails=[u.email for u in uninvited or company_people + agency_people],
                               called_off=why_called_off(slot) is not None, uninvited=bool(uninvited),
                               for_panel=for_panel, sequence=_sequence(slot))


def _calendars_by_language(slot, company_people, agency_people, uninvited=()):
    """person -> the session's .ics (a CalendarPart) in their language (a calendar shows its summary and
    description as written) and for their side (the company's copy, or the panel's), built once per both."""
    files = {}

    def calendar_for(user):
        key = recipient_locale(user), not _of_the_company(slot, user)
        if key not in files:
            with force_locale(key[0]):
                files[key] = _calendar(slot, company_people, agency_people, uninvited, for_panel=key[1])
        return files[key]
    return calendar_for


def session_calendar(user, slot_id):
    """A booked session as .ics, for the company that booked it or a member of the panel (`panel_of`); a panel
    member who has not declared yet gets the pitch pages' answer (why, and the way to the declaration); anyone
    else: not found."""
    slot = db.session.get(PitchSessionSlot, slot_id)
    if slot is None or slot.pitch is None:
        raise NotFound(str(_l("We could not find that pitch session.")))
    panel = panel_of(slot.challenge)
    if not permissions.can(user, "pitch.write", slot.pitch) and user not in panel:
        declaration = declaration_of(user, slot.challenge)
        if declaration is None and undeclared(user, slot.challenge, None):
            raise access.withheld(permissions.UNDECLARED, slot.challenge)
        raise NotFound(str(_l("We could not find that pitch session.")))
    return _calendar(slot, _people(slot.pitch.company_id), panel, for_panel=not _of_the_company(slot, user)).text


def _of_the_company(slot, user):
    """One of the people of the company that booked the slot (else: of the panel)."""
    membership = getattr(user, "membership", None)
    return membership is not None and membership.organisation_id == slot.pitch.company_id


def _session_page(slot, user):
    """The session's page for this person: the company's pitch session, or the evaluation's sessions."""
    return links.pitch_session_path(slot.pitch) if _of_the_company(slot, user) else \
        links.evaluation_sessions_path(slot.challenge)


YOUR_SESSION = _l("Your pitch session")
YOUR_SESSION_BOOKED = _l("Your pitch session is booked.")


def _session_notice(slot, reader, yours=YOUR_SESSION):
    """Which session, in a notice and its email: whose (the company's name for the panel; `yours` for the company's
    own people, who are not told their own name), when (from start to end, with the zone: an email is read away from
    the page that names it) and where, one under the other, said again in the reader's language and zone."""
    where = _l("Online: %(link)s", link=slot.link) if held_online(slot) else \
        _l("Address: %(address)s", address=slot.address)
    return lines(yours if _of_the_company(slot, reader) else slot.pitch.company.name,
                 _l("When: %(when)s", when=lazy(time_span, slot.starts_at, slot.ends_at, zone=True)), where)


def _send_invitation(slot, dedupe_prefix, reminder=False, to=None):
    """Both sides (or those of them in `to`) get the session's notice and its calendar file, once per person and
    `dedupe_prefix` (the keys `_invited` reads)."""
    pitch = slot.pitch
    challenge = slot.challenge
    company_people = _people(pitch.company_id)
    agency_people = panel_of(challenge)
    calendar_for = _calendars_by_language(slot, company_people, agency_people)
    # The reminder names the session's day rather than saying "tomorrow": beat sends it 12 to 36 hours ahead, and
    # whether that is tomorrow depends on the hour and on each reader's zone; the day is true for all of them.
    title = (_l("Reminder: pitch session for “%(title)s” on %(day)s", title=challenge.title,
                day=lazy(day, slot.starts_at)) if reminder
             else _l("Pitch session booked for “%(title)s”", title=challenge.title))
    for user in (company_people + agency_people if to is None else [u for u in to if u in agency_people]):
        body = _session_notice(slot, user, YOUR_SESSION if reminder else YOUR_SESSION_BOOKED)
        # When, as well as who and where: the calendar file is not the only place a person looks (a notice is
        # said again in the reader's language and zone, notice_text; an email is written in the recipient's).
        page = _session_page(slot, user)
        notification = notify(user, kind="pitch_session.reminder" if reminder else "pitch_session.booked",
                              title=title, body=body, link=page, dedupe_key=f"{dedupe_prefix}:{slot.id}:{user.id}")
        if notification is not None:
            queue_email("notification", dedupe_key=_invitation_key(slot, user, dedupe_prefix), user=user,
                        context={"title": title, "body": body, "link": links.absolute(page)},
                        calendar=calendar_for(user))


@handles("pitch_session.booked")
def send_calendar_invitations(event):
    slot = db.session.get(PitchSessionSlot, event.payload["slot_id"])
    # A booking handled after the challenge was cancelled (both waiting for the worker) invites nobody: its
    # "booked" email would carry the calendar's cancellation, and send_calendar_cancellations tells it already.
    if slot is not None and slot.pitch is not None and why_called_off(slot) is None:
        _send_invitation(slot, "session")


@handles("challenge.cancelled")
def send_calendar_cancellations(event):
    """The sessions booked and still to come of a challenge cancelled: both sides get the calendar file that takes
    each out of their calendars (the cancellation itself is told by challenges.tell_of_the_cancellation)."""
    challenge = db.session.get(Challenge, event.payload["object_id"])
    if challenge is None or not lifecycle.state_of(challenge).called_off:
        return
    _call_off(challenge, CALLED_OFF)


@handles("evaluation.decisions_sent")
def call_off_sessions_after_the_decisions(event):
    """The final decisions sent while sessions were still booked to come: those sessions can decide nothing any
    more, so both sides get the calendar file that takes each out of their calendars, saying why (each company
    learns its decision by the decisions' own notice). A cancelled challenge's were called off already."""
    challenge = db.session.get(Challenge, event.payload["object_id"])
    if challenge is None or lifecycle.state_of(challenge).called_off or not decisions_sent(challenge):
        return
    _call_off(challenge, DECIDED_FIRST)


def _call_off(challenge, why):
    """Each session of the challenge booked and still to come, taken out of the calendars of both sides, `why`; the
    inbox of each, which says the session was booked, says too that it is called off."""
    title = _l("Pitch session called off: “%(title)s”", title=challenge.title)
    slots = _sessions_to_come(challenge)
    panel = panel_of(challenge) if slots else []
    # Off the panel now (stepped aside, or not declared): those of them who were sent a session get its cancellation.
    stepped_aside = [u for u in _people(challenge.agency_id, permissions.SESSION_PANEL) if u not in panel] \
        if slots else []
    for slot in slots:
        company_people = _people(slot.pitch.company_id)
        agency_people = panel + _invited(slot, stepped_aside)
        for user in company_people + agency_people:
            notify(user, kind="pitch_session.called_off", title=title, body=_called_off_notice(slot, user, why),
                   link=_session_page(slot, user), dedupe_key=f"session-called-off:{slot.id}:{user.id}")
        _send_cancellation(slot, company_people + agency_people,
                           _calendars_by_language(slot, company_people, agency_people), title=title, why=why)


STEPPED_ASIDE = _l("You declared a conflict of interest and stepped aside from this challenge’s evaluation: you no "
                   "longer take part in its pitch sessions, and this one is taken out of your calendar.")


DECLARED = "evaluation.conflict_declared"


def _declared(event):
    """(challenge, member, their declaration) of a declaration's event, or None when nothing is sent for it: the
    challenge cancelled meanwhile (its sessions are taken out of every calendar by send_calendar_cancellations)."""
    challenge = db.session.get(Challenge, event.payload["object_id"])
    member = db.session.get(User, event.payload["actor_id"]) if event.payload.get("actor_id") else None
    if challenge is None or member is None or lifecycle.state_of(challenge).called_off:
        return None
    declaration = declaration_of(member, challenge)
    return None if declaration is None else (challenge, member, declaration)


def _sessions_still_on(challenge):
    """The challenge's sessions booked, still to come and not called off (`why_called_off`): those a declaration
    changes the attendees of."""
    return [slot for slot in _sessions_to_come(challenge) if why_called_off(slot) is None]


@handles(DECLARED)
def uninvite_who_stepped_aside(event):
    """A panel member who declares a conflict after a session was booked had its invitation, and the session in
    their calendar: they get its cancellation, for them alone (the session goes on for the others). The others
    who were sent the session get it again, without them (the same event, its next version: `_sequence`), so
    their calendars stop listing them. One who stepped aside before the booking was never invited, and nobody is
    told anything now (`_invited`)."""
    declared = _declared(event)
    if declared is None or not is_recused(declared[2]):
        return  # no conflict: invite_who_declared
    challenge, member, _ = declared
    title = _l("Pitch session taken out of your calendar: “%(title)s”", title=challenge.title)
    for slot in _sessions_still_on(challenge):
        if _invited(slot, [member]):  # one called off was taken out already
            # Their inbox says the session was booked, for them: it says too that it no longer is.
            notify(member, kind="pitch_session.uninvited", title=title, body=_session_notice(slot, member),
                   link=links.evaluation_path(challenge), dedupe_key=f"session-called-off:{slot.id}:{member.id}")
            _send_cancellation(slot, [member], _calendars_by_language(slot, [], panel_of(challenge), [member]),
                               title=title, why=STEPPED_ASIDE)
            _send_update(slot, member, LEFT)


@handles(DECLARED)
def invite_who_declared(event):
    """A panel member who declares no conflict of interest after sessions were booked (given the role late, say)
    joins the panel of the sessions still to come and not called off (`why_called_off`): they get each one's
    notice and calendar file as if they had been there at the booking (the invitation's keys, so `_invited`
    counts them and nobody is sent one twice), at the event's version as it stands (`_sequence`, which their
    declaration moved on). The others who were sent the session get it again, listing them (`_send_update`), as
    when a member steps aside."""
    declared = _declared(event)
    if declared is None or is_recused(declared[2]):
        return  # a conflict: uninvite_who_stepped_aside
    challenge, member, declaration = declared
    for slot in _sessions_still_on(challenge):
        _send_invitation(slot, "session", to=[member])
        # Declared before the booking (or a slot with no booking time): invited at the booking, with the others.
        if slot.booked_at is not None and declaration.declared_at > slot.booked_at:
            _send_update(slot, member, JOINED)


JOINED, LEFT = "joined", "left"
_UPDATE_KEYS = {JOINED: "session-joined", LEFT: "session-updated"}


def _what_changed(change, member):
    """Which attendee changed, in the update the others are sent: said, never why."""
    if change == JOINED:
        return _l("%(name)s now takes part in this pitch session: it is updated in your calendar, with them.",
                  name=member.name)
    return _l("%(name)s no longer takes part in this pitch session: it is updated in your calendar, without them.",
              name=member.name)


def _send_update(slot, member, change):
    """The session again, to those of its attendees who were sent it (but `member`), now with or without `member`
    (`change`: JOINED, a latecomer who declared no conflict; LEFT, one who stepped aside): the same event at its
    next version (`_sequence`), which replaces theirs; the email says which session and who joined or left it —
    not why. One per person, session, member and change."""
    company_people, panel = _people(slot.pitch.company_id), panel_of(slot.challenge)
    calendar_for = _calendars_by_language(slot, company_people, panel)
    title = _l("Pitch session updated: “%(title)s”", title=slot.challenge.title)
    said, key = _what_changed(change, member), _UPDATE_KEYS[change]
    for user in _invited(slot, [u for u in company_people + panel if u.id != member.id]):
        queue_email("notification", dedupe_key=f"email:{key}:{slot.id}:{member.id}:{user.id}", user=user,
                    context={"title": title, "body": lines(_session_notice(slot, user), "", said),
                             "link": links.absolute(_session_page(slot, user))},
                    calendar=calendar_for(user))


def _sessions_to_come(challenge):
    """The challenge's sessions booked and not begun: those still in someone's calendar to take out."""
    return db.session.scalars(select(PitchSessionSlot).where(
        PitchSessionSlot.challenge_id == challenge.id, PitchSessionSlot.pitch_id.is_not(None),
        PitchSessionSlot.starts_at > utcnow()).order_by(PitchSessionSlot.id)).all()


def _send_cancellation(slot, people, calendar_for, *, title, why):
    """Email each of `people` the calendar file that takes this session out of their calendar (`calendar_for`:
    person -> the file), saying which session as the booking did and `why`. One per person and session: whoever
    was uninvited when stepping aside gets no second one if the challenge is cancelled later."""
    # Which session (the panel gets one email per session), as the booking said it: its time is written when the
    # email is, in the recipient's language and zone.
    for user in people:
        body = _called_off_notice(slot, user, why)
        queue_email("notification", dedupe_key=f"email:session-called-off:{slot.id}:{user.id}", user=user,
                    context={"title": title, "body": body, "link": links.absolute(_session_page(slot, user))},
                    calendar=calendar_for(user))


def _called_off_notice(slot, reader, why):
    """Which session is called off, and `why`: its inbox notice and its email say the same."""
    return lines(_session_notice(slot, reader), "", why)


def _invited(slot, people):
    """Those of `people` who were sent the session in a calendar file (a member of the panel who stepped aside
    for a conflict after it was booked still has it in their calendar): asked of the emails queued, by their
    keys — the invitation (at the booking, or when a panel member declares no conflict after it:
    `invite_who_declared`), or the reminder the day before (which reaches someone who joined the panel since
    without declaring anything: an owner)."""
    keys = {_invitation_key(slot, user, prefix): user for user in people for prefix in ("session", "session-reminder")}
    if not keys:
        return []
    sent = set(db.session.scalars(select(EmailDelivery.dedupe_key).where(EmailDelivery.dedupe_key.in_(keys))))
    return list({user.id: user for key, user in keys.items() if key in sent}.values())


def _invitation_key(slot, user, dedupe_prefix="session"):
    return f"email:{dedupe_prefix}:{slot.id}:{user.id}"


def remind_tomorrows_sessions(now=None):
    """The day before a session, both sides get a reminder with the calendar file; once, however often beat runs."""
    now = now or utcnow()
    slots = sessions_starting_between(now + timedelta(hours=12), now + timedelta(hours=36))
    for slot in slots:
        _send_invitation(slot, "session-reminder", reminder=True)
    db.session.commit()
    return len(slots)
