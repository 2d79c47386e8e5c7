"""Pitch sessions: offering slots, picking one first-come, and the calendar file."""
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import ConflictDeclaration, PitchSessionSlot
from marketplace.services.evaluation import pitch_sessions
from marketplace.services.clock import utcnow
from marketplace.services.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed


@pytest.fixture
def evaluating(f):
    challenge = f.Challenge(status="evaluating", pitch_deadline=utcnow() - timedelta(days=3))
    shortlisted = [f.Pitch(challenge=challenge, status="shortlisted") for _ in range(2)]
    rejected = f.Pitch(challenge=challenge, status="not_selected")
    people = {
        "officer": f.member(challenge.agency, "procurement_officer"),
        "evaluator": f.member(challenge.agency, "evaluator"),
        "first": f.member(shortlisted[0].company, "member"),
        "second": f.member(shortlisted[1].company, "member"),
        "rejected": f.member(rejected.company, "owner"),
    }
    for member in (people["officer"], people["evaluator"]):  # the panel sits in the sessions once declared
        db.session.add(ConflictDeclaration(challenge_id=challenge.id, evaluator_id=member.id, conflicted=False))
    db.session.commit()
    return challenge, shortlisted, rejected, people


def _offer(challenge, people, **overrides):
    start = utcnow() + timedelta(days=5)
    fields = dict(starts_at=start, ends_at=start + timedelta(minutes=45), mode="online",
                  link="https://meet.example.org/agora-1")
    fields.update(overrides)
    return pitch_sessions.offer_slot(people["officer"], challenge.id, **fields)


@pytest.mark.parametrize("overrides,field", [
    ({"starts_at": utcnow() - timedelta(hours=1)}, "starts_at"),
    ({"ends_at": utcnow() + timedelta(days=5, hours=6)}, "ends_at"),
    ({"mode": "carrier pigeon"}, "mode"),
    ({"link": "javascript:alert(1)"}, "link"),
    ({"link": "http://meet.example.org/plain"}, "link"),
    ({"mode": "in_person", "address": ""}, "address"),
    ({"mode": "in_person", "address": "x" * 501}, "address"),
])
def test_bad_slots_are_refused(evaluating, overrides, field):
    challenge, _, _, people = evaluating
    with pytest.raises(ValidationFailed) as refused:
        _offer(challenge, people, **overrides)
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.query(PitchSessionSlot).count() == 0


def test_only_the_officer_offers_slots(evaluating):
    challenge, _, _, people = evaluating
    with pytest.raises(NotAllowed):
        pitch_sessions.offer_slot(people["evaluator"], challenge.id, starts_at=None, ends_at=None, mode="online")
    with pytest.raises(NotFound):
        pitch_sessions.offer_slot(people["first"], challenge.id, starts_at=None, ends_at=None, mode="online")


def test_first_company_to_pick_gets_the_slot(evaluating):
    challenge, shortlisted, rejected, people = evaluating
    slot = _offer(challenge, people)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    with pytest.raises(Conflict):
        pitch_sessions.book_slot(people["second"], shortlisted[1].id, slot.id)
    with pytest.raises(InvalidTransition):
        pitch_sessions.book_slot(people["rejected"], rejected.id, slot.id)
    with pytest.raises(NotFound):
        pitch_sessions.book_slot(people["second"], shortlisted[0].id, slot.id)  # not their pitch
    other = _offer(challenge, people, mode="in_person", address="Rue de la Loi 16, 1000 Brussels")
    with pytest.raises(Conflict):
        pitch_sessions.book_slot(people["first"], shortlisted[0].id, other.id)  # one slot per pitch
    pitch_sessions.book_slot(people["second"], shortlisted[1].id, other.id)
    assert pitch_sessions.open_slots(challenge) == []
    assert pitch_sessions.booked_slot(shortlisted[1]).id == other.id


def test_the_calendar_file_describes_the_session(evaluating):
    challenge, shortlisted, _, people = evaluating
    slot = _offer(challenge, people, mode="in_person", address="Rue de la Loi 16, 1000 Brussels")
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    ics = pitch_sessions.calendar_invitation(slot, organiser_email="officer@agency.example",
                                             attendee_emails=["a@company.example"])
    event = icalendar.Calendar.from_ical(ics.text).walk("VEVENT")[0]
    assert event.decoded("dtstart") == slot.starts_at
    assert str(event["location"]) == "Rue de la Loi 16, 1000 Brussels"
    assert challenge.title in str(event["summary"])
    assert str(event["attendee"]) == "mailto:a@company.example"


def test_booking_sends_the_company_and_the_panel_a_calendar_invitation_and_a_reminder(evaluating, f, smtp_sink):
    from sqlalchemy import select

    from marketplace.models import ConflictDeclaration, EmailDelivery
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    recused = f.member(challenge.agency, "evaluator")
    db.session.add(ConflictDeclaration(challenge_id=challenge.id, evaluator_id=recused.id, conflicted=True,
                                       note="Former employer."))
    f.member(challenge.agency, "publisher")  # not on the panel
    db.session.commit()
    slot = _offer(challenge, people, starts_at=utcnow() + timedelta(hours=30),
                  ends_at=utcnow() + timedelta(hours=30, minutes=30))
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    panel_and_company = sorted([people["first"].email, people["officer"].email, people["evaluator"].email])
    assert sorted(m["To"] for m in smtp_sink.messages) == panel_and_company
    calendar = next(part for part in smtp_sink.messages[0].walk() if part.get_content_type() == "text/calendar")
    event = icalendar.Calendar.from_ical(calendar.get_content()).walk("VEVENT")[0]
    assert event["location"] == "https://meet.example.org/agora-1"
    assert sorted(str(a).removeprefix("mailto:") for a in event["attendee"]) == panel_and_company
    assert str(event["organizer"]) == f"mailto:{people['officer'].email}"  # who offered the slot
    # When, not only who and where: in the email and the notice, in the reader's language and zone.
    when = slot.starts_at.astimezone(ZoneInfo("Europe/Brussels"))
    said = next(m for m in smtp_sink.messages if m["To"] == people["officer"].email).get_body(
        preferencelist=("plain",)).get_content()
    assert f"{when:%H:%M}–" in said and slot.link in said and shortlisted[0].company.name in said
    from marketplace.models import Notification
    notice = db.session.scalars(select(Notification).where(Notification.user_id == people["first"].id,
                                                           Notification.kind == "pitch_session.booked")).one()
    from marketplace.services.messaging.notifications import ShownNotice
    assert f"{when:%H:%M}–" in notice.body and slot.link in notice.body and notice.body_message  # kept to be said again
    assert f"{when:%H:%M}–" in ShownNotice.of(notice).body
    assert pitch_sessions.remind_tomorrows_sessions() == 1
    assert pitch_sessions.remind_tomorrows_sessions() == 1
    process_pending()
    reminders = db.session.scalars(
        select(EmailDelivery).where(EmailDelivery.dedupe_key.like("email:session-reminder%")))
    assert len(reminders.all()) == 3
    assert len(smtp_sink.messages) == 6


def test_the_company_reads_of_its_own_booked_session_and_the_panel_reads_whose_it_is(evaluating, smtp_sink):
    """Found walking the demo: the company's notice and email began with its own name; it reads that its session
    is booked (a reminder or a cancellation: "Your pitch session"), the panel reads the company's name."""
    from sqlalchemy import select

    from marketplace.models import Notification
    from marketplace.services.messaging.notifications import ShownNotice
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    slot = _offer(challenge, people)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    company = shortlisted[0].company.name
    shown = {who: ShownNotice.of(db.session.scalars(select(Notification).where(
        Notification.user_id == people[who].id, Notification.kind == "pitch_session.booked")).one()).body
        for who in ("first", "officer")}
    assert shown["first"].startswith("Your pitch session is booked.") and company not in shown["first"]
    assert shown["officer"].startswith(company)
    said = {m["To"]: m.get_body(preferencelist=("plain",)).get_content() for m in smtp_sink.messages}
    assert "Your pitch session is booked." in said[people["first"].email] and company not in said[people["first"].email]
    assert company in said[people["officer"].email] and "Your pitch session" not in said[people["officer"].email]


def test_the_booked_session_downloads_for_the_company_and_the_panel_only(evaluating, f):
    challenge, shortlisted, _, people = evaluating
    slot = _offer(challenge, people)
    with pytest.raises(NotFound):  # nothing booked yet
        pitch_sessions.session_calendar(people["officer"], slot.id)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    for who in ("first", "officer", "evaluator"):
        event = icalendar.Calendar.from_ical(pitch_sessions.session_calendar(people[who], slot.id)).walk("VEVENT")[0]
        assert event.decoded("dtstart") == slot.starts_at
    for who in ("second", "rejected"):
        with pytest.raises(NotFound):
            pitch_sessions.session_calendar(people[who], slot.id)
    with pytest.raises(NotFound):
        pitch_sessions.session_calendar(f.member(challenge.agency, "publisher"), slot.id)


def test_a_cancelled_challenge_has_no_session_to_book_or_be_reminded_of(evaluating, f):
    from marketplace.services.challenges import challenges

    challenge, shortlisted, _, people = evaluating
    soon = utcnow() + timedelta(hours=30)
    booked = _offer(challenge, people, starts_at=soon, ends_at=soon + timedelta(minutes=30))
    free = _offer(challenge, people)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, booked.id)
    challenges.cancel_challenge(f.member(challenge.agency, "publisher"), challenge.slug, "No budget any more.")
    with pytest.raises(InvalidTransition) as refused:
        pitch_sessions.book_slot(people["second"], shortlisted[1].id, free.id)
    assert refused.value.message == str(pitch_sessions.CALLED_OFF)
    assert pitch_sessions.open_slots(challenge) == []
    assert pitch_sessions.remind_tomorrows_sessions() == 0


def test_a_booked_session_of_a_cancelled_challenge_leaves_both_sides_calendars(evaluating, f, smtp_sink):
    from marketplace.services.challenges import challenges
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    people["first"].locale = "fr"  # the calendar shows the event's text: in each recipient's language
    slot = _offer(challenge, people)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    invited = icalendar.Calendar.from_ical(next(
        p for m in smtp_sink.messages if m["To"] == people["first"].email for p in m.walk()
        if p.get_content_type() == "text/calendar").get_content()).walk("VEVENT")[0]
    smtp_sink.messages.clear()
    challenges.cancel_challenge(f.member(challenge.agency, "publisher"), challenge.slug, "No budget any more.")
    process_pending()
    process_pending()  # again: each person gets the cancellation once
    called_off = [m for m in smtp_sink.messages if any(p.get_content_type() == "text/calendar" for p in m.walk())]
    assert sorted(m["To"] for m in called_off) == sorted(people[who].email for who in ("first", "officer", "evaluator"))
    part = next(p for p in called_off[0].walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "CANCEL"
    sent = icalendar.Calendar.from_ical(part.get_content())
    event = sent.walk("VEVENT")[0]
    assert (sent["method"], event["status"], event["sequence"]) == ("CANCEL", "CANCELLED", 1)
    assert event["uid"] == invited["uid"] == f"pitch-session-{slot.id}@agora"  # the event the invitation added
    assert event["sequence"] > invited["sequence"]  # … taken out: a later version of it
    by_address = {m["To"]: m for m in called_off}
    said = by_address[people["officer"].email].get_body(preferencelist=("plain",)).get_content()
    when = slot.starts_at.astimezone(ZoneInfo("Europe/Brussels"))  # the recipient's zone (the default here)
    assert shortlisted[0].company.name in said and f"{when:%H:%M}–" in said and slot.link in said  # which session
    for who, summary in (("first", "Séance de présentation"), ("officer", "Pitch session: ")):
        part = next(p for p in by_address[people[who].email].walk() if p.get_content_type() == "text/calendar")
        assert str(icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]["summary"]).startswith(summary)
    assert str(invited["summary"]).startswith("Séance de présentation")
    downloaded = icalendar.Calendar.from_ical(pitch_sessions.session_calendar(people["first"], slot.id))
    assert downloaded["method"] == "CANCEL"  # the file on the page says so too


def test_a_member_who_stepped_aside_after_the_invitation_gets_the_cancellation_one_who_did_before_does_not(
        evaluating, f, smtp_sink):
    """The session stays in the calendar of a member invited before stepping aside for a conflict: the calendar
    cancellation reaches them too; a member who stepped aside before the booking was never told of the session
    (which company pitches when is not theirs to know), and is not told now."""
    from marketplace.services.challenges import challenges
    from marketplace.services.evaluation import evaluation
    from marketplace.services.messaging.outbox import process_pending

    from marketplace.models import Evaluation

    challenge, shortlisted, _, people = evaluating
    db.session.add(Evaluation(challenge_id=challenge.id, started_by_id=people["officer"].id))
    db.session.commit()
    early = f.member(challenge.agency, "evaluator")
    evaluation.declare_conflict(early, challenge.id, conflicted=True, note="My brother's company pitched.")
    slot = _offer(challenge, people)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    invited = {m["To"] for m in smtp_sink.messages}
    assert people["evaluator"].email in invited and early.email not in invited
    smtp_sink.messages.clear()
    evaluation.declare_conflict(people["evaluator"], challenge.id, conflicted=True, note="I advised the second one.")
    process_pending()
    assert _by_method(smtp_sink)["CANCEL"] == [people["evaluator"].email]  # taken out when stepping aside
    assert sorted(_by_method(smtp_sink)["REQUEST"]) == sorted(people[who].email for who in ("first", "officer"))
    smtp_sink.messages.clear()
    challenges.cancel_challenge(f.member(challenge.agency, "publisher"), challenge.slug, "No budget any more.")
    process_pending()
    called_off = {m["To"] for m in smtp_sink.messages if any(p.get_content_type() == "text/calendar" for p in m.walk())}
    assert called_off == {people[who].email for who in ("first", "officer")}  # the evaluator's is out already


def _by_method(smtp_sink):
    """{calendar method: [recipient, …]} of the emails sent with a calendar file."""
    sent = {}
    for message in smtp_sink.messages:
        if any(p.get_content_type() == "text/calendar" for p in message.walk()):
            sent.setdefault(str(_calendar_of(message)[1]["method"]), []).append(message["To"])
    return sent


def _calendar_of(message):
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return part, icalendar.Calendar.from_ical(part.get_content())


def test_a_member_who_steps_aside_after_the_booking_gets_the_sessions_cancellation_at_once(evaluating, f, smtp_sink):
    """Stepping aside for a conflict takes the session out of the member's calendar then, not when (if ever) the
    challenge is cancelled: the same event, cancelled for them alone, in their language; the others' session
    goes on, and no longer names them."""
    from marketplace.models import Evaluation
    from marketplace.services.evaluation import evaluation
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    db.session.add(Evaluation(challenge_id=challenge.id, started_by_id=people["officer"].id))
    people["evaluator"].locale = "fr"
    db.session.commit()
    slot = _offer(challenge, people)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    _, invitation = _calendar_of(next(m for m in smtp_sink.messages if m["To"] == people["evaluator"].email))
    smtp_sink.messages.clear()
    evaluation.declare_conflict(people["evaluator"], challenge.id, conflicted=True, note="I advised the company.")
    process_pending()
    process_pending()  # once
    assert _by_method(smtp_sink)["CANCEL"] == [people["evaluator"].email]
    message = next(m for m in smtp_sink.messages if m["To"] == people["evaluator"].email)
    part, cancellation = _calendar_of(message)
    event, invited = cancellation.walk("VEVENT")[0], invitation.walk("VEVENT")[0]
    assert part.get_param("method") == "CANCEL" == cancellation["method"]
    assert event["uid"] == invited["uid"] == f"pitch-session-{slot.id}@agora"
    assert event["sequence"] > invited["sequence"]
    assert "status" not in event  # the session itself takes place: only this attendee is taken off it
    assert str(event["attendee"]) == f"mailto:{people['evaluator'].email}"
    assert str(event["organizer"]) == str(invited["organizer"])
    assert str(event["summary"]).startswith("Séance de présentation")
    said = message.get_body(preferencelist=("plain",)).get_content()
    assert "conflit d’intérêts" in said and shortlisted[0].company.name in said
    from sqlalchemy import select

    from marketplace.models import Notification
    notices = db.session.scalars(select(Notification).where(Notification.user_id == people["evaluator"].id)
                                 .order_by(Notification.id)).all()
    assert [n.kind for n in notices] == ["pitch_session.booked", "pitch_session.uninvited"]  # the inbox says it too
    assert notices[1].title.startswith("Séance de présentation retirée de votre agenda")
    remaining = icalendar.Calendar.from_ical(pitch_sessions.session_calendar(people["officer"], slot.id))
    attendees = {str(a) for a in remaining.walk("VEVENT")[0]["attendee"]}
    assert f"mailto:{people['evaluator'].email}" not in attendees and remaining["method"] == "REQUEST"
    with pytest.raises(NotFound):
        pitch_sessions.session_calendar(people["evaluator"], slot.id)


def test_the_session_panel_is_who_runs_the_evaluation_or_scores_less_the_recused(evaluating, f):
    """The people invited to the sessions are those the permission rules let run the evaluation or score
    (permissions.SESSION_PANEL, asked once), less anyone who declared a conflict of interest, and less the panel's
    members who have not declared (the owner, off the panel, declares nothing)."""
    from marketplace.models import ConflictDeclaration
    from marketplace.services import permissions

    challenge, _, _, people = evaluating
    staff = {role: f.member(challenge.agency, role) for role in ("owner", "publisher", "procurement_officer",
                                                                 "evaluator")}
    recused, undeclared = f.member(challenge.agency, "evaluator"), f.member(challenge.agency, "evaluator")
    db.session.add(ConflictDeclaration(challenge_id=challenge.id, evaluator_id=recused.id, conflicted=True,
                                       note="My brother runs one of the companies."))
    for role in ("procurement_officer", "evaluator"):
        db.session.add(ConflictDeclaration(challenge_id=challenge.id, evaluator_id=staff[role].id, conflicted=False))
    db.session.commit()
    panel = pitch_sessions.panel_of(challenge)
    expected = {person for person in list(staff.values()) + [people["officer"], people["evaluator"]]
                if permissions.can(person, "evaluation.manage", challenge)
                or permissions.can(person, "evaluation.score", challenge)}
    assert set(panel) == expected
    assert {person.membership.role for person in panel} == set(permissions.SESSION_PANEL)
    assert staff["publisher"] not in panel and recused not in panel and undeclared not in panel


def test_a_latecomer_sits_in_the_sessions_to_come_once_declared(evaluating, f, smtp_sink):
    """Someone given the evaluator role after the sessions were booked is not invited, nor reminded, nor given
    the calendar file, until they declare (the pitch pages' answer, with the way to the declaration); declaring
    no conflict sends them the sessions still to come and not called off, once, at the event's next version, and
    the others who were sent them that version listing the latecomer; stepping aside later takes them out again
    (`_invited` counts that invitation), at the version after."""
    from marketplace.models import Evaluation, Notification
    from marketplace.services.errors import Withheld
    from marketplace.services.evaluation import evaluation
    from marketplace.services.messaging.outbox import process_pending
    from sqlalchemy import select

    challenge, shortlisted, _, people = evaluating
    db.session.add(Evaluation(challenge_id=challenge.id, started_by_id=people["officer"].id, finalised_at=utcnow()))
    db.session.commit()
    soon, later = utcnow() + timedelta(hours=30), utcnow() + timedelta(days=4)
    slot = _offer(challenge, people, starts_at=soon, ends_at=soon + timedelta(minutes=30))
    other = _offer(challenge, people, starts_at=later, ends_at=later + timedelta(minutes=30))
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    pitch_sessions.book_slot(people["second"], shortlisted[1].id, other.id)
    process_pending()
    late = f.member(challenge.agency, "evaluator")
    pitch_sessions.remind_tomorrows_sessions()
    process_pending()
    assert _emails_to(smtp_sink, late) == []
    with pytest.raises(Withheld) as refused:
        pitch_sessions.session_calendar(late, slot.id)
    assert refused.value.reason == "undeclared"
    smtp_sink.messages.clear()
    evaluation.declare_conflict(late, challenge.id, conflicted=False)
    process_pending()
    process_pending()  # once
    sent = _emails_to(smtp_sink, late)
    assert sorted(str(_event_of(m)["uid"]) for m in sent) == sorted(f"pitch-session-{s.id}@agora" for s in (slot, other))
    assert all(_event_of(m)["sequence"] == 1 for m in sent)  # the version that lists them
    # The others who were sent each session get it again, listing the latecomer: the same event, its next version.
    for who, session in (("first", slot), ("second", other), ("officer", slot), ("officer", other),
                         ("evaluator", slot)):
        [message] = [m for m in _emails_to(smtp_sink, people[who]) if str(_event_of(m)["uid"]) ==
                     f"pitch-session-{session.id}@agora"]
        updated = _event_of(message)
        assert message["Subject"].startswith("Pitch session updated") and updated["sequence"] == 1
        assert f"mailto:{late.email}" in {str(a) for a in updated["attendee"]}
        said = message.get_body(preferencelist=("plain",)).get_content()
        assert f"{late.name} now takes part in this pitch session" in said
    assert not [m for m in _emails_to(smtp_sink, people["first"]) if str(_event_of(m)["uid"]) ==
                f"pitch-session-{other.id}@agora"]  # not another company's session
    downloaded = icalendar.Calendar.from_ical(pitch_sessions.session_calendar(people["first"], slot.id))
    assert downloaded.walk("VEVENT")[0]["sequence"] == 1
    assert set(db.session.scalars(select(Notification.kind).where(Notification.user_id == late.id))) == \
        {"pitch_session.booked"}
    assert pitch_sessions.session_calendar(late, slot.id)
    smtp_sink.messages.clear()
    evaluation.declare_conflict(late, challenge.id, conflicted=True, note="I joined from one of the companies.")
    process_pending()
    assert _by_method(smtp_sink)["CANCEL"] == [late.email, late.email]
    # Joined, then stepped aside: each its own version, so the others' calendars take the later one.
    left = next(m for m in _emails_to(smtp_sink, people["first"]) if m["Subject"].startswith("Pitch session updated"))
    assert _event_of(left)["sequence"] == 2 and f"mailto:{late.email}" not in {
        str(a) for a in _event_of(left)["attendee"]}


def _emails_to(smtp_sink, user):
    return [m for m in smtp_sink.messages if m["To"] == user.email]


def _event_of(message):
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]


def test_offering_slots_tells_each_shortlisted_company_not_yet_booked_once_per_batch(evaluating, f, smtp_sink):
    from types import SimpleNamespace

    from sqlalchemy import select

    from marketplace.models import Notification
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, rejected, people = evaluating
    colleague = f.member(shortlisted[1].company, "owner")
    first = _offer(challenge, people)
    process_pending()
    told = sorted(m["To"] for m in smtp_sink.messages)
    assert told == sorted(u.email for u in (people["first"], people["second"], colleague))  # not the not selected
    said = _emails_to(smtp_sink, people["second"])[0].get_body(preferencelist=("plain",)).get_content()
    assert challenge.title in said and f"/pitches/{shortlisted[1].id}/session" in said
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, first.id)
    process_pending()
    smtp_sink.messages.clear()
    for hours in (1, 2):  # more slots in the same sitting: nobody is told again
        _offer(challenge, people, starts_at=utcnow() + timedelta(days=5, hours=hours),
               ends_at=utcnow() + timedelta(days=5, hours=hours, minutes=30))
    process_pending()
    assert smtp_sink.messages == []
    # Slots offered another day are a new batch: told to the company still without a session, not to the one booked.
    later = SimpleNamespace(payload={"object_id": pitch_sessions.open_slots(challenge)[0].id},
                            created_at=utcnow() + timedelta(days=1))
    for _ in range(2):  # a retry of the same event tells nobody twice
        pitch_sessions.tell_of_offered_slots(later)
        db.session.commit()
    process_pending()
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted([people["second"].email, colleague.email])
    kinds = db.session.scalars(select(Notification.user_id).where(Notification.kind == "pitch_session.offered"))
    assert sorted(kinds) == sorted([people["first"].id, people["second"].id, people["second"].id, colleague.id,
                                    colleague.id])


def test_each_side_sees_the_other_in_its_calendar_entry(evaluating, smtp_sink):
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    company = shortlisted[0].company.name
    slot = _offer(challenge, people)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    panel, own = (_event_of(_emails_to(smtp_sink, people[who])[0]) for who in ("officer", "first"))
    # The panel's entry names the company (two sessions are two entries) and says nothing of "your pitch".
    assert company in str(panel["summary"]) and challenge.title in str(panel["summary"])
    assert "your pitch" not in str(panel["description"]) and company in str(panel["description"])
    assert str(panel["description"]).endswith(f"/challenges/{challenge.slug}/evaluation#sessions")
    # The company's names the challenge and the agency that holds the session.
    assert challenge.title in str(own["summary"]) and challenge.agency.name in str(own["summary"])
    assert str(own["description"]).endswith(f"/pitches/{shortlisted[0].id}/session")
    downloaded = icalendar.Calendar.from_ical(pitch_sessions.session_calendar(people["evaluator"], slot.id))
    assert str(downloaded.walk("VEVENT")[0]["summary"]) == str(panel["summary"])


def test_session_emails_say_the_readers_zone_and_link_to_the_session_page(app, evaluating, smtp_sink):
    from babel.dates import get_timezone_name

    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    people["first"].timezone = "Europe/London"
    slot = _offer(challenge, people)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    base = app.config["BASE_URL"].rstrip("/")
    for who, zone, page in (("first", "Europe/London", f"{base}/pitches/{shortlisted[0].id}/session"),
                            ("officer", "Europe/Brussels", f"{base}/challenges/{challenge.slug}/evaluation#sessions")):
        said = _emails_to(smtp_sink, people[who])[0].get_body(preferencelist=("plain",)).get_content()
        start, end = (t.astimezone(ZoneInfo(zone)) for t in (slot.starts_at, slot.ends_at))
        assert f"{start:%H:%M}–{end:%H:%M}, {get_timezone_name(zone, width='long', locale='en')}" in said, who
        assert page in said, who


def test_the_reminder_names_the_sessions_day_rather_than_tomorrow(evaluating, smtp_sink):
    from sqlalchemy import select

    from marketplace.models import Notification
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    people["first"].timezone = "Pacific/Auckland"
    starts = utcnow() + timedelta(hours=35)  # beat reminds 12 to 36 hours ahead: two calendar days away for some
    slot = _offer(challenge, people, starts_at=starts, ends_at=starts + timedelta(minutes=30))
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    assert pitch_sessions.remind_tomorrows_sessions() == 1
    for who, zone in (("first", "Pacific/Auckland"), ("officer", "Europe/Brussels")):
        title = db.session.scalars(select(Notification.title).where(
            Notification.user_id == people[who].id, Notification.kind == "pitch_session.reminder")).one()
        local = starts.astimezone(ZoneInfo(zone))
        assert "tomorrow" not in title.lower() and f"{local.day} {local:%B %Y}" in title, who


def test_a_member_who_steps_aside_after_finalising_leaves_the_others_calendars_too(evaluating, f, smtp_sink):
    """After finalising (the sessions' time), a member who steps aside is taken out of the session for themselves
    (CANCEL) and, for the others who were sent it, the session comes again without them: the same event at its
    next version, which replaces it in their calendars; the company is not told why. Every later file (the
    reminder, the download, a cancellation) comes after that version."""
    from marketplace.models import Evaluation
    from marketplace.services.challenges import challenges
    from marketplace.services.evaluation import evaluation
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    db.session.add(Evaluation(challenge_id=challenge.id, started_by_id=people["officer"].id, finalised_at=utcnow()))
    db.session.commit()
    soon = utcnow() + timedelta(hours=30)
    slot = _offer(challenge, people, starts_at=soon, ends_at=soon + timedelta(minutes=30))
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    invitation = _event_of(_emails_to(smtp_sink, people["officer"])[0])
    smtp_sink.messages.clear()
    evaluation.declare_conflict(people["evaluator"], challenge.id, conflicted=True, note="I advised the company.")
    process_pending()
    process_pending()  # once
    sent = _by_method(smtp_sink)
    assert sent["CANCEL"] == [people["evaluator"].email]
    assert sorted(sent["REQUEST"]) == sorted([people["first"].email, people["officer"].email])
    cancelled = _event_of(_emails_to(smtp_sink, people["evaluator"])[0])
    for who in ("first", "officer"):
        message = next(m for m in _emails_to(smtp_sink, people[who]) if m["Subject"].startswith("Pitch session updated"))
        updated = _event_of(message)
        assert updated["uid"] == invitation["uid"] and updated["sequence"] > invitation["sequence"]
        assert {str(a) for a in updated["attendee"]} == {f"mailto:{people[w].email}" for w in ("first", "officer")}
        said = message.get_body(preferencelist=("plain",)).get_content()
        whose = "Your pitch session" if who == "first" else shortlisted[0].company.name  # the company's own: "your"
        assert people["evaluator"].name in said and "conflict" not in said and whose in said
    assert cancelled["sequence"] > updated["sequence"]  # their own copy: taken out, not replaced
    smtp_sink.messages.clear()
    pitch_sessions.remind_tomorrows_sessions()
    process_pending()
    reminded = _event_of(_emails_to(smtp_sink, people["officer"])[0])
    downloaded = icalendar.Calendar.from_ical(pitch_sessions.session_calendar(people["first"], slot.id))
    assert reminded["sequence"] == updated["sequence"] == downloaded.walk("VEVENT")[0]["sequence"]
    assert people["evaluator"].email not in {m["To"] for m in smtp_sink.messages}
    smtp_sink.messages.clear()
    challenges.cancel_challenge(f.member(challenge.agency, "publisher"), challenge.slug, "No budget any more.")
    process_pending()
    assert _event_of(_emails_to(smtp_sink, people["first"])[-1])["sequence"] > updated["sequence"]


def test_slots_offered_before_the_shortlist_but_handled_after_it_tell_nobody_twice(evaluating, smtp_sink):
    """The shortlist's own notice invites the companies to pick a time: slots offered before it whose event is
    handled after it (the broker was down) add no second notice (seen walking the demo)."""
    from types import SimpleNamespace

    from sqlalchemy import select

    from marketplace.models import Evaluation, Notification

    challenge, _, _, people = evaluating
    slot = _offer(challenge, people)
    sent = utcnow()
    db.session.add(Evaluation(challenge_id=challenge.id, started_by_id=people["officer"].id, shortlist_sent_at=sent))
    db.session.commit()
    pitch_sessions.tell_of_offered_slots(SimpleNamespace(payload={"object_id": slot.id},
                                                         created_at=sent - timedelta(minutes=5)))
    db.session.commit()
    assert db.session.scalar(select(Notification.id).where(Notification.kind == "pitch_session.offered")) is None
    pitch_sessions.tell_of_offered_slots(SimpleNamespace(payload={"object_id": slot.id},
                                                         created_at=sent + timedelta(minutes=5)))
    db.session.commit()
    assert db.session.scalar(select(Notification.id).where(Notification.kind == "pitch_session.offered"))


def test_a_booking_handled_after_the_cancellation_sends_only_the_cancellation(evaluating, f, smtp_sink):
    """Booked, then the challenge cancelled before the worker handled the booking: nobody is told the session is
    booked (that email carried the calendar's CANCEL under a "booked" subject), only that it is called off."""
    from marketplace.services.challenges import challenges
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    slot = _offer(challenge, people)
    process_pending()
    smtp_sink.messages.clear()
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    challenges.cancel_challenge(f.member(challenge.agency, "publisher"), challenge.slug, "No budget any more.")
    process_pending()
    subjects = [m["Subject"] for m in _emails_to(smtp_sink, people["first"])]
    assert not any("booked" in s for s in subjects), subjects
    assert any(s.startswith("Pitch session called off") for s in subjects), subjects


def test_sessions_still_to_come_when_the_final_decisions_are_sent_are_called_off_and_not_reminded(
        evaluating, smtp_sink):
    """The final decisions sent before a booked session: it can decide nothing any more, so both sides get its
    cancellation (the same event, STATUS:CANCELLED) saying why, once; no reminder follows, the company's page and
    the work list no longer hold it. A session held before the decisions stays as it was."""
    from marketplace.models import Evaluation
    from marketplace.services import work_lists
    from marketplace.services.messaging.events import record_change
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    evaluation = Evaluation(challenge_id=challenge.id, started_by_id=people["officer"].id)
    db.session.add(evaluation)
    db.session.commit()
    soon = utcnow() + timedelta(hours=30)
    slot = _offer(challenge, people, starts_at=soon, ends_at=soon + timedelta(minutes=30))
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    smtp_sink.messages.clear()
    assert pitch_sessions.why_called_off(slot) is None
    assert _sessions_listed(work_lists, people["officer"])
    evaluation.decisions_published_at = utcnow()  # as evaluation.publish_decisions sends the final round
    record_change(people["officer"], "evaluation.decisions_sent", challenge,
                  after={"decisions_published_at": evaluation.decisions_published_at}, challenge_id=challenge.id)
    db.session.commit()
    process_pending()
    process_pending()  # once
    assert sorted(_by_method(smtp_sink)["CANCEL"]) == sorted(people[who].email for who in ("first", "officer",
                                                                                           "evaluator"))
    message = next(m for m in smtp_sink.messages if m["To"] == people["first"].email)
    _, cancellation = _calendar_of(message)
    assert cancellation.walk("VEVENT")[0]["status"] == "CANCELLED"
    assert str(pitch_sessions.DECIDED_FIRST) in message.get_body(preferencelist=("plain",)).get_content()
    assert pitch_sessions.why_called_off(slot) == pitch_sessions.DECIDED_FIRST
    assert pitch_sessions.remind_tomorrows_sessions() == 0
    assert icalendar.Calendar.from_ical(pitch_sessions.session_calendar(people["first"], slot.id))["method"] == "CANCEL"
    assert not _sessions_listed(work_lists, people["officer"])
    held = PitchSessionSlot(challenge_id=challenge.id, starts_at=evaluation.decisions_published_at - timedelta(hours=2),
                            ends_at=evaluation.decisions_published_at - timedelta(hours=1), mode="online",
                            link="https://meet.example.org/held", pitch_id=shortlisted[1].id, booked_at=utcnow())
    assert pitch_sessions.why_called_off(held, challenge=challenge) is None  # held before the decisions: it took place


def _sessions_listed(work_lists, user):
    return [item for section in work_lists.work_list(user) if section.kind == work_lists.SESSIONS
            for item in section.items]


def test_a_latecomer_who_declares_after_the_final_decisions_is_sent_no_session_called_off(evaluating, f, smtp_sink):
    """The final decisions sent, the sessions still to come are called off (`why_called_off`): a panel member who
    declares no conflict then is sent none of them, and their .ics is the cancellation like everyone's."""
    from marketplace.models import Evaluation
    from marketplace.services.evaluation import evaluation
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    current = Evaluation(challenge_id=challenge.id, started_by_id=people["officer"].id, finalised_at=utcnow())
    db.session.add(current)
    db.session.commit()
    slot = _offer(challenge, people)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    current.decisions_published_at = utcnow()
    late = f.member(challenge.agency, "evaluator")
    smtp_sink.messages.clear()
    evaluation.declare_conflict(late, challenge.id, conflicted=False)
    process_pending()
    assert _emails_to(smtp_sink, late) == []
    assert "STATUS:CANCELLED" in pitch_sessions.session_calendar(late, slot.id)


@pytest.mark.parametrize("how", ["decisions", "cancellation"])
def test_whose_inbox_says_a_session_is_booked_reads_there_that_it_is_called_off(evaluating, f, smtp_sink, how):
    """The booking put "Pitch session booked" in the inbox of the company's people and of the panel: when the final
    decisions are sent before it, or the challenge is cancelled, the inbox says it is called off (why, which session,
    linking to its page), once, not only the email that takes it out of the calendar."""
    from marketplace.models import Evaluation, Notification
    from marketplace.services.challenges import challenges
    from marketplace.services.messaging.events import record_change
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    evaluation = Evaluation(challenge_id=challenge.id, started_by_id=people["officer"].id)
    db.session.add(evaluation)
    db.session.commit()
    slot = _offer(challenge, people)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    if how == "decisions":
        evaluation.decisions_published_at = utcnow()
        record_change(people["officer"], "evaluation.decisions_sent", challenge,
                      after={"decisions_published_at": evaluation.decisions_published_at}, challenge_id=challenge.id)
        db.session.commit()
    else:
        challenges.cancel_challenge(f.member(challenge.agency, "publisher"), challenge.slug, "No budget any more.")
    process_pending()
    process_pending()  # once
    why = pitch_sessions.why_called_off(slot)
    assert why is not None
    for who in ("first", "officer", "evaluator"):
        kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == people[who].id)
                                   .order_by(Notification.id)).all()
        assert "pitch_session.booked" in kinds and kinds.count("pitch_session.called_off") == 1, (who, kinds)
        called_off = db.session.scalars(select(Notification).where(Notification.user_id == people[who].id,
                                                                   Notification.kind == "pitch_session.called_off")
                                        ).one()
        assert str(why) in called_off.body
        assert called_off.link == pitch_sessions._session_page(slot, people[who])


def test_a_declaration_made_before_the_booking_but_handled_after_it_sends_no_update(evaluating, f, smtp_sink):
    """A panel member who declared no conflict before the booking is invited with the others at the booking:
    when their declaration's event is handled only after it (the worker was behind), nobody is sent the session
    again for them, and the event stays at its first version."""
    from types import SimpleNamespace

    from marketplace.models import Evaluation
    from marketplace.services.evaluation import evaluation
    from marketplace.services.messaging.outbox import process_pending

    challenge, shortlisted, _, people = evaluating
    db.session.add(Evaluation(challenge_id=challenge.id, started_by_id=people["officer"].id))
    db.session.commit()
    member = f.member(challenge.agency, "evaluator")
    evaluation.declare_conflict(member, challenge.id, conflicted=False)
    slot = _offer(challenge, people)
    pitch_sessions.book_slot(people["first"], shortlisted[0].id, slot.id)
    process_pending()
    # The declaration's handler run (again) after the booking's: a retry, or the worker taking them out of order.
    pitch_sessions.invite_who_declared(SimpleNamespace(payload={"object_id": challenge.id, "actor_id": member.id}))
    db.session.commit()
    process_pending()
    assert not [m for m in smtp_sink.messages if m["Subject"].startswith("Pitch session updated")]
    [invitation] = [m for m in _emails_to(smtp_sink, member) if _event_of(m)["uid"] == f"pitch-session-{slot.id}@agora"]
    assert _event_of(invitation)["sequence"] == 0
